using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Domain.Clusters;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;
using Portal.Infrastructure.Tenancy;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// Server-side time of the quota pages' queries on PostgreSQL: a tenant's quota summary with 50 environments over
/// 10 pools, and a pool's page with 200 tenants' grants. Run with `-- --quota-pages`; the server comes from
/// PORTAL_TEST_POSTGRES (a role that may create databases), as for the tests.
/// </summary>
internal static class QuotaPagesBenchmark
{
    private const int Pools = 10;
    private const int HostsPerPool = 10;
    private const int Tenants = 200;
    private const int Environments = 50;
    private const int NamespacesPerOtherTenant = 5;
    private const int Requests = 200;
    private const int Warmup = 20;

    public static async Task<int> RunAsync(string root, CancellationToken ct)
    {
        var server = Environment.GetEnvironmentVariable("PORTAL_TEST_POSTGRES");
        if (string.IsNullOrEmpty(server))
        {
            Console.Error.WriteLine(
                "Set PORTAL_TEST_POSTGRES (e.g. "
                    + "Host=127.0.0.1;Port=5432;Username=portal;Password=portal) to run the "
                    + "quota pages benchmark."
            );
            return 2;
        }
        var database = $"portal_bench_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Portal:Database:Provider"] = "Postgres",
                    ["ConnectionStrings:Portal"] = connectionString,
                    ["Portal:Clusters:Watch"] = "false",
                }
            )
            .Build();
        await using var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddPortalInfrastructure(configuration, Path.GetTempPath())
            .BuildServiceProvider();
        var report = new Report();
        try
        {
            await using (var scope = services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
            var (busyTenant, busyPool) = await SeedAsync(services, ct);

            report.Line(Invariant($"# Quota pages benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
            report.Line();
            report.Line(
                "`dotnet run -c Release --project benchmarks/Portal.Benchmarks -- "
                    + "--quota-pages` — the queries behind the pages, "
                    + "in-process on PostgreSQL 15 (loopback), a new DI scope (DbContext) per call, sequential."
            );
            report.Heading("## Machine");
            report.Lines(Machine.Describe());
            report.Heading("## Data");
            report.Line(
                (
                    Invariant($"{Pools} pools of {HostsPerPool} hosts each (one cluster, pools by node ")
                    + Invariant($"label), {Tenants} tenants with a quota in every pool, one of them with ")
                    + Invariant($"{Environments} environments spread over the {Pools} pools, each ")
                    + Invariant($"namespace with its workload load; {NamespacesPerOtherTenant} ")
                    + "namespaces with load for every other tenant."
                )
            );
            report.Heading("## Server-side time");
            report.Line(Samples.Header);
            report.Line(Samples.Rule);
            var tenantPage = await MeasureAsync(
                services,
                "tenant quota page (`PoolCatalog.ForTenantAsync`, 10 pools, 50 environments)",
                async (scope, c) =>
                {
                    scope.ServiceProvider.GetRequiredService<TenantScope>().Bind(busyTenant);
                    await scope.ServiceProvider.GetRequiredService<PoolCatalog>().ForTenantAsync(c);
                },
                ct
            );
            var poolPage = await MeasureAsync(
                services,
                "pool page (`SummaryAsync` + `GrantsAsync`, 200 tenants)",
                async (scope, c) =>
                {
                    var pools = scope.ServiceProvider.GetRequiredService<PoolCatalog>();
                    var summary = await pools.SummaryAsync(busyPool, c);
                    await pools.GrantsAsync(summary!.Id, c);
                },
                ct
            );
            var poolList = await MeasureAsync(
                services,
                "pools list (`PoolCatalog.ListAsync`, 10 pools)",
                (scope, c) => scope.ServiceProvider.GetRequiredService<PoolCatalog>().ListAsync(c),
                ct
            );
            foreach (var samples in new[] { tenantPage, poolPage, poolList })
                report.Line(samples.Row);
            report.Line();
            var worst = new[] { tenantPage, poolPage, poolList }.Max(s => s.Percentile(0.95));
            report.Line(Invariant($"**Worst p95: {worst:F1} ms** (target: under 100 ms server-side)."));
            Console.WriteLine(report.ToString());
            var results = Path.Combine(root, "benchmarks", "results");
            Directory.CreateDirectory(results);
            await File.WriteAllTextAsync(
                Path.Combine(results, Invariant($"{DateTime.UtcNow:yyyy-MM-dd}-quota-pages.md")),
                report.ToString(),
                CancellationToken.None
            );
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(
                new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString
            );
            await admin.OpenAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task<(Tenant BusyTenant, string BusyPool)> SeedAsync(
        IServiceProvider services,
        CancellationToken ct
    )
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = DateTime.UtcNow;
        var cluster = Cluster.Register("bench", null, "https://127.0.0.1:1", "unused", "v1.32.0", "bench", now).Value;
        db.Clusters.Add(cluster);
        var pools = new List<ResourcePool>();
        for (var p = 0; p < Pools; p++)
        {
            pools.Add(ResourcePool.Create($"pool-{p:00}", null, cluster.Id, $"pool=p{p}", "bj", 2m, 1m, now).Value);
            for (var h = 0; h < HostsPerPool; h++)
            {
                var host = new ClusterHost(cluster.Id, $"node-{p:00}-{h:00}");
                host.Observe(
                    new NodeSnapshot(
                        host.Name,
                        "",
                        "worker",
                        $"kubernetes.io/hostname={host.Name}\npool=p{p}",
                        "",
                        "Ready=True||",
                        true,
                        false,
                        "",
                        64000,
                        256L << 30,
                        110,
                        1L << 40,
                        64000,
                        256L << 30,
                        110,
                        now
                    ),
                    now
                );
                host.ObserveLoad(8000, 32L << 30, 40);
                db.Hosts.Add(host);
            }
        }
        db.ResourcePools.AddRange(pools);
        var tenants = Enumerable
            .Range(0, Tenants)
            .Select(t => Tenant.Create($"tenant-{t:000}", $"Tenant {t}", now).Value)
            .ToList();
        db.Tenants.AddRange(tenants);
        var grant = new ResourceAmounts(2000, 4000, 4L << 30, 8L << 30, 100L << 30, 50, 2);
        foreach (var tenant in tenants)
        {
            foreach (var pool in pools)
                db.TenantQuotas.Add(new TenantQuota(tenant.Id, pool.Id, grant, "bench", now));
        }

        var share = new ResourceAmounts(100, 200, 128L << 20, 256L << 20, 1L << 30, 2, 0);
        for (var e = 0; e < Environments; e++)
        {
            var environment = TenantEnvironment
                .Create(tenants[0], pools[e % Pools].Id, $"env-{e:00}", share, now)
                .Value;
            db.Environments.Add(environment);
            db.NamespaceLoads.Add(Load(cluster.Id, environment.Namespace, now));
        }
        // The other tenants' namespaces, which the quota page's join must not wade through.
        foreach (var tenant in tenants.Skip(1))
        {
            for (var n = 0; n < NamespacesPerOtherTenant; n++)
                db.NamespaceLoads.Add(Load(cluster.Id, $"{tenant.Slug}-env-{n}", now));
        }

        await db.SaveChangesAsync(ct);
        return (tenants[0], pools[0].Name);
    }

    private static NamespaceLoad Load(Guid clusterId, string ns, DateTime now)
    {
        var load = new NamespaceLoad(clusterId, ns);
        load.Observe(new WorkloadTotals(60, 120, 96L << 20, 192L << 20, 2), now);
        load.ObserveUsage(25, 70L << 20);
        return load;
    }

    private static async Task<Samples> MeasureAsync(
        IServiceProvider services,
        string name,
        Func<AsyncServiceScope, CancellationToken, Task> call,
        CancellationToken ct
    )
    {
        var samples = new Samples(name);
        for (var i = 0; i < Warmup + Requests; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var watch = Stopwatch.StartNew();
            await call(scope, ct);
            if (i >= Warmup)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return samples;
    }
}

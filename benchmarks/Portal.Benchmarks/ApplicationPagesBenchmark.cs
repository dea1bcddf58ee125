using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Clusters;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// Part 1 of `--applications`: the queries behind the application list and detail pages on PostgreSQL, for a tenant
/// with 1,200 applications and 5,000 pods over three environments, seeded in bulk, beside neighbour tenants.
/// </summary>
internal static class ApplicationPagesBenchmark
{
    public const int Applications = 1200;
    public const int Pods = 5000;
    private const int NeighbourTenants = 9;
    private const int NeighbourApplications = 200;
    private const int NeighbourPodsPerApplication = 2;
    private const int Requests = 200;
    private const int Warmup = 20;
    private const int PageSize = 20;
    private const string BusyTenant = "acme";
    private const string ShortHistoryApp = "shop-frontend";
    private const string LongHistoryApp = "shop-backend";
    private const int ShortHistory = 12;
    private const int LongHistory = 600;
    private const string Search = "pay";

    private static readonly string[] Teams =
    [
        "payments",
        "catalog",
        "checkout",
        "search",
        "identity",
        "orders",
        "shipping",
        "billing",
        "reviews",
        "pricing",
        "inventory",
        "notify",
    ];
    private static readonly string[] Services =
    [
        "api",
        "worker",
        "web",
        "gateway",
        "sync",
        "export",
        "import",
        "scheduler",
        "cache",
        "indexer",
    ];

    /// <summary>
    /// dev: every application, one pod each; test: 7 in 12, two pods; prod: 4 in 12, six pods — 1,200 + 1,400 + 2,400 =
    /// 5,000.
    /// </summary>
    private static readonly (string Name, int InTwelve, int Pods)[] Environments =
    [
        ("dev", 12, 1),
        ("test", 7, 2),
        ("prod", 4, 6),
    ];

    public sealed record Outcome(Samples WorstList, Samples WorstDetail, IReadOnlyList<string> Findings);

    private sealed record Seeded(
        Tenant Tenant,
        int Apps,
        int Pods,
        int Deployments,
        int Revisions,
        int AllApps,
        int AllPods,
        int AllRevisions,
        int Running,
        int Failed,
        int Deploying,
        TimeSpan Took
    );

    public static async Task<Outcome> RunAsync(
        Report report,
        string server,
        Action<string> progress,
        bool keep,
        CancellationToken ct
    )
    {
        await using var portal = await PostgresPortal.CreateAsync(server, "pages", ct);
        portal.Keep = keep;
        progress($"seeding {portal.Database}");
        var seeded = await SeedAsync(portal.Services, progress, ct);
        var tenant = seeded.Tenant;

        report.Heading(
            Invariant(
                $"## 1. Application list and detail pages: {Applications:N0} applications, {Pods:N0} pods (PostgreSQL)"
            )
        );
        report.Line(
            (
                Invariant($"Seeded directly in the database in {Format.Seconds(seeded.Took)} (EF ")
                + "Core, batches of 2,000 rows; specs sealed by the portal's "
                + "`SpecVault`), on a fresh database of the server in "
                + "`PORTAL_TEST_POSTGRES`:"
            )
        );
        report.Line();
        report.Line(
            (
                Invariant($"- Tenant `{BusyTenant}`: {seeded.Apps:N0} applications, 3 environments ")
                + Invariant($"(`dev`, `test`, `prod`, namespaces `{BusyTenant}-dev` …) in one pool, ")
                + Invariant($"{seeded.Deployments:N0} `AppDeployments` (every app in dev, 7 in 12 in ")
                + Invariant($"test, 4 in 12 in prod: {seeded.Running:N0} Running, {seeded.Failed:N0} ")
                + Invariant($"Failed with crash-looping pods, {seeded.Deploying:N0} Deploying with ")
                + Invariant($"half their pods ready), {seeded.Revisions:N0} revisions (3–8 per app), ")
                + Invariant($"**{seeded.Pods:N0} `WorkloadPods` rows** (1 per app in dev, 2 in test, ")
                + "6 in prod) and the namespaces' `NamespaceLoads`."
            )
        );
        report.Line(
            (
                Invariant($"- The detail page's applications: `{ShortHistoryApp}` (all 3 ")
                + Invariant($"environments, 9 pods, {ShortHistory} revisions) and `{LongHistoryApp}` ")
                + Invariant($"(same, {LongHistory} revisions: one deploy per merge for a few weeks).")
            )
        );
        report.Line(
            (
                Invariant($"- Beside it, {NeighbourTenants} other tenants with ")
                + Invariant($"{NeighbourApplications} applications each in their own `dev` (")
                + Invariant($"{NeighbourPodsPerApplication} pods and 2 revisions each), in the same ")
                + Invariant($"cluster: {seeded.AllApps:N0} applications, {seeded.AllRevisions:N0} ")
                + Invariant($"revisions and {seeded.AllPods:N0} pod rows in all, so that the tenant ")
                + "filter has something to filter."
            )
        );
        report.Line(
            "- The pods are rows, not sandbox pods: the cluster watch "
                + "(`ClusterWatch.FlushWorkloadsAsync`) writes exactly these rows, and "
                + "the pages read only them. Part 2 runs the watch for real."
        );
        report.Line();
        report.Line(
            (
                "In-process, the portal's own services (`AddPortalInfrastructure`, "
                + "Npgsql), a new DI scope (DbContext) per call bound to the tenant as a "
                + Invariant($"request is, {Warmup} warm-up calls then {Requests} measured, ")
                + "sequential:"
            )
        );
        report.Line();

        progress("list page queries");
        var environmentNames = new[] { "dev", "prod", "test" };
        var list = new List<Samples>();
        // The search matches a name's prefix or a substring of the image, which holds the team and the name.
        var searched = Enumerable
            .Range(0, Applications)
            .Count(i => BusyName(i).Contains(Search, StringComparison.Ordinal));
        foreach (
            var (name, filter, page, expectTotal) in new (string, ApplicationFilter, int, int?)[]
            {
                ("first page of 20, by name (the default)", new ApplicationFilter(), 1, Applications),
                (
                    "first page, by last change, newest first",
                    new ApplicationFilter(Sort: ApplicationSort.Updated, Descending: true),
                    1,
                    Applications
                ),
                (
                    Invariant($"last page ({Applications / PageSize}), by name"),
                    new ApplicationFilter(),
                    Applications / PageSize,
                    Applications
                ),
                (
                    "environment `prod` + health Running",
                    new ApplicationFilter(Environment: "prod", Health: ApplicationHealth.Running),
                    1,
                    null
                ),
                (
                    "environment `test` + health Failed",
                    new ApplicationFilter(Environment: "test", Health: ApplicationHealth.Failed),
                    1,
                    null
                ),
                (
                    Invariant($"search \"{Search}\" (name prefix or image)"),
                    new ApplicationFilter(Search: Search),
                    1,
                    searched
                ),
            }
        )
        {
            var matches = await TotalAsync(portal.Services, tenant, filter, ct);
            if (matches == 0 || (expectTotal is { } expected && matches != expected))
                throw new InvalidOperationException($"{name}: {matches} matches, expected {expectTotal}");
            list.Add(
                await MeasureAsync(
                    portal.Services,
                    tenant,
                    Invariant($"list: {name} — {matches:N0} match"),
                    async (scope, c) =>
                    {
                        var rows = await scope
                            .ServiceProvider.GetRequiredService<ApplicationCatalog>()
                            .ListAsync(filter, new PageRequest(page, PageSize), c);
                        var environments = await scope
                            .ServiceProvider.GetRequiredService<EnvironmentDirectory>()
                            .ListAsync(c);
                        if (
                            rows.Items.Count != Math.Min(PageSize, matches - (page - 1) * PageSize)
                            || rows.Total != matches
                            || environments.Count != environmentNames.Length
                        )
                            throw new InvalidOperationException(
                                $"{name}: {rows.Items.Count} rows of {rows.Total}, {environments.Count} environments"
                            );
                    },
                    ct
                )
            );
        }

        progress("detail page queries");
        var detail = new List<Samples>();
        foreach (var (app, revisions) in new[] { (ShortHistoryApp, ShortHistory), (LongHistoryApp, LongHistory) })
        {
            detail.Add(
                await MeasureAsync(
                    portal.Services,
                    tenant,
                    $"detail `{app}` ({revisions} revisions): `FindAsync` + `ForApplicationAsync` + `RevisionsAsync`",
                    async (scope, c) =>
                    {
                        var catalog = scope.ServiceProvider.GetRequiredService<ApplicationCatalog>();
                        var found = await catalog.FindAsync(app, c)
                            ?? throw new InvalidOperationException($"{app} not found");
                        var status = await scope
                            .ServiceProvider.GetRequiredService<AppStatusReader>()
                            .ForApplicationAsync(found.Id, c);
                        var history = await catalog.RevisionsAsync(app, c);
                        if (
                            found.Deployments.Count != 3
                            || status.Count != 3
                            || status.Sum(s => s.Pods.Count) != 9
                            || history?.Count != revisions
                        )
                            throw new InvalidOperationException(
                                $"{app}: {found.Deployments.Count} deployments, {status.Count} statuses, "
                                    + $"{history?.Count} revisions"
                            );
                    },
                    ct
                )
            );
        }
        var shortId = await IdOfAsync(portal.Services, tenant, ShortHistoryApp, ct);
        var parts = new List<Samples>
        {
            await MeasureAsync(
                portal.Services,
                tenant,
                $"… `ApplicationCatalog.FindAsync` alone (`{ShortHistoryApp}`)",
                async (scope, c) =>
                    _ = await scope
                        .ServiceProvider.GetRequiredService<ApplicationCatalog>()
                        .FindAsync(ShortHistoryApp, c),
                ct
            ),
            await MeasureAsync(
                portal.Services,
                tenant,
                $"… `AppStatusReader.ForApplicationAsync` alone (`{ShortHistoryApp}`, 9 pods)",
                async (scope, c) =>
                    _ = await scope
                        .ServiceProvider.GetRequiredService<AppStatusReader>()
                        .ForApplicationAsync(shortId, c),
                ct
            ),
            await MeasureAsync(
                portal.Services,
                tenant,
                $"… `ApplicationCatalog.RevisionsAsync` alone (`{ShortHistoryApp}`, {ShortHistory})",
                async (scope, c) =>
                    _ = await scope
                        .ServiceProvider.GetRequiredService<ApplicationCatalog>()
                        .RevisionsAsync(ShortHistoryApp, c),
                ct
            ),
            await MeasureAsync(
                portal.Services,
                tenant,
                $"… `ApplicationCatalog.RevisionsAsync` alone (`{LongHistoryApp}`, {LongHistory})",
                async (scope, c) =>
                    _ = await scope
                        .ServiceProvider.GetRequiredService<ApplicationCatalog>()
                        .RevisionsAsync(LongHistoryApp, c),
                ct
            ),
        };

        report.Line(
            "**List page** — what `ApplicationsController.Index` runs: "
                + "`ApplicationCatalog.ListAsync` (count, page, badges with ready pods) + "
                + "`EnvironmentDirectory.ListAsync` (the environment filter's choices):"
        );
        report.Line();
        report.Table(list);
        report.Line(
            "**Detail page** — the database queries of "
                + "`ApplicationsController.Detail`: `FindAsync` (application + its "
                + "badges), `AppStatusReader.ForApplicationAsync` (deployments + pods), "
                + "`RevisionsAsync` (the revisions table). "
                + "The page also reads the environment names (the list page's "
                + "`EnvironmentDirectory.ListAsync`, a few ms above) and, per "
                + "environment, the recent Kubernetes events from the cluster "
                + "(`RecentEventsAsync`, a call to the cluster, not the database — not "
                + "included here):"
        );
        report.Line();
        report.Table(detail.Concat(parts));

        var findings = new List<string>();
        var longRevisions = parts[^1];
        var shortRevisions = parts[^2];
        if (longRevisions.Percentile(0.5) > 3 * shortRevisions.Percentile(0.5))
            findings.Add(
                (
                    "`ApplicationCatalog.RevisionsAsync` "
                    + "(src/Portal.Infrastructure/Applications/ApplicationCatalog.cs, "
                    + "`RevisionsAsync`) reads every revision of the application, unpaged: "
                    + Invariant($"p50 {shortRevisions.Percentile(0.5):F1} ms for {ShortHistory} ")
                    + Invariant($"revisions, {longRevisions.Percentile(0.5):F1} ms for {LongHistory} — ")
                    + "it grows with the history, and the detail page renders them all. "
                    + "Suggested fix: take the newest N (say 20) on the detail page with a "
                    + "link to the revisions page, and page that one on the server "
                    + "(`Skip/Take` on the `(ApplicationId, Number)` index, which exists)."
                )
            );
        return new Outcome(list.MaxBy(s => s.Percentile(0.95))!, detail.MaxBy(s => s.Percentile(0.95))!, findings);
    }

    private static string AppName(int i) =>
        $"{Teams[i % Teams.Length]}-"
        + $"{Services[i / Teams.Length % Services.Length]}-"
        + $"{i / (Teams.Length * Services.Length):00}";

    private static string BusyName(int i) =>
        i switch
        {
            0 => ShortHistoryApp,
            1 => LongHistoryApp,
            _ => AppName(i),
        };

    private static async Task<int> TotalAsync(
        IServiceProvider services,
        Tenant tenant,
        ApplicationFilter filter,
        CancellationToken ct
    )
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().Bind(tenant);
        return (
            await scope
                .ServiceProvider.GetRequiredService<ApplicationCatalog>()
                .ListAsync(filter, new PageRequest(1, 1), ct)
        ).Total;
    }

    private static async Task<Guid> IdOfAsync(
        IServiceProvider services,
        Tenant tenant,
        string app,
        CancellationToken ct
    )
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().Bind(tenant);
        return await scope.ServiceProvider.GetRequiredService<AppStatusReader>().FindAsync(app, ct)
            ?? throw new InvalidOperationException($"{app} not found");
    }

    private static async Task<Samples> MeasureAsync(
        IServiceProvider services,
        Tenant tenant,
        string name,
        Func<AsyncServiceScope, CancellationToken, Task> call,
        CancellationToken ct
    )
    {
        var samples = new Samples(name);
        for (var i = 0; i < Warmup + Requests; i++)
        {
            var watch = Stopwatch.StartNew();
            await using (var scope = services.CreateAsyncScope())
            {
                scope.ServiceProvider.GetRequiredService<TenantScope>().Bind(tenant);
                await call(scope, ct);
            }
            if (i >= Warmup)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return samples;
    }

    private static async Task<Seeded> SeedAsync(
        IServiceProvider services,
        Action<string> progress,
        CancellationToken ct
    )
    {
        var took = Stopwatch.StartNew();
        var vault = services.GetRequiredService<SpecVault>();
        var now = DateTime.UtcNow;
        var batch = new Batch(services);
        var cluster = Cluster.Register("bench", null, "https://127.0.0.1:1", "unused", "v1.32.0", "bench", now).Value;
        var pool = ResourcePool.Create("pool-a", null, cluster.Id, null, "bj", 1m, 1m, now).Value;
        await batch.AddAsync(cluster, ct);
        await batch.AddAsync(pool, ct);

        var busy = Tenant.Create(BusyTenant, "Acme", now).Value;
        var share = new ResourceAmounts(20_000, 40_000, 40L << 30, 80L << 30, 0, 3000, 0);
        var counts = new Counts();
        await SeedTenantAsync(
            batch,
            vault,
            busy,
            pool,
            cluster.Id,
            Environments,
            Applications,
            BusyName,
            i =>
                i switch
                {
                    0 => ShortHistory,
                    1 => LongHistory,
                    _ => 3 + i % 6,
                },
            share,
            now,
            counts,
            ct
        );
        var busyCounts = counts with { };
        progress(Invariant($"busy tenant seeded ({busyCounts.Pods:N0} pods) after {took.Elapsed.TotalSeconds:F1} s"));
        for (var t = 1; t <= NeighbourTenants; t++)
        {
            var neighbour = Tenant.Create($"tenant-{t:00}", $"Tenant {t}", now).Value;
            await SeedTenantAsync(
                batch,
                vault,
                neighbour,
                pool,
                cluster.Id,
                [("dev", 12, NeighbourPodsPerApplication)],
                NeighbourApplications,
                AppName,
                _ => 2,
                share,
                now,
                counts,
                ct
            );
        }
        await batch.FlushAsync(ct);
        progress(Invariant($"seeded in {took.Elapsed.TotalSeconds:F1} s"));

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var pods = await db.WorkloadPods.CountAsync(p => p.Namespace.StartsWith(BusyTenant + "-"), ct);
            if (pods != Pods || busyCounts.Apps != Applications)
                throw new InvalidOperationException($"seeded {busyCounts.Apps} applications and {pods} pods");
            // Fresh statistics, as autovacuum would have them on a database that grew over months.
            await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
        }
        return new Seeded(
            busy,
            busyCounts.Apps,
            busyCounts.Pods,
            busyCounts.Deployments,
            busyCounts.Revisions,
            counts.Apps,
            counts.Pods,
            counts.Revisions,
            busyCounts.Running,
            busyCounts.Failed,
            busyCounts.Deploying,
            took.Elapsed
        );
    }

    private sealed record Counts
    {
        public int Apps { get; set; }
        public int Pods { get; set; }
        public int Deployments { get; set; }
        public int Revisions { get; set; }
        public int Running { get; set; }
        public int Failed { get; set; }
        public int Deploying { get; set; }
    }

    private static async Task SeedTenantAsync(
        Batch batch,
        SpecVault vault,
        Tenant tenant,
        ResourcePool pool,
        Guid clusterId,
        (string Name, int InTwelve, int Pods)[] environments,
        int applications,
        Func<int, string> name,
        Func<int, int> history,
        ResourceAmounts share,
        DateTime now,
        Counts counts,
        CancellationToken ct
    )
    {
        await batch.AddAsync(tenant, ct);
        await batch.AddAsync(new TenantQuota(tenant.Id, pool.Id, share, "bench", now), ct);
        var created = environments
            .Select(e =>
            {
                var environment = TenantEnvironment.Create(tenant, pool.Id, e.Name, share, now).Value;
                environment.MarkReady();
                return environment;
            })
            .ToList();
        foreach (var environment in created)
            await batch.AddAsync(environment, ct);
        var loads = created.ToDictionary(e => e.Namespace, _ => new WorkloadTotals(0, 0, 0, 0, 0));
        var resources = new ContainerResources(100, 500, 128L << 20, 256L << 20);

        for (var i = 0; i < applications; i++)
        {
            var appName = name(i);
            var team = appName.Split('-')[0];
            var image = $"registry.example.com/{team}/{appName}:1.{i % 40}.{i % 7}";
            DeploymentSpec Spec(int replicas) =>
                new()
                {
                    Image = image,
                    Ports = [new ContainerPort("http", 8080)],
                    Environment =
                    [
                        new EnvironmentVariable("LOG_LEVEL", "info"),
                        new EnvironmentVariable("DATABASE_PASSWORD", $"s3cret-{i}", IsSecret: true),
                    ],
                    Resources = resources,
                    Replicas = replicas,
                    Readiness = new Probe(ProbeKind.Http, "/healthz", 8080),
                };
            var revisions = history(i);
            // The newest revisions are the ones running, one per environment the application is in; older ones are
            // dev's history.
            var deployedTo = environments
                .Select((e, index) => (e, index, created[index]))
                .Where(x => i % 12 < x.e.InTwelve)
                .ToList();
            var start = now.AddDays(-60).AddMinutes(i);
            var app = Application
                .Create(tenant, appName, $"The {appName} service", $"team-{team}", Spec(1), vault.Seal, start)
                .Value;
            var made = new List<Revision>();
            var running = new Dictionary<int, Revision>();
            for (var r = 1; r <= revisions; r++)
            {
                var slot = r - (revisions - deployedTo.Count) - 1;
                var target = slot >= 0 ? deployedTo[slot] : deployedTo[0];
                var at = start.AddHours(revisions <= 12 ? r * 24 : r);
                var revision = app.NewRevision(
                    Spec(target.e.Pods),
                    vault.Seal,
                    target.e.Name,
                    r % 3 == 0 ? "ci-bot" : "dev@example.com",
                    r % 4 == 0 ? $"release {r}" : null,
                    "deploy",
                    at
                ).Value;
                made.Add(revision);
                if (slot >= 0)
                    running[target.index] = revision;
            }
            // The application row is added once its revisions are made: it carries the latest revision's number.
            await batch.AddAsync(app, ct);
            counts.Apps++;
            foreach (var revision in made)
                await batch.AddAsync(revision, ct);
            counts.Revisions += made.Count;
            foreach (var (environment, index, row) in deployedTo)
            {
                var revision = running[index];
                var deployment = new AppDeployment(app, row.Id, revision.CreatedAt);
                deployment.Deploy(revision, Spec(environment.Pods), false, revision.CreatedAt);
                var state = ((i + index) % 40) switch
                {
                    7 => AppDeploymentState.Failed,
                    13 => AppDeploymentState.Deploying,
                    _ => AppDeploymentState.Running,
                };
                if (state == AppDeploymentState.Running)
                    deployment.RolledOut(revision.CreatedAt);
                else if (state == AppDeploymentState.Failed)
                    deployment.Failed(
                        "The container keeps crashing (CrashLoopBackOff): Last exit: Error (exit code 1).",
                        revision.CreatedAt
                    );
                await batch.AddAsync(deployment, ct);
                counts.Deployments++;
                counts.Running += state == AppDeploymentState.Running ? 1 : 0;
                counts.Failed += state == AppDeploymentState.Failed ? 1 : 0;
                counts.Deploying += state == AppDeploymentState.Deploying ? 1 : 0;
                for (var p = 0; p < environment.Pods; p++)
                {
                    var ready =
                        state == AppDeploymentState.Running || (state == AppDeploymentState.Deploying && p % 2 == 0);
                    var podName = $"{appName}-{(uint)HashCode.Combine(appName, environment.Name) % 0xfffff:x5}-{p:x5}";
                    var pod = new WorkloadPod(clusterId, row.Namespace, podName);
                    pod.Observe(
                        new PodStatusReading(
                            row.Namespace,
                            podName,
                            appName,
                            revision.Number,
                            "Running",
                            ready,
                            state == AppDeploymentState.Failed ? 12 : 0,
                            state == AppDeploymentState.Failed ? "CrashLoopBackOff"
                                : ready ? null
                                : "ContainersNotReady",
                            state == AppDeploymentState.Failed ? "Last exit: Error (exit code 1)" : null,
                            $"node-{(i * 7 + p) % 40:00}",
                            $"10.{index}.{i % 250}.{p + 1}",
                            "app",
                            revision.CreatedAt
                        ),
                        now
                    );
                    pod.ObserveUsage(20 + (i + p) % 60, (64L << 20) + ((i * p) % 64 << 20));
                    await batch.AddAsync(pod, ct);
                    counts.Pods++;
                    loads[row.Namespace] += new WorkloadTotals(
                        resources.CpuRequestMillis,
                        resources.CpuLimitMillis,
                        resources.MemoryRequestBytes,
                        resources.MemoryLimitBytes,
                        1
                    );
                }
            }
        }
        foreach (var (ns, totals) in loads)
        {
            var load = new NamespaceLoad(clusterId, ns);
            load.Observe(totals, now);
            await batch.AddAsync(load, ct);
        }
    }

    /// <summary>
    /// Adds rows and saves them every 2,000, with a fresh change tracker, so that seeding stays linear.
    /// </summary>
    private sealed class Batch(IServiceProvider services)
    {
        private const int Size = 2000;
        private readonly List<object> _pending = [];

        public async Task AddAsync(object entity, CancellationToken ct)
        {
            _pending.Add(entity);
            if (_pending.Count >= Size)
                await FlushAsync(ct);
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            if (_pending.Count == 0)
                return;
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            db.AddRange(_pending);
            await db.SaveChangesAsync(ct);
            _pending.Clear();
        }
    }
}

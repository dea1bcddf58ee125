using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Portal.Domain.Clusters;
using Portal.Domain.Environments;
using Portal.Domain.Monitoring;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;

namespace Portal.Benchmarks;

/// <summary>
/// One workload of the data set: its tenant, environment and name, as the chart service is asked for it.
/// </summary>
internal sealed record BenchWorkload(Guid TenantId, Guid EnvironmentId, string Name);

/// <summary>
/// The monitoring benchmark's platform: 4 clusters of 250 nodes (one pool each, read from the Prometheus stand-in), 100
/// tenants with 2 environments each, 5 workloads of 5 pods per environment; then the metric subjects the sampler would
/// create for them and their history, written with binary COPY in time order.
/// </summary>
internal sealed class MonitoringDataSet
{
    public const int Clusters = 4;
    public const int NodesPerCluster = 250;
    public const int Tenants = 100;
    public const int EnvironmentsPerTenant = 2;
    public const int WorkloadsPerEnvironment = 5;
    public const int PodsPerWorkload = 5;
    public const int Subjects =
        Clusters
        + Clusters * NodesPerCluster
        + Tenants * EnvironmentsPerTenant * (1 + WorkloadsPerEnvironment * (1 + PodsPerWorkload));

    private const string Columns =
        "\"SubjectId\", \"At\", \"Cpu\", \"Memory\", \"CpuRequested\", "
        + "\"MemoryRequested\", \"CpuPercent\", \"MemoryPercent\", "
        + "\"Restarts\", \"Ready\", \"Desired\", \"Pending\", \"Failing\", \"QuotaPercent\"";

    public List<Guid> ClusterIds { get; } = [];
    public List<Tenant> TenantRows { get; } = [];
    public List<(Guid TenantId, Guid EnvironmentId)> EnvironmentRows { get; } = [];
    public List<BenchWorkload> Workloads { get; } = [];

    /// <summary>Per cluster: its nodes, and its pods that run (those Prometheus has usage for).</summary>
    public List<(List<string> Nodes, List<(string Namespace, string Pod)> Pods)> Usage { get; } = [];
    private readonly List<Series> _series = [];

    /// <summary>One subject's generated history: a daily wave around its own level.</summary>
    private sealed record Series(
        long Id,
        SubjectKind Kind,
        double Cpu,
        double Memory,
        double CpuRequested,
        double MemoryRequested,
        double CpuCapacity,
        double MemoryCapacity,
        int Desired,
        int Ready,
        int Failing,
        int Pending,
        double? Quota,
        double Phase
    );

    /// <summary>
    /// The portal rows the sampler and the dashboards read: clusters, pools, hosts, tenants, quotas, environments,
    /// loads, pods.
    /// </summary>
    public async Task SeedPortalAsync(
        IServiceProvider services,
        Func<int, string> prometheusUrl,
        DateTime now,
        CancellationToken ct
    )
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var pools = new List<ResourcePool>();
        for (var c = 0; c < Clusters; c++)
        {
            var cluster = Cluster
                .Register($"mon-{c}", null, "https://127.0.0.1:1", "unused", "v1.32.0", "bench", now)
                .Value;
            db.Clusters.Add(cluster);
            ClusterIds.Add(cluster.Id);
            var pool = ResourcePool.Create($"pool-{c}", null, cluster.Id, $"pool=p{c}", "bj", 2m, 1m, now).Value;
            if (!pool.UseMetricsFrom(prometheusUrl(c)).Succeeded)
                throw new InvalidOperationException($"pool {c}: Prometheus address refused");
            pools.Add(pool);
            var nodes = new List<string>();
            for (var h = 0; h < NodesPerCluster; h++)
            {
                var host = new ClusterHost(cluster.Id, $"node-{c}-{h:000}");
                // Two NotReady nodes per cluster, so that the node rule has something to fire on.
                var ready = h % 125 != 7;
                host.Observe(
                    new NodeSnapshot(
                        host.Name,
                        "",
                        "worker",
                        $"kubernetes.io/hostname={host.Name}\npool=p{c}",
                        "",
                        ready ? "Ready=True||" : "Ready=False|KubeletNotReady|",
                        ready,
                        false,
                        "",
                        32000,
                        128L << 30,
                        110,
                        1L << 40,
                        31000,
                        120L << 30,
                        110,
                        now
                    ),
                    now
                );
                host.ObserveLoad(12000, 48L << 30, 5);
                db.Hosts.Add(host);
                nodes.Add(host.Name);
            }
            Usage.Add((nodes, []));
        }
        db.ResourcePools.AddRange(pools);
        var share = new ResourceAmounts(4000, 8000, 8L << 30, 16L << 30, 100L << 30, 50, 2);
        var grant = new ResourceAmounts(16000, 32000, 32L << 30, 64L << 30, 400L << 30, 200, 8);
        var podIndex = 0;
        for (var t = 0; t < Tenants; t++)
        {
            var tenant = Tenant.Create($"tenant-{t:000}", $"Tenant {t}", now).Value;
            db.Tenants.Add(tenant);
            TenantRows.Add(tenant);
            var granted = new HashSet<int>();
            for (var e = 0; e < EnvironmentsPerTenant; e++)
            {
                var envIndex = t * EnvironmentsPerTenant + e;
                var c = envIndex % Clusters;
                if (granted.Add(c))
                    db.TenantQuotas.Add(new TenantQuota(tenant.Id, pools[c].Id, grant, "bench", now));
                var environment = TenantEnvironment
                    .Create(tenant, pools[c].Id, e == 0 ? "prod" : "staging", share, now)
                    .Value;
                environment.MarkReady();
                db.Environments.Add(environment);
                EnvironmentRows.Add((tenant.Id, environment.Id));
                var load = new NamespaceLoad(ClusterIds[c], environment.Namespace);
                // One environment in twenty requests 95% of its share: the quota rule fires on those.
                var cpuRequested = envIndex % 20 == 3 ? 3800 : 1250;
                load.Observe(
                    new WorkloadTotals(
                        cpuRequested,
                        cpuRequested * 2,
                        2L << 30,
                        4L << 30,
                        WorkloadsPerEnvironment * PodsPerWorkload
                    ),
                    now
                );
                db.NamespaceLoads.Add(load);
                for (var w = 0; w < WorkloadsPerEnvironment; w++)
                {
                    var app = $"app-{w}";
                    Workloads.Add(new BenchWorkload(tenant.Id, environment.Id, app));
                    for (var p = 0; p < PodsPerWorkload; p++, podIndex++)
                    {
                        var name = $"{app}-7d4b9c{w}f5-{p:x5}";
                        var failing = podIndex % 97 == 5;
                        var pending = podIndex % 211 == 9;
                        var pod = new WorkloadPod(ClusterIds[c], environment.Namespace, name);
                        pod.Observe(
                            new PodStatusReading(
                                environment.Namespace,
                                name,
                                app,
                                1,
                                pending ? "Pending" : "Running",
                                !failing && !pending,
                                failing ? 14 : podIndex % 3,
                                failing ? "CrashLoopBackOff"
                                    : pending ? "Unschedulable"
                                    : null,
                                null,
                                pending ? null : Usage[c].Nodes[podIndex % NodesPerCluster],
                                pending ? null : $"10.{c}.{podIndex / 250}.{podIndex % 250}",
                                "app",
                                now.AddDays(-3)
                            ),
                            now
                        );
                        db.WorkloadPods.Add(pod);
                        if (!pending)
                            Usage[c].Pods.Add((environment.Namespace, name));
                    }
                }
            }
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The subjects the sampler would have created over the past 30 days (same keys, tenant and environment), through
    /// EF so that their ids come from the identity column; then the in-memory description of each one's history.
    /// </summary>
    public async Task SeedSubjectsAsync(
        IServiceProvider services,
        long lastSampledAt,
        CancellationToken ct,
        bool withPods = true,
        bool checkCount = true
    )
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var environments = await db
            .Environments.IgnoreQueryFilters()
            .AsNoTracking()
            .Join(
                db.ResourcePools,
                e => e.PoolId,
                p => p.Id,
                (e, p) =>
                    new
                    {
                        e.Id,
                        e.TenantId,
                        e.Namespace,
                        p.ClusterId,
                    }
            )
            .ToListAsync(ct);
        var byNamespace = environments.ToDictionary(e => e.Namespace);
        var hosts = await db
            .Hosts.AsNoTracking()
            .Select(h => new
            {
                h.ClusterId,
                h.Name,
                h.Ready,
            })
            .ToListAsync(ct);
        var pods = await db
            .WorkloadPods.AsNoTracking()
            .Select(p => new
            {
                p.ClusterId,
                p.Namespace,
                p.Name,
                p.App,
                p.Ready,
                p.Reason,
                p.Phase,
            })
            .ToListAsync(ct);
        var loads = await db
            .NamespaceLoads.AsNoTracking()
            .Select(l => new
            {
                l.ClusterId,
                l.Namespace,
                l.CpuRequestedMillis,
            })
            .ToListAsync(ct);
        var subjects = new List<(MetricSubject Subject, Func<long, Series> Describe)>();
        var random = new Random(7);

        MetricSubject Add(SubjectKind kind, Guid clusterId, string ns, string name, Func<long, Series> describe)
        {
            var environment = ns.Length > 0 ? byNamespace.GetValueOrDefault(ns) : null;
            var subject = new MetricSubject(kind, clusterId, ns, name, environment?.TenantId, environment?.Id);
            subject.Sampled(lastSampledAt);
            subjects.Add((subject, describe));
            return subject;
        }

        foreach (var clusterId in ClusterIds)
        {
            Add(SubjectKind.Cluster, clusterId, "", "", id => new Series(
                id,
                SubjectKind.Cluster,
                2_000_000,
                9e12,
                3_000_000,
                12e12,
                7_750_000,
                30e12,
                NodesPerCluster,
                NodesPerCluster - 2,
                13,
                6,
                null,
                0
            ));
        }

        foreach (var host in hosts)
        {
            var cpu = random.Next(4000, 24000);
            Add(SubjectKind.Node, host.ClusterId, "", host.Name, id => new Series(
                id,
                SubjectKind.Node,
                cpu,
                cpu * 4e6,
                12000,
                48e9,
                31000,
                120L << 30,
                1,
                host.Ready ? 1 : 0,
                0,
                0,
                null,
                random.NextDouble() * Math.Tau
            ));
        }
        foreach (var load in loads)
        {
            var quota = load.CpuRequestedMillis * 100.0 / 4000;
            Add(SubjectKind.Namespace, load.ClusterId, load.Namespace, load.Namespace, id => new Series(
                id,
                SubjectKind.Namespace,
                900,
                1.6e9,
                load.CpuRequestedMillis,
                2L << 30,
                0,
                0,
                0,
                0,
                1,
                1,
                quota,
                random.NextDouble() * Math.Tau
            ));
        }
        foreach (var workload in pods.GroupBy(p => (p.ClusterId, p.Namespace, p.App)))
        {
            var failing = workload.Count(p => p.Reason == "CrashLoopBackOff");
            var pending = workload.Count(p => p.Phase == "Pending");
            var ready = workload.Count(p => p.Ready);
            Add(
                SubjectKind.Workload,
                workload.Key.ClusterId,
                workload.Key.Namespace,
                workload.Key.App,
                id => new Series(
                    id,
                    SubjectKind.Workload,
                    180,
                    320e6,
                    0,
                    0,
                    1000,
                    2e9,
                    workload.Count(),
                    ready,
                    failing,
                    pending,
                    null,
                    random.NextDouble() * Math.Tau
                )
            );
        }
        foreach (var pod in withPods ? pods : [])
        {
            var failing = pod.Reason == "CrashLoopBackOff" ? 1 : 0;
            Add(SubjectKind.Pod, pod.ClusterId, pod.Namespace, pod.Name, id => new Series(
                id,
                SubjectKind.Pod,
                random.Next(5, 80),
                random.Next(40, 120) * 1e6,
                0,
                0,
                0,
                0,
                1,
                pod.Ready ? 1 : 0,
                failing,
                0,
                null,
                random.NextDouble() * Math.Tau
            ));
        }
        db.MetricSubjects.AddRange(subjects.Select(s => s.Subject));
        await db.SaveChangesAsync(ct);
        _series.AddRange(subjects.Select(s => s.Describe(s.Subject.Id)));
        if (checkCount && _series.Count != Subjects)
            throw new InvalidOperationException($"{_series.Count} subjects, expected {Subjects}");
    }

    /// <summary>
    /// Writes one row per subject for each step in [from, to), in time order, one COPY per day; answers the rows
    /// written.
    /// </summary>
    public async Task<long> CopyAsync(
        string connectionString,
        string table,
        long from,
        long to,
        int step,
        Action<string> progress,
        CancellationToken ct
    )
    {
        var rollup = table == "MetricRollups";
        var columns = rollup ? Columns + ", \"SampleCount\"" : Columns;
        // A day of a large world is millions of rows in one COPY: its completion may take longer than a command's
        // default 30 s on a loaded server, and a timed-out COPY loses the day.
        var unbounded = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 };
        await using var connection = new NpgsqlConnection(unbounded.ConnectionString);
        await connection.OpenAsync(ct);
        long rows = 0;
        var watch = Stopwatch.StartNew();
        for (var dayStart = from; dayStart < to; dayStart += 86400)
        {
            await using (
                var writer = await connection.BeginBinaryImportAsync(
                    $"COPY \"{table}\" ({columns}) FROM STDIN (FORMAT BINARY)",
                    ct
                )
            )
            {
                for (var at = dayStart; at < Math.Min(dayStart + 86400, to); at += step)
                {
                    var wave = at * (Math.Tau / 86400);
                    foreach (var s in _series)
                    {
                        WriteRow(writer, s, at, wave);
                        if (rollup)
                            writer.Write(5, NpgsqlDbType.Integer);
                    }
                    rows += _series.Count;
                }
                await writer.CompleteAsync(ct);
            }
            progress(Report.Invariant($"{table}: {rows:N0} rows, {rows / watch.Elapsed.TotalSeconds:N0} rows/s"));
        }
        return rows;
    }

    private static void WriteRow(NpgsqlBinaryImporter w, Series s, long at, double wave)
    {
        var level = 1 + 0.3 * Math.Sin(wave + s.Phase);
        var cpu = s.Cpu * level;
        var memory = s.Memory * (0.9 + 0.1 * level);
        w.StartRow();
        w.Write(s.Id, NpgsqlDbType.Bigint);
        w.Write(at, NpgsqlDbType.Bigint);
        switch (s.Kind)
        {
            case SubjectKind.Cluster:
                Values(
                    w,
                    cpu,
                    memory,
                    s.CpuRequested,
                    s.MemoryRequested,
                    cpu * 100 / s.CpuCapacity,
                    memory * 100 / s.MemoryCapacity
                );
                Counts(w, null, s.Ready, s.Desired, s.Pending, s.Failing, null);
                break;
            case SubjectKind.Node:
                Values(
                    w,
                    cpu,
                    memory,
                    s.CpuRequested,
                    s.MemoryRequested,
                    cpu * 100 / s.CpuCapacity,
                    memory * 100 / s.MemoryCapacity
                );
                Counts(w, null, s.Ready, null, null, null, null);
                break;
            case SubjectKind.Namespace:
                Values(w, cpu, memory, s.CpuRequested, s.MemoryRequested, null, null);
                Counts(w, null, null, null, s.Pending, s.Failing, s.Quota);
                break;
            case SubjectKind.Workload:
                Values(w, cpu, memory, null, null, cpu * 100 / s.CpuCapacity, memory * 100 / s.MemoryCapacity);
                Counts(w, 3 + s.Failing * (int)((at / 300) % 1000), s.Ready, s.Desired, s.Pending, s.Failing, null);
                break;
            default:
                Values(w, cpu, memory, null, null, null, null);
                Counts(w, s.Failing == 1 ? (int)((at / 300) % 1000) : 1, s.Ready, null, null, s.Failing, null);
                break;
        }
    }

    private static void Values(
        NpgsqlBinaryImporter w,
        double cpu,
        double memory,
        double? cpuRequested,
        double? memoryRequested,
        double? cpuPercent,
        double? memoryPercent
    )
    {
        w.Write(Math.Round(cpu, 1), NpgsqlDbType.Double);
        w.Write(Math.Round(memory), NpgsqlDbType.Double);
        Double(w, cpuRequested);
        Double(w, memoryRequested);
        Double(w, cpuPercent is null ? null : Math.Round(cpuPercent.Value, 2));
        Double(w, memoryPercent is null ? null : Math.Round(memoryPercent.Value, 2));
    }

    private static void Counts(
        NpgsqlBinaryImporter w,
        int? restarts,
        int? ready,
        int? desired,
        int? pending,
        int? failing,
        double? quota
    )
    {
        Int(w, restarts);
        Int(w, ready);
        Int(w, desired);
        Int(w, pending);
        Int(w, failing);
        Double(w, quota);
    }

    private static void Double(NpgsqlBinaryImporter w, double? value)
    {
        if (value is null)
            w.WriteNull();
        else
            w.Write(value.Value, NpgsqlDbType.Double);
    }

    private static void Int(NpgsqlBinaryImporter w, int? value)
    {
        if (value is null)
            w.WriteNull();
        else
            w.Write(value.Value, NpgsqlDbType.Integer);
    }
}

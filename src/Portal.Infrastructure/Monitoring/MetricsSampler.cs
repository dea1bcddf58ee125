using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Clusters;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Monitoring.Sources;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring;

/// <summary>
/// Each minute, per healthy cluster: reads usage from the cluster's metrics source and adds to it what the watch keeps
/// (readiness, requests, restarts, replicas, pending and failing pods), then writes one sample per cluster, node,
/// namespace, workload and pod. The current usage also goes onto the hosts, namespace loads and pods the live pages
/// show.
/// </summary>
public sealed class MetricsSampler(
    PortalDbContext db,
    MetricsSources sources,
    IHostChangeNotifier hostNotifier,
    IWorkloadChangeNotifier workloadNotifier,
    IMonitoringNotifier monitoringNotifier,
    IOptions<MonitoringOptions> options,
    TimeProvider clock,
    ILogger<MetricsSampler> logger
)
{
    /// <summary>Rows of usage written per transaction.</summary>
    private const int UsageChunk = 500;

    /// <summary>Samples inserted per <c>SaveChanges</c>: the change tracker never holds more at a time.</summary>
    private const int SampleChunk = 2000;

    /// <summary>What the kubelet says when a pod's containers cannot keep running.</summary>
    private static readonly HashSet<string> FailingReasons =
    [
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    ];

    public Task SampleAsync(CancellationToken ct) => SampleAtAsync(clock.GetUtcNow().UtcDateTime, ct);

    /// <summary>
    /// Samples every healthy cluster at <paramref name="now"/>; answers the sample time (unix seconds).
    /// </summary>
    public async Task<long> SampleAtAsync(DateTime now, CancellationToken ct)
    {
        var step = options.Value.SampleSeconds;
        var at = new DateTimeOffset(now, TimeSpan.Zero).ToUnixTimeSeconds();
        at -= at % step;
        var tenants = new HashSet<Guid>();
        foreach (
            var clusterId in await db
                .Clusters.Where(c => c.Health == ClusterHealth.Healthy)
                .Select(c => c.Id)
                .ToListAsync(ct)
        )
        {
            try
            {
                var source = await sources.ForClusterAsync(clusterId, ct);
                var reading = await source.ReadAsync(clusterId, ct);
                tenants.UnionWith(await SampleClusterAsync(clusterId, reading, at, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Metrics of cluster {Cluster} could not be sampled", clusterId);
            }
            db.ChangeTracker.Clear();
        }
        await monitoringNotifier.SamplesTakenAsync(at, tenants, ct);
        return at;
    }

    private async Task<IReadOnlyCollection<Guid>> SampleClusterAsync(
        Guid clusterId,
        UsageReading reading,
        long at,
        CancellationToken ct
    )
    {
        var nodeUsage = reading.Nodes.ToDictionary(n => n.Node);
        var podUsage = reading.Pods.ToDictionary(p => (p.Namespace, p.Pod));
        // Read without tracking: at 50,000 pods a tracked read is hundreds of megabytes a minute, and its one
        // SaveChanges held every pod's row lock while the cluster's watch waited to write the same rows.
        var hosts = await db.Hosts.AsNoTracking().Where(h => h.ClusterId == clusterId).ToListAsync(ct);
        var loads = await db.NamespaceLoads.AsNoTracking().Where(l => l.ClusterId == clusterId).ToListAsync(ct);
        var pods = await db.WorkloadPods.AsNoTracking().Where(p => p.ClusterId == clusterId).ToListAsync(ct);
        var environments = await (
            from e in db.Environments.IgnoreQueryFilters()
            join p in db.ResourcePools on e.PoolId equals p.Id
            where p.ClusterId == clusterId
            select new EnvironmentShare(
                e.Id,
                e.TenantId,
                e.Namespace,
                e.Share.CpuRequestMillis,
                e.Share.MemoryRequestBytes
            )
        ).ToListAsync(ct);
        var byNamespace = environments.ToDictionary(e => e.Namespace);
        var workloadShapes = await WorkloadShapesAsync(environments.Select(e => e.Id).ToList(), byNamespace, ct);

        var usageChanges = UsageChanges(hosts, loads, pods, nodeUsage, podUsage);
        var points = new List<(SubjectKey Key, EnvironmentShare? Environment, RawSample Sample)>();
        points.Add((new(SubjectKind.Cluster, clusterId, "", ""), null, ClusterPoint(hosts, pods, nodeUsage)));
        foreach (var host in hosts)
            points.Add(
                (
                    new(SubjectKind.Node, clusterId, "", host.Name),
                    null,
                    NodePoint(host, nodeUsage.GetValueOrDefault(host.Name))
                )
            );
        // Every environment's namespace has its series, from its first minute, whether or not anything runs there yet.
        var loadsByNamespace = loads.ToDictionary(l => l.Namespace);
        var podsByNamespace = pods.ToLookup(p => p.Namespace);
        var usageByNamespace = reading.Pods.ToLookup(p => p.Namespace);
        foreach (var ns in loadsByNamespace.Keys.Union(byNamespace.Keys))
        {
            var environment = byNamespace.GetValueOrDefault(ns);
            points.Add(
                (
                    new(SubjectKind.Namespace, clusterId, ns, ns),
                    environment,
                    NamespacePoint(
                        loadsByNamespace.GetValueOrDefault(ns),
                        environment,
                        podsByNamespace[ns],
                        usageByNamespace[ns]
                    )
                )
            );
        }
        foreach (var workload in pods.GroupBy(p => (p.Namespace, p.App)))
        {
            var environment = byNamespace.GetValueOrDefault(workload.Key.Namespace);
            points.Add(
                (
                    new(SubjectKind.Workload, clusterId, workload.Key.Namespace, workload.Key.App),
                    environment,
                    WorkloadPoint(workload.ToList(), workloadShapes.GetValueOrDefault(workload.Key), podUsage)
                )
            );
        }
        var managed = pods.ToDictionary(p => (p.Namespace, p.Name));
        foreach (var usage in reading.Pods)
        {
            points.Add(
                (
                    new(SubjectKind.Pod, clusterId, usage.Namespace, usage.Pod),
                    byNamespace.GetValueOrDefault(usage.Namespace),
                    PodPoint(usage, managed.GetValueOrDefault((usage.Namespace, usage.Pod)))
                )
            );
        }
        foreach (var pod in pods.Where(p => !podUsage.ContainsKey((p.Namespace, p.Name))))
            points.Add(
                (
                    new(SubjectKind.Pod, clusterId, pod.Namespace, pod.Name),
                    byNamespace.GetValueOrDefault(pod.Namespace),
                    PodPoint(null, pod)
                )
            );

        await SaveUsageAsync(usageChanges, ct);
        await WriteSamplesAsync(clusterId, points, at, ct);
        await hostNotifier.HostsChangedAsync(clusterId, hosts.Select(HostRows.From).ToList(), ct);
        var changedWorkloads = usageChanges
            .Select(u => u.Row)
            .OfType<WorkloadPod>()
            .Select(p => new AppWorkload(clusterId, p.Namespace, p.App))
            .ToHashSet();
        if (changedWorkloads.Count > 0)
            await workloadNotifier.UsageChangedAsync(changedWorkloads, ct);
        return environments.Select(e => e.TenantId).ToHashSet();
    }

    /// <summary>
    /// The rows whose shown usage differs from the reading, each with how to set it: hosts, namespace loads and managed
    /// pods.
    /// </summary>
    private static List<UsageChange> UsageChanges(
        List<ClusterHost> hosts,
        List<NamespaceLoad> loads,
        List<WorkloadPod> pods,
        Dictionary<string, NodeUsage> nodeUsage,
        Dictionary<(string, string), PodUsage> podUsage
    )
    {
        var changes = new List<UsageChange>();
        foreach (var host in hosts)
        {
            if (
                nodeUsage.TryGetValue(host.Name, out var used)
                && (host.CpuUsageMillis != used.CpuMillis || host.MemoryUsageBytes != used.MemoryBytes)
            )
                changes.Add(new(host, used.CpuMillis, used.MemoryBytes));
        }
        var perNamespace = podUsage
            .Values.GroupBy(p => p.Namespace)
            .ToDictionary(g => g.Key, g => (Cpu: g.Sum(p => p.CpuMillis), Memory: g.Sum(p => p.MemoryBytes)));
        foreach (var load in loads)
        {
            var used = perNamespace.GetValueOrDefault(load.Namespace);
            if (load.CpuUsageMillis != used.Cpu || load.MemoryUsageBytes != used.Memory)
                changes.Add(new(load, used.Cpu, used.Memory));
        }
        foreach (var pod in pods)
        {
            if (
                podUsage.TryGetValue((pod.Namespace, pod.Name), out var used)
                && (pod.CpuUsageMillis != used.CpuMillis || pod.MemoryUsageBytes != used.MemoryBytes)
            )
                changes.Add(new(pod, used.CpuMillis, used.MemoryBytes));
        }
        return changes;
    }

    /// <summary>
    /// Writes the usage columns only, a chunk at a time, each chunk its own short transaction: the watch writes the
    /// same rows (a pod's restarts, a host's load) and must never wait for a whole cluster's usage. A row the watch
    /// removed meanwhile is left out.
    /// </summary>
    private async Task SaveUsageAsync(List<UsageChange> changes, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
        {
            foreach (var rows in changes.GroupBy(c => c.Row.GetType()))
                await PostgresSampleWrites.SetUsageAsync(
                    db,
                    db.Model.FindEntityType(rows.Key)!.GetTableName()!,
                    rows.Select(c => (c.Id, c.CpuMillis, c.MemoryBytes)).ToList(),
                    ct
                );
            foreach (var change in changes)
                change.Apply();
            return;
        }
        foreach (var chunk in changes.Chunk(UsageChunk))
        {
            foreach (var change in chunk)
            {
                db.Attach(change.Row);
                change.Apply();
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await db.SaveChangesAsync(ct);
                    break;
                }
                catch (DbUpdateConcurrencyException gone) when (attempt < 3)
                {
                    foreach (var entry in gone.Entries)
                        entry.State = EntityState.Detached;
                }
            }
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>The usage a host, namespace load or managed pod is to show.</summary>
    private sealed record UsageChange(object Row, long CpuMillis, long MemoryBytes)
    {
        public Guid Id =>
            Row switch
            {
                ClusterHost host => host.Id,
                NamespaceLoad load => load.Id,
                WorkloadPod pod => pod.Id,
                _ => throw new InvalidOperationException($"{Row.GetType().Name} shows no usage"),
            };

        public void Apply()
        {
            switch (Row)
            {
                case ClusterHost host:
                    host.ObserveUsage(CpuMillis, MemoryBytes);
                    break;
                case NamespaceLoad load:
                    load.ObserveUsage(CpuMillis, MemoryBytes);
                    break;
                case WorkloadPod pod:
                    pod.ObserveUsage(CpuMillis, MemoryBytes);
                    break;
            }
        }
    }

    /// <summary>
    /// Adds the subjects seen for the first time, then the samples; a second run in the same minute replaces the first.
    /// The time of the newest sample goes onto every subject of the cluster in one statement, not one update per
    /// subject.
    /// </summary>
    private async Task WriteSamplesAsync(
        Guid clusterId,
        List<(SubjectKey Key, EnvironmentShare? Environment, RawSample Sample)> points,
        long at,
        CancellationToken ct
    )
    {
        var subjects = (
            await db.MetricSubjects.AsNoTracking().Where(s => s.ClusterId == clusterId).ToListAsync(ct)
        ).ToDictionary(s => s.Key);
        var changedHands = new List<long>();
        foreach (var (key, environment, _) in points)
        {
            if (!subjects.TryGetValue(key, out var subject))
            {
                subject = new MetricSubject(
                    key.Kind,
                    clusterId,
                    key.Namespace,
                    key.Name,
                    environment?.TenantId,
                    environment?.Id
                );
                subject.Sampled(at);
                subjects[key] = subject;
                db.MetricSubjects.Add(subject);
            }
            else if (environment is not null && subject.EnvironmentId is { } before && before != environment.Id)
            {
                // A namespace name freed by one environment and taken by another, perhaps another tenant's (a slug
                // reused, or "a-b" + "c" after "a" + "b-c"): the new owner starts afresh and sees nothing of the old
                // one's history.
                changedHands.Add(subject.Id);
            }
            // Once an environment's, a series stays that environment's when the environment goes, so that it cannot
            // pass on.
            if (
                environment is not null
                && (subject.TenantId != environment.TenantId || subject.EnvironmentId != environment.Id)
            )
            {
                if (db.Entry(subject).State == EntityState.Detached)
                    db.Attach(subject);
                subject.BelongsTo(environment.TenantId, environment.Id);
            }
        }
        if (changedHands.Count > 0)
        {
            await db.MetricSamples.Where(s => changedHands.Contains(s.SubjectId)).ExecuteDeleteAsync(ct);
            await db.MetricRollups.Where(s => changedHands.Contains(s.SubjectId)).ExecuteDeleteAsync(ct);
        }
        await db.SaveChangesAsync(ct);
        await db
            .MetricSamples.Where(s =>
                s.At == at && db.MetricSubjects.Any(m => m.Id == s.SubjectId && m.ClusterId == clusterId)
            )
            .ExecuteDeleteAsync(ct);
        foreach (var (key, _, sample) in points)
        {
            sample.SubjectId = subjects[key].Id;
            sample.At = at;
        }
        db.ChangeTracker.Clear();
        var samples = points.Select(p => p.Sample).DistinctBy(s => s.SubjectId).ToList();
        if (db.Database.IsNpgsql())
            await PostgresSampleWrites.InsertSamplesAsync(db, samples, ct);
        else
            foreach (var chunk in samples.Chunk(SampleChunk))
            {
                db.MetricSamples.AddRange(chunk);
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        await db
            .MetricSubjects.Where(s =>
                s.ClusterId == clusterId
                && s.LastSampledAt < at
                && db.MetricSamples.Any(m => m.SubjectId == s.Id && m.At == at)
            )
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSampledAt, at), ct);
    }

    private static RawSample ClusterPoint(
        List<ClusterHost> hosts,
        List<WorkloadPod> pods,
        Dictionary<string, NodeUsage> usage
    )
    {
        double cpu = usage.Values.Sum(u => u.CpuMillis),
            memory = usage.Values.Sum(u => u.MemoryBytes);
        return new RawSample
        {
            Cpu = cpu,
            Memory = memory,
            CpuRequested = hosts.Sum(h => h.CpuRequestedMillis),
            MemoryRequested = hosts.Sum(h => h.MemoryRequestedBytes),
            CpuPercent = Percent(cpu, hosts.Sum(h => h.CpuAllocatableMillis)),
            MemoryPercent = Percent(memory, hosts.Sum(h => h.MemoryAllocatableBytes)),
            Ready = hosts.Count(h => h.Ready),
            Desired = hosts.Count,
            Pending = pods.Count(IsPending),
            Failing = pods.Count(IsFailing),
        };
    }

    private static RawSample NodePoint(ClusterHost host, NodeUsage? usage) =>
        new()
        {
            Cpu = usage?.CpuMillis,
            Memory = usage?.MemoryBytes,
            CpuRequested = host.CpuRequestedMillis,
            MemoryRequested = host.MemoryRequestedBytes,
            CpuPercent = usage is null ? null : Percent(usage.CpuMillis, host.CpuAllocatableMillis),
            MemoryPercent = usage is null ? null : Percent(usage.MemoryBytes, host.MemoryAllocatableBytes),
            Ready = host.Ready ? 1 : 0,
        };

    /// <summary>
    /// A namespace without a load row has nothing running that a ResourceQuota counts: it requests nothing.
    /// </summary>
    private static RawSample NamespacePoint(
        NamespaceLoad? load,
        EnvironmentShare? environment,
        IEnumerable<WorkloadPod> pods,
        IEnumerable<PodUsage> usage
    )
    {
        var managed = pods.ToList();
        var used = usage.ToList();
        long cpuRequested = load?.CpuRequestedMillis ?? 0,
            memoryRequested = load?.MemoryRequestedBytes ?? 0;
        return new RawSample
        {
            Cpu = used.Sum(u => u.CpuMillis),
            Memory = used.Sum(u => u.MemoryBytes),
            CpuRequested = cpuRequested,
            MemoryRequested = memoryRequested,
            Pending = managed.Count(IsPending),
            Failing = managed.Count(IsFailing),
            QuotaPercent = environment is null
                ? null
                : Math.Max(
                    Percent(cpuRequested, environment.CpuMillis) ?? 0,
                    Percent(memoryRequested, environment.MemoryBytes) ?? 0
                ),
        };
    }

    private static RawSample WorkloadPoint(
        List<WorkloadPod> pods,
        WorkloadShape? shape,
        Dictionary<(string, string), PodUsage> usage
    )
    {
        var used = pods.Select(p => usage.GetValueOrDefault((p.Namespace, p.Name))).OfType<PodUsage>().ToList();
        double? cpu = used.Count == 0 ? null : used.Sum(u => u.CpuMillis);
        double? memory = used.Count == 0 ? null : used.Sum(u => u.MemoryBytes);
        return new RawSample
        {
            Cpu = cpu,
            Memory = memory,
            CpuPercent = cpu is null || shape is null ? null : Percent(cpu.Value, shape.CpuLimitMillis * used.Count),
            MemoryPercent =
                memory is null || shape is null ? null : Percent(memory.Value, shape.MemoryLimitBytes * used.Count),
            Restarts = pods.Sum(p => p.Restarts),
            Ready = pods.Count(p => p.Ready),
            Desired = shape?.Replicas ?? pods.Count,
            Pending = pods.Count(IsPending),
            Failing = pods.Count(IsFailing),
        };
    }

    private static RawSample PodPoint(PodUsage? usage, WorkloadPod? pod) =>
        new()
        {
            Cpu = usage?.CpuMillis,
            Memory = usage?.MemoryBytes,
            Restarts = pod?.Restarts,
            Ready =
                pod is null ? null
                : pod.Ready ? 1
                : 0,
            Failing =
                pod is null ? null
                : IsFailing(pod) ? 1
                : 0,
        };

    private static bool IsPending(WorkloadPod pod) => pod.Phase == "Pending" && !IsFailing(pod);

    private static bool IsFailing(WorkloadPod pod) => pod.Reason is not null && FailingReasons.Contains(pod.Reason);

    private static double? Percent(double value, double of) => of <= 0 ? null : Math.Round(value * 100 / of, 2);

    /// <summary>
    /// What the portal asked for a workload: its replicas, and the limits (else requests) of one replica.
    /// </summary>
    private async Task<Dictionary<(string Namespace, string App), WorkloadShape>> WorkloadShapesAsync(
        List<Guid> environmentIds,
        Dictionary<string, EnvironmentShare> byNamespace,
        CancellationToken ct
    )
    {
        var namespaces = byNamespace.Values.ToDictionary(e => e.Id, e => e.Namespace);
        var apps = await (
            from d in db.AppDeployments.IgnoreQueryFilters()
            join a in db.Applications.IgnoreQueryFilters() on d.ApplicationId equals a.Id
            where environmentIds.Contains(d.EnvironmentId)
            select new
            {
                d.EnvironmentId,
                a.Name,
                d.Replicas,
                d.PerReplica,
            }
        ).ToListAsync(ct);
        var instances = await db
            .MiddlewareInstances.IgnoreQueryFilters()
            .Where(i => environmentIds.Contains(i.EnvironmentId))
            .Select(i => new
            {
                i.EnvironmentId,
                i.Name,
                i.Replicas,
                i.PerReplica,
            })
            .ToListAsync(ct);
        var shapes = new Dictionary<(string, string), WorkloadShape>();
        foreach (
            var w in apps.Select(a => (a.EnvironmentId, a.Name, a.Replicas, a.PerReplica))
                .Concat(instances.Select(i => (i.EnvironmentId, i.Name, i.Replicas, i.PerReplica)))
        )
        {
            var resources = w.PerReplica;
            shapes[(namespaces[w.EnvironmentId], w.Name)] = new WorkloadShape(
                w.Replicas,
                resources.CpuLimitMillis > 0 ? resources.CpuLimitMillis : resources.CpuRequestMillis,
                resources.MemoryLimitBytes > 0 ? resources.MemoryLimitBytes : resources.MemoryRequestBytes
            );
        }
        return shapes;
    }

    private sealed record EnvironmentShare(Guid Id, Guid TenantId, string Namespace, long CpuMillis, long MemoryBytes);

    private sealed record WorkloadShape(int Replicas, long CpuLimitMillis, long MemoryLimitBytes);
}

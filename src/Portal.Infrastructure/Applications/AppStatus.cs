using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Domain.Applications;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Applications;

/// <summary>A pod of an application, as the cluster's watch last saw it and metrics last sampled it.</summary>
public sealed record PodView(
    string Name,
    string Phase,
    bool Ready,
    int Restarts,
    string? Reason,
    string? Node,
    string? PodIp,
    DateTime CreatedAt,
    int? Revision,
    IReadOnlyList<string> Containers,
    long? CpuUsageMillis,
    long? MemoryUsageBytes
);

/// <summary>
/// An application in one environment, live: the revision and replicas the portal asked for and how the last change
/// went, next to the pods that run and what they use. <see cref="Reason"/> is the deployment's failure, or else what
/// keeps a pod from running ("CrashLoopBackOff: Last exit: Error (exit code 1)").
/// </summary>
public sealed record EnvironmentStatus(
    string Environment,
    string Namespace,
    int Revision,
    int DesiredReplicas,
    int ReadyReplicas,
    AppDeploymentState State,
    string? Reason,
    IReadOnlyList<PodView> Pods,
    long? CpuUsageMillis,
    long? MemoryUsageBytes
);

/// <summary>A Kubernetes event about an application's objects: "Warning BackOff Pod/web-7d9-x2k4q ×12".</summary>
public sealed record ClusterEventView(
    string Type,
    string Reason,
    string Message,
    string Object,
    int Count,
    DateTime? LastSeen
);

/// <summary>
/// Reads how the tenant's applications run: per environment from the portal's own rows (deployments, and the managed
/// pods the cluster watch keeps), so that a page costs two queries and no call to a cluster; events are the exception,
/// read from the cluster because the watch does not keep them.
/// </summary>
public sealed class AppStatusReader(PortalDbContext db, IClusterGateway gateway, ILogger<AppStatusReader> logger)
{
    public const int MaxEvents = 200;

    private sealed record DeploymentRow(
        Guid ApplicationId,
        string App,
        string Environment,
        string Namespace,
        Guid ClusterId,
        int Revision,
        int Replicas,
        AppDeploymentState State,
        string? Reason
    );

    /// <summary>The id of the tenant's application of that name; null when the tenant in scope has none.</summary>
    public Task<Guid?> FindAsync(string? app, CancellationToken ct) =>
        db.Applications.AsNoTracking().Where(a => a.Name == app).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct);

    /// <summary>Per environment the application is deployed to, in the order of the environments' names.</summary>
    public async Task<IReadOnlyList<EnvironmentStatus>> ForApplicationAsync(Guid applicationId, CancellationToken ct)
    {
        var deployments = await Deployments(applicationId).ToListAsync(ct);
        if (deployments.Count == 0)
            return [];
        var app = deployments[0].App;
        var clusters = deployments.Select(d => d.ClusterId).Distinct().ToList();
        var namespaces = deployments.Select(d => d.Namespace).Distinct().ToList();
        var pods = await db
            .WorkloadPods.AsNoTracking()
            .Where(p => clusters.Contains(p.ClusterId) && namespaces.Contains(p.Namespace) && p.App == app)
            .ToListAsync(ct);
        var byPlace = pods.ToLookup(p => (p.ClusterId, p.Namespace));
        return deployments
            .OrderBy(d => d.Environment, StringComparer.Ordinal)
            .Select(d => Status(d, byPlace[(d.ClusterId, d.Namespace)]))
            .ToList();
    }

    /// <summary>Where the application's pods run: what a browser following it listens to.</summary>
    public async Task<IReadOnlyList<AppWorkload>> WorkloadsAsync(Guid applicationId, CancellationToken ct) =>
        (await Deployments(applicationId).ToListAsync(ct))
            .Select(d => new AppWorkload(d.ClusterId, d.Namespace, d.App))
            .Distinct()
            .ToList();

    /// <summary>
    /// The status behind each workload the watch saw change, whichever tenant it belongs to: the live push has no
    /// tenant in scope, and finds it from the namespace. Two queries for the whole batch, however many workloads it
    /// holds; a workload no application of that name is deployed to has no entry.
    /// </summary>
    public async Task<IReadOnlyDictionary<AppWorkload, EnvironmentStatus>> ForWorkloadsAsync(
        IReadOnlyCollection<AppWorkload> workloads,
        CancellationToken ct
    )
    {
        if (workloads.Count == 0)
            return new Dictionary<AppWorkload, EnvironmentStatus>();
        // One IN list per column, then the exact (cluster, namespace, app) triples kept in memory: what the lists let
        // through beyond them is bounded by the batch and cheaper than one query per workload.
        var clusters = workloads.Select(w => w.ClusterId).Distinct().ToList();
        var namespaces = workloads.Select(w => w.Namespace).Distinct().ToList();
        var apps = workloads.Select(w => w.App).Distinct().ToList();
        var wanted = workloads.ToHashSet();
        var deployments = (
            await (
                from e in db.Environments.IgnoreQueryFilters()
                join p in db.ResourcePools on e.PoolId equals p.Id
                where namespaces.Contains(e.Namespace) && clusters.Contains(p.ClusterId)
                join a in db.Applications.IgnoreQueryFilters() on e.TenantId equals a.TenantId
                where apps.Contains(a.Name)
                join d in db.AppDeployments.IgnoreQueryFilters()
                    on new { A = a.Id, E = e.Id } equals new { A = d.ApplicationId, E = d.EnvironmentId }
                select new DeploymentRow(
                    a.Id,
                    a.Name,
                    e.Name,
                    e.Namespace,
                    p.ClusterId,
                    d.Revision,
                    d.Replicas,
                    d.State,
                    d.Reason
                )
            )
                .AsNoTracking()
                .ToListAsync(ct)
        ).Where(d => wanted.Contains(new AppWorkload(d.ClusterId, d.Namespace, d.App))).ToList();
        if (deployments.Count == 0)
            return new Dictionary<AppWorkload, EnvironmentStatus>();
        var pods = (
            await db
                .WorkloadPods.AsNoTracking()
                .Where(p => clusters.Contains(p.ClusterId) && namespaces.Contains(p.Namespace) && apps.Contains(p.App))
                .ToListAsync(ct)
        ).ToLookup(p => new AppWorkload(p.ClusterId, p.Namespace, p.App));
        var statuses = new Dictionary<AppWorkload, EnvironmentStatus>();
        foreach (var deployment in deployments)
        {
            var workload = new AppWorkload(deployment.ClusterId, deployment.Namespace, deployment.App);
            statuses.TryAdd(workload, Status(deployment, pods[workload]));
        }
        return statuses;
    }

    /// <summary>
    /// The newest events of the application's objects in an environment (the Deployment, its ReplicaSets and pods, the
    /// Service, Ingress and autoscaler: everything named after it), read from the cluster. Objects of another
    /// application whose name starts with this one's and a dash are left out. Empty when the cluster cannot be reached.
    /// </summary>
    public async Task<IReadOnlyList<ClusterEventView>> RecentEventsAsync(
        Guid applicationId,
        string environment,
        int take,
        CancellationToken ct
    )
    {
        var deployment = await Deployments(applicationId, environment).FirstOrDefaultAsync(ct);
        if (deployment is null)
            return [];
        var prefix = deployment.App + "-";
        var others = await db
            .Applications.AsNoTracking()
            .Where(a => a.Name.StartsWith(prefix))
            .Select(a => a.Name)
            .ToListAsync(ct);
        var events = await gateway.ListEventsAsync(deployment.ClusterId, deployment.Namespace, ct);
        if (!events.Succeeded)
        {
            logger.LogWarning(
                "Events of {Namespace} could not be read: {Problem}",
                deployment.Namespace,
                events.Problem!.Message
            );
            return [];
        }
        return events
            .Value.Where(e =>
                e.ObjectName == deployment.App
                || (
                    e.ObjectName.StartsWith(prefix, StringComparison.Ordinal)
                    && !others.Any(o => e.ObjectName == o || e.ObjectName.StartsWith(o + "-", StringComparison.Ordinal))
                )
            )
            .Take(Math.Clamp(take, 1, MaxEvents))
            .Select(e => new ClusterEventView(
                e.Type,
                e.Reason,
                e.Message,
                $"{e.ObjectKind}/{e.ObjectName}",
                e.Count,
                e.LastSeen
            ))
            .ToList();
    }

    private IQueryable<DeploymentRow> Deployments(Guid applicationId, string? environment = null) =>
        from d in db.AppDeployments.AsNoTracking()
        where d.ApplicationId == applicationId
        join a in db.Applications on d.ApplicationId equals a.Id
        join e in db.Environments on d.EnvironmentId equals e.Id
        where environment == null || e.Name == environment
        join p in db.ResourcePools on e.PoolId equals p.Id
        select new DeploymentRow(
            a.Id,
            a.Name,
            e.Name,
            e.Namespace,
            p.ClusterId,
            d.Revision,
            d.Replicas,
            d.State,
            d.Reason
        );

    private static EnvironmentStatus Status(DeploymentRow deployment, IEnumerable<WorkloadPod> rows)
    {
        var pods = rows.OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new PodView(
                p.Name,
                p.Phase,
                p.Ready,
                p.Restarts,
                p.Reason,
                p.Node,
                p.PodIp,
                p.CreatedAt,
                p.Revision,
                p.Containers.Split(',', StringSplitOptions.RemoveEmptyEntries),
                p.CpuUsageMillis,
                p.MemoryUsageBytes
            ))
            .ToList();
        var troubled = rows.Where(p => p.Reason is not null)
            .OrderBy(p => p.Ready)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        var reason = deployment.Reason
            ?? (
                troubled is null ? null
                : troubled.Message is { Length: > 0 } message ? $"{troubled.Reason}: {message}"
                : troubled.Reason
            );
        var measured = pods.Where(p => p.CpuUsageMillis is not null).ToList();
        return new EnvironmentStatus(
            deployment.Environment,
            deployment.Namespace,
            deployment.Revision,
            deployment.Replicas,
            pods.Count(p => p.Ready),
            deployment.State,
            reason,
            pods,
            measured.Count == 0 ? null : measured.Sum(p => p.CpuUsageMillis!.Value),
            measured.Count == 0 ? null : measured.Sum(p => p.MemoryUsageBytes ?? 0)
        );
    }
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Clusters;
using Portal.Domain.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;

namespace Portal.Infrastructure.Monitoring.Dashboards;

public sealed record ClusterTile(
    string Name,
    string DisplayName,
    ClusterHealth Health,
    string? KubernetesVersion,
    DateTime? LastContactAt,
    string? LastError
);

public sealed record PoolLoad(
    string Name,
    string DisplayName,
    string Cluster,
    int Nodes,
    long CpuCapacityMillis,
    long CpuRequestedMillis,
    long? CpuUsedMillis,
    long MemoryCapacityBytes,
    long MemoryRequestedBytes,
    long? MemoryUsedBytes
);

/// <summary>Per cluster, how many of its hosts are in trouble: not ready, reporting a pressure, or both.</summary>
public sealed record TroubledHostCount(string Cluster, int Hosts, int NotReady, int UnderPressure);

public sealed record TroubledHost(
    string Cluster,
    string Name,
    bool Ready,
    string Pressures,
    bool Unschedulable,
    DateTime ObservedAt
);

public sealed record TroubledHosts(
    int Total,
    IReadOnlyList<TroubledHostCount> ByCluster,
    IReadOnlyList<TroubledHost> Newest
);

public sealed record ReasonCount(string Reason, int Count);

/// <summary>
/// A managed pod that is not running, with where it belongs: tenant and environment are null for a namespace no
/// environment owns.
/// </summary>
public sealed record PodNotRunning(
    string Cluster,
    string Namespace,
    string Name,
    string App,
    string Reason,
    string? Tenant,
    string? Environment,
    DateTime ObservedAt
);

public sealed record PodsNotRunning(
    int Total,
    IReadOnlyList<ReasonCount> ByReason,
    IReadOnlyList<PodNotRunning> Newest
);

public sealed record FailedOperationRow(
    Guid Id,
    string Tenant,
    string Kind,
    string TargetType,
    string TargetId,
    string? Error,
    DateTime FailedAt
);

public sealed record FailedOperations(int Total, IReadOnlyList<FailedOperationRow> Newest);

/// <summary>What the platform ops dashboard shows, each tile the head of a list a page shows in full.</summary>
public sealed record PlatformDashboardView(
    DateTime At,
    IReadOnlyList<ClusterTile> Clusters,
    IReadOnlyList<PoolLoad> Pools,
    TroubledHosts Hosts,
    PodsNotRunning Pods,
    FailedOperations FailedOperations,
    FiringAlerts Alerts
);

/// <summary>
/// The platform ops dashboard's tiles, read across all tenants: a fixed number of queries (twelve), each a projection,
/// whatever the number of clusters, hosts, pods or tenants. Pool figures are <see cref="PoolCatalog"/>'s, as the pools
/// page shows them.
/// </summary>
public sealed class PlatformDashboard(PortalDbContext db, PoolCatalog pools, TimeProvider clock)
{
    public const int NewestShown = 5;
    public static readonly TimeSpan FailedOperationsWithin = TimeSpan.FromHours(24);

    public async Task<PlatformDashboardView> ReadAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var clusters = await db
            .Clusters.AsNoTracking()
            .OrderBy(c => c.Name)
            .Select(c => new ClusterTile(
                c.Name,
                c.DisplayName,
                c.Health,
                c.KubernetesVersion,
                c.LastContactAt,
                c.LastError
            ))
            .ToListAsync(ct);
        var poolLoads = (await pools.ListAsync(ct))
            .Select(p => new PoolLoad(
                p.Name,
                p.DisplayName,
                p.Cluster,
                p.Nodes,
                p.Capacity.CpuRequestMillis,
                p.CpuRequestedMillis,
                p.CpuUsedMillis,
                p.Capacity.MemoryRequestBytes,
                p.MemoryRequestedBytes,
                p.MemoryUsedBytes
            ))
            .ToList();
        return new PlatformDashboardView(
            now,
            clusters,
            poolLoads,
            await HostsAsync(ct),
            await PodsAsync(ct),
            await FailedOperationsAsync(now, ct),
            await FiringAlerts.ReadAsync(db.Alerts, now, ct)
        );
    }

    private async Task<TroubledHosts> HostsAsync(CancellationToken ct)
    {
        var troubled = db.Hosts.AsNoTracking().Where(h => !h.Ready || h.Pressures != "");
        var byCluster = await (
            from h in troubled
            join c in db.Clusters on h.ClusterId equals c.Id
            group h by c.Name into g
            select new TroubledHostCount(g.Key, g.Count(), g.Count(h => !h.Ready), g.Count(h => h.Pressures != ""))
        ).ToListAsync(ct);
        var newest = await (
            from h in troubled
            join c in db.Clusters on h.ClusterId equals c.Id
            orderby h.Ready, h.ObservedAt descending
            select new TroubledHost(c.Name, h.Name, h.Ready, h.Pressures, h.Unschedulable, h.ObservedAt)
        )
            .Take(NewestShown)
            .ToListAsync(ct);
        return new TroubledHosts(
            byCluster.Sum(c => c.Hosts),
            byCluster.OrderBy(c => c.Cluster, StringComparer.Ordinal).ToList(),
            newest
        );
    }

    private async Task<PodsNotRunning> PodsAsync(CancellationToken ct)
    {
        // A pod in trouble has a reason (CrashLoopBackOff, ImagePullBackOff, Unschedulable…) or is pending or failed.
        // The phases are written out, not a list, so that the SQL holds them as constants a partial index can match.
        var notRunning = db
            .WorkloadPods.AsNoTracking()
            .Where(p => p.Reason != null || (p.Phase != "Running" && p.Phase != "Succeeded"));
        var byReason = await notRunning
            .GroupBy(p => p.Reason ?? p.Phase)
            .Select(g => new ReasonCount(g.Key, g.Count()))
            .ToListAsync(ct);
        var newest = await (
            from p in notRunning
            join c in db.Clusters on p.ClusterId equals c.Id
            join e in db.Environments.IgnoreQueryFilters() on p.Namespace equals e.Namespace into environments
            from e in environments.DefaultIfEmpty()
            join t in db.Tenants on e.TenantId equals t.Id into tenants
            from t in tenants.DefaultIfEmpty()
            orderby p.ObservedAt descending
            select new PodNotRunning(
                c.Name,
                p.Namespace,
                p.Name,
                p.App,
                p.Reason ?? p.Phase,
                t == null ? null : t.Slug,
                e == null ? null : e.Name,
                p.ObservedAt
            )
        )
            .Take(NewestShown)
            .ToListAsync(ct);
        return new PodsNotRunning(
            byReason.Sum(r => r.Count),
            byReason.OrderByDescending(r => r.Count).ThenBy(r => r.Reason, StringComparer.Ordinal).ToList(),
            newest
        );
    }

    private async Task<FailedOperations> FailedOperationsAsync(DateTime now, CancellationToken ct)
    {
        var since = now - FailedOperationsWithin;
        // A failed operation does not move again until retried, so its last activity is when it failed: the (State,
        // LastActivityAt) index.
        var failed = db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o => o.State == OperationState.Failed && o.LastActivityAt >= since);
        var total = await failed.CountAsync(ct);
        var newest = await (
            from o in failed
            join t in db.Tenants on o.TenantId equals t.Id
            orderby o.LastActivityAt descending
            select new FailedOperationRow(o.Id, t.Slug, o.Kind, o.TargetType, o.TargetId, o.Error, o.LastActivityAt)
        )
            .Take(NewestShown)
            .ToListAsync(ct);
        return new FailedOperations(total, newest);
    }
}

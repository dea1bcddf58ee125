using Microsoft.EntityFrameworkCore;
using Portal.Domain.Clusters;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// An environment of the tenant in scope with its share and what its workloads hold now: requests and limits of
/// its pods (from the cluster watch) and their usage (from metrics; null until sampled).
/// </summary>
public sealed record EnvironmentUsage(
    Guid Id,
    string Name,
    Guid PoolId,
    string Pool,
    string Region,
    string Namespace,
    EnvironmentState State,
    ResourceAmounts Share,
    WorkloadTotals Workloads,
    long? CpuUsedMillis,
    long? MemoryUsedBytes,
    DateTime CreatedAt
);

public static class EnvironmentUsageQuery
{
    /// <summary>
    /// The tenant's environments (those named, or all) joined to the workload load of their namespaces, by name, in one
    /// query.
    /// </summary>
    public static IQueryable<EnvironmentUsage> EnvironmentUsage(this PortalDbContext db, string? name = null) =>
        from e in db.Environments.AsNoTracking()
        where name == null || e.Name == name
        join p in db.ResourcePools on e.PoolId equals p.Id
        join l in db.NamespaceLoads
            on new { p.ClusterId, e.Namespace } equals new { l.ClusterId, l.Namespace }
            into loads
        from l in loads.DefaultIfEmpty()
        orderby e.Name
        select new EnvironmentUsage(
            e.Id,
            e.Name,
            p.Id,
            p.Name,
            p.Region,
            e.Namespace,
            e.State,
            e.Share,
            l == null
                ? new WorkloadTotals(0, 0, 0, 0, 0)
                : new WorkloadTotals(
                    l.CpuRequestedMillis,
                    l.CpuLimitMillis,
                    l.MemoryRequestedBytes,
                    l.MemoryLimitBytes,
                    l.Pods
                ),
            l == null ? null : l.CpuUsageMillis,
            l == null ? null : l.MemoryUsageBytes,
            e.CreatedAt
        );
}

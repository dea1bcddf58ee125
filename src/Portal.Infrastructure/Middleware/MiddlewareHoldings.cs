using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// What middleware instances hold of their environments' shares: CPU and memory requests and limits, storage and pods,
/// each per replica times the replicas. Application admission adds these to what applications hold, so that an
/// environment's share is not promised twice; instance admission does the same the other way round.
/// </summary>
public sealed class MiddlewareHoldings(PortalDbContext db)
{
    public static ResourceAmounts Holds(ContainerResources perReplica, long storageBytesPerReplica, int replicas) =>
        new(
            perReplica.CpuRequestMillis * replicas,
            perReplica.CpuLimitMillis * replicas,
            perReplica.MemoryRequestBytes * replicas,
            perReplica.MemoryLimitBytes * replicas,
            storageBytesPerReplica * replicas,
            replicas,
            1
        );

    /// <summary>
    /// What the instances of one environment hold (the one being changed left out), whichever tenant is in scope.
    /// </summary>
    public async Task<ResourceAmounts> InEnvironmentAsync(Guid environmentId, Guid? except, CancellationToken ct)
    {
        var rows = await db
            .MiddlewareInstances.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(i => i.EnvironmentId == environmentId && i.Id != except)
            .Select(i => new
            {
                i.PerReplica,
                i.StorageBytesPerReplica,
                i.Replicas,
            })
            .ToListAsync(ct);
        return ResourceAmounts.Sum(rows.Select(r => Holds(r.PerReplica, r.StorageBytesPerReplica, r.Replicas)));
    }

    /// <summary>Per environment, what its instances hold; environments without any are left out.</summary>
    public async Task<IReadOnlyDictionary<Guid, ResourceAmounts>> PerEnvironmentAsync(
        IReadOnlyCollection<Guid> environmentIds,
        CancellationToken ct
    )
    {
        var rows = await db
            .MiddlewareInstances.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(i => environmentIds.Contains(i.EnvironmentId))
            .Select(i => new
            {
                i.EnvironmentId,
                i.PerReplica,
                i.StorageBytesPerReplica,
                i.Replicas,
            })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.EnvironmentId)
            .ToDictionary(
                g => g.Key,
                g => ResourceAmounts.Sum(g.Select(r => Holds(r.PerReplica, r.StorageBytesPerReplica, r.Replicas)))
            );
    }

    /// <summary>
    /// How many instances the tenant has in environments of the pool, the one being changed left out.
    /// </summary>
    public Task<int> CountInPoolAsync(Guid tenantId, Guid poolId, Guid? except, CancellationToken ct) =>
        (
            from i in db.MiddlewareInstances.IgnoreQueryFilters()
            where i.TenantId == tenantId && i.Id != except
            join e in db.Environments.IgnoreQueryFilters() on i.EnvironmentId equals e.Id
            where e.PoolId == poolId
            select i.Id
        ).CountAsync(ct);
}

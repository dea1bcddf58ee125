using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clusters;
using Portal.Domain.Common;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Quotas;

/// <summary>
/// A pool with its live figures: what its nodes offer, what is promised to tenants, requested and used. Its nodes are
/// those <see cref="ResourcePool.Holds"/> says: a node a dedicated pool selects counts in that pool alone, and a node
/// no pool's pods tolerate counts in none. <paramref name="SharesNodesWith"/> names the pools whose nodes are also this
/// pool's (two pools without dedication may select the same node): grants in them draw on the same capacity.
/// <paramref name="NodesOutOfStep"/> counts the nodes whose taint does not say yet what the pool wants: for a dedicated
/// pool its nodes without its taint (other pools' pods can still land there), for another pool the nodes that still
/// carry it.
/// </summary>
public sealed record PoolSummary(
    Guid Id,
    string Name,
    string DisplayName,
    string Cluster,
    string Region,
    string NodeSelector,
    decimal CpuOvercommit,
    decimal MemoryOvercommit,
    int Nodes,
    ResourceAmounts Capacity,
    ResourceAmounts Grantable,
    ResourceAmounts Granted,
    long CpuRequestedMillis,
    long MemoryRequestedBytes,
    long? CpuUsedMillis,
    long? MemoryUsedBytes,
    int Tenants,
    bool Dedicated = false,
    string Taint = "",
    int NodesOutOfStep = 0,
    IReadOnlyList<string>? SharesNodesWith = null,
    IReadOnlyList<string>? IngressDomains = null,
    bool WildcardHosts = false
);

public sealed record QuotaGrantView(
    string Tenant,
    string TenantName,
    ResourceAmounts Granted,
    DateTime ChangedAt,
    string ChangedBy
);

/// <summary>
/// A tenant's quota in one pool, as the tenant's quota page shows it: granted, allocated to environments as their
/// shares, requested (and limited) by the pods running in them, and used now (null until sampled: not measured is not
/// zero); with the same figures per environment.
/// </summary>
public sealed record TenantQuotaView(
    string Pool,
    string PoolName,
    string Region,
    ResourceAmounts Granted,
    ResourceAmounts Allocated,
    WorkloadTotals Requested,
    long? CpuUsedMillis,
    long? MemoryUsedBytes,
    IReadOnlyList<EnvironmentUsage> Environments,
    DateTime ChangedAt
);

/// <summary>A new resource pool in a registered cluster, as a platform admin asks for it.</summary>
public sealed record CreatePool(
    string? Name,
    string? DisplayName,
    string? ClusterName,
    string? NodeSelector,
    string? Region,
    decimal CpuOvercommit,
    decimal MemoryOvercommit,
    bool Dedicated
);

/// <summary>
/// Resource pools and the quotas granted in them. A pool does not bound storage or middleware instances
/// (no cluster reports them as capacity); a tenant's quota does.
/// </summary>
public sealed class PoolCatalog(
    ICurrentActor currentActor,
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    QuotaLock quotaLock,
    Middleware.MiddlewareHoldings instances
)
{
    public async Task<Result<ResourcePool>> CreateAsync(CreatePool request, CancellationToken ct)
    {
        var (name, displayName, clusterName, nodeSelector, region, cpuOvercommit, memoryOvercommit, dedicated) =
            request;
        var actor = currentActor.Actor;
        var clusterId = await db
            .Clusters.Where(c => c.Name == clusterName)
            .Select(c => (Guid?)c.Id)
            .FirstOrDefaultAsync(ct);
        if (clusterId is null)
            return Problem.Invalid("Cluster", $"No cluster is registered as '{clusterName}'.");
        var created = ResourcePool.Create(
            name,
            displayName,
            clusterId.Value,
            nodeSelector,
            region,
            cpuOvercommit,
            memoryOvercommit,
            clock.GetUtcNow().UtcDateTime
        );
        if (!created.Succeeded)
            return created;
        if (await db.ResourcePools.AnyAsync(p => p.Name == created.Value.Name, ct))
            return Problem.Conflict($"A pool named '{created.Value.Name}' exists already.", "Name");
        var dedication = created.Value.Dedicate(
            dedicated,
            await db.ResourcePools.AsNoTracking().Where(p => p.ClusterId == clusterId).ToListAsync(ct)
        );
        if (!dedication.Succeeded)
            return dedication.Problem!;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ResourcePools.Add(created.Value);
        audit.Record(
            actor,
            null,
            PoolAuditActions.Created,
            "pool",
            created.Value.Name,
            $"cluster '{clusterName}', nodes "
                + $"'{(created.Value.NodeSelector.Length == 0 ? "all" : created.Value.NodeSelector)}'"
                + $"{(dedicated ? " dedicated" : "")}, "
                + $"region '{created.Value.Region}', overcommit CPU {cpuOvercommit} memory "
                + $"{memoryOvercommit}"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"A pool named '{created.Value.Name}' exists already.", "Name");
        if (dedicated && await OthersBeyondAsync(created.Value, ct) is { } beyond)
            return beyond;
        await transaction.CommitAsync(ct);
        return created;
    }

    /// <summary>
    /// Once a dedicated pool's change is saved (in a transaction not yet committed): a pool of the same cluster whose
    /// tenants were granted more than it can promise now that it lost the dedicated pool's nodes, in words; else null.
    /// Taking quota back is a decision about each tenant, so dedicating nodes that grants rely on is refused.
    /// </summary>
    private async Task<Problem?> OthersBeyondAsync(ResourcePool dedicated, CancellationToken ct)
    {
        var others = await SummarizeAsync(
            db.ResourcePools.AsNoTracking().Where(p => p.ClusterId == dedicated.ClusterId && p.Id != dedicated.Id),
            ct
        );
        foreach (var other in others)
        {
            var beyond = ResourcePool.Beyond(other.Granted, other.Grantable).ToList();
            if (other.Granted.Pods > other.Grantable.Pods)
                beyond.Add($"pods: {other.Granted.Pods} granted, {other.Grantable.Pods} grantable");
            if (beyond.Count > 0)
            {
                return Problem.Conflict(
                    $"Dedicating the nodes of '{dedicated.NodeSelector}' to pool "
                        + $"'{dedicated.Name}' would leave pool '{other.Name}' "
                        + "unable to keep what its tenants were granted: "
                        + $"{string.Join("; ", beyond)}. Reduce their quotas first.",
                    nameof(ResourcePool.Dedicated)
                );
            }
        }
        return null;
    }

    public Task<ResourcePool?> FindAsync(string name, CancellationToken ct) =>
        db.ResourcePools.FirstOrDefaultAsync(p => p.Name == name, ct);

    /// <summary>The pools' names, in order: for choosing one, without the figures of their nodes.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(CancellationToken ct) =>
        await db.ResourcePools.AsNoTracking().OrderBy(p => p.Name).Select(p => p.Name).ToListAsync(ct);

    public async Task<IReadOnlyList<PoolSummary>> ListAsync(CancellationToken ct) =>
        await SummarizeAsync(db.ResourcePools.AsNoTracking(), ct);

    public async Task<PoolSummary?> SummaryAsync(string name, CancellationToken ct) =>
        (await SummarizeAsync(db.ResourcePools.AsNoTracking().Where(p => p.Name == name), ct)).FirstOrDefault();

    public async Task<IReadOnlyList<QuotaGrantView>> GrantsAsync(Guid poolId, CancellationToken ct) =>
        await db
            .TenantQuotas.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(q => q.PoolId == poolId)
            .Join(db.Tenants, q => q.TenantId, t => t.Id, (q, t) => new { q, t })
            .OrderBy(x => x.t.Slug)
            .Select(x => new QuotaGrantView(x.t.Slug, x.t.DisplayName, x.q.Granted, x.q.ChangedAt, x.q.ChangedBy))
            .ToListAsync(ct);

    /// <summary>The quotas of the tenant in scope, one per pool.</summary>
    public async Task<IReadOnlyList<TenantQuotaView>> ForTenantAsync(CancellationToken ct)
    {
        var quotas = await db
            .TenantQuotas.AsNoTracking()
            .Join(db.ResourcePools, q => q.PoolId, p => p.Id, (q, p) => new { q, p })
            .OrderBy(x => x.p.Name)
            .Select(x => new
            {
                x.p.Id,
                x.p.Name,
                x.p.DisplayName,
                x.p.Region,
                x.q.Granted,
                x.q.ChangedAt,
            })
            .ToListAsync(ct);
        var environments = await db.EnvironmentUsage().ToListAsync(ct);
        return quotas
            .Select(q =>
            {
                var inPool = environments.Where(e => e.PoolId == q.Id).ToList();
                return new TenantQuotaView(
                    q.Name,
                    q.DisplayName,
                    q.Region,
                    q.Granted,
                    ResourceAmounts.Sum(inPool.Select(e => e.Share)),
                    inPool.Aggregate(default(WorkloadTotals), (sum, e) => sum + e.Workloads),
                    Measured(inPool.Select(e => e.CpuUsedMillis)),
                    Measured(inPool.Select(e => e.MemoryUsedBytes)),
                    inPool,
                    q.ChangedAt
                );
            })
            .ToList();
    }

    /// <summary>Changes the pool's overcommit policy, never below what its tenants were granted.</summary>
    public async Task<Result> ChangeOvercommitAsync(string poolName, decimal cpu, decimal memory, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var poolId = await db
            .ResourcePools.Where(p => p.Name == poolName)
            .Select(p => (Guid?)p.Id)
            .FirstOrDefaultAsync(ct);
        if (poolId is null)
            return Problem.NotFound($"Pool '{poolName}'");
        return await quotaLock.RunForPoolAsync(
            poolId.Value,
            null,
            async () =>
            {
                var pool = await db.ResourcePools.FirstAsync(p => p.Id == poolId, ct);
                var summary = (
                    await SummarizeAsync(db.ResourcePools.AsNoTracking().Where(p => p.Id == pool.Id), ct)
                ).Single();
                var before = pool.Overcommit;
                var changed = pool.ChangeOvercommit(cpu, memory, summary.Capacity, summary.Granted);
                audit.Record(
                    actor,
                    null,
                    PoolAuditActions.OvercommitChanged,
                    "pool",
                    pool.Name,
                    changed.Succeeded
                        ? $"CPU {before.Cpu} → {cpu}, memory {before.Memory} → {memory}"
                        : changed.Problem!.Message,
                    changed.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Denied
                );
                await db.SaveChangesAsync(ct);
                return changed;
            },
            ct
        );
    }

    /// <summary>
    /// Keeps the pool's nodes for its workloads alone (its nodes are to carry its taint), or gives them back. The taint
    /// itself is put on or taken off the nodes by <see cref="PoolNodeTaints"/>, asked for separately: the pool's pods
    /// tolerate it either way, so the order does not matter to them.
    /// </summary>
    public async Task<Result> DedicateAsync(string poolName, bool dedicated, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var pool = await db.ResourcePools.FirstOrDefaultAsync(p => p.Name == poolName, ct);
        if (pool is null)
            return Problem.NotFound($"Pool '{poolName}'");
        if (pool.Dedicated == dedicated)
            return Result.Ok();
        var changed = pool.Dedicate(
            dedicated,
            await db.ResourcePools.AsNoTracking().Where(p => p.ClusterId == pool.ClusterId).ToListAsync(ct)
        );
        if (changed.Succeeded && dedicated)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.SaveChangesAsync(ct);
            if (await OthersBeyondAsync(pool, ct) is { } beyond)
            {
                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                changed = beyond;
            }
            else
            {
                await transaction.CommitAsync(ct);
            }
        }
        audit.Record(
            actor,
            null,
            dedicated ? PoolAuditActions.Dedicated : PoolAuditActions.Undedicated,
            "pool",
            poolName,
            changed.Succeeded
                ? $"its nodes are to carry {ResourcePool.TaintKey}={poolName}:{NodeTaint.NoSchedule}"
                    + (dedicated ? "" : " no longer")
                : changed.Problem!.Message,
            changed.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Denied
        );
        await db.SaveChangesAsync(ct);
        return changed;
    }

    /// <summary>
    /// Sets the domains the pool's environments may publish ingress hosts under, and whether wildcards among them.
    /// Hosts already published stay until their next deploy, which is admitted against the new settings.
    /// </summary>
    public async Task<Result> PublishUnderAsync(
        string poolName,
        IEnumerable<string?>? domains,
        bool wildcardHosts,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var pool = await db.ResourcePools.FirstOrDefaultAsync(p => p.Name == poolName, ct);
        if (pool is null)
            return Problem.NotFound($"Pool '{poolName}'");
        var before = (pool.IngressDomains, pool.WildcardHosts);
        var changed = pool.PublishUnder(domains, wildcardHosts);
        audit.Record(
            actor,
            null,
            PoolAuditActions.IngressChanged,
            "pool",
            pool.Name,
            changed.Succeeded
                ? $"domains '{before.IngressDomains}' → '{pool.IngressDomains}', wildcards "
                    + $"{(before.WildcardHosts ? "allowed" : "refused")} → "
                    + $"{(pool.WildcardHosts ? "allowed" : "refused")}"
                : changed.Problem!.Message,
            changed.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Denied
        );
        await db.SaveChangesAsync(ct);
        return changed;
    }

    /// <summary>
    /// Grants (or changes) a tenant's quota in a pool, within what the pool can promise. A change is made under the
    /// quota's lock, so that environments the tenant creates meanwhile are counted in the floor it may not go below.
    /// </summary>
    public async Task<Result<TenantQuota>> GrantAsync(
        ResourcePool pool,
        string? tenantSlug,
        ResourceAmounts requested,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == tenantSlug, ct);
        if (tenant is null)
            return Problem.Invalid("Tenant", $"There is no tenant '{tenantSlug}'.");
        var quotaId = await db
            .TenantQuotas.IgnoreQueryFilters()
            .Where(q => q.PoolId == pool.Id && q.TenantId == tenant.Id)
            .Select(q => (Guid?)q.Id)
            .FirstOrDefaultAsync(ct);
        // Under the pool's lock, since grants to other tenants draw on the same capacity; and under the quota's, since
        // the tenant's environments may be created meanwhile (a first grant has none to race with: none can be created
        // without it).
        return await quotaLock.RunForPoolAsync(
            pool.Id,
            quotaId,
            () => GrantOnceAsync(actor, pool.Id, tenant, requested, ct),
            ct
        );
    }

    private async Task<Result<TenantQuota>> GrantOnceAsync(
        Actor actor,
        Guid poolId,
        Tenant tenant,
        ResourceAmounts requested,
        CancellationToken ct
    )
    {
        var pool = await db.ResourcePools.AsNoTracking().FirstAsync(p => p.Id == poolId, ct);
        var summary = (await SummarizeAsync(db.ResourcePools.AsNoTracking().Where(p => p.Id == pool.Id), ct)).Single();
        var quotas = db.TenantQuotas.IgnoreQueryFilters();
        var existing = await quotas.FirstOrDefaultAsync(q => q.PoolId == pool.Id && q.TenantId == tenant.Id, ct);
        var grantedToOthers = summary.Granted - (existing?.Granted ?? ResourceAmounts.Zero);

        var allocated = ResourceAmounts.Sum(
            await db
                .Environments.IgnoreQueryFilters()
                .AsNoTracking()
                .Where(e => e.TenantId == tenant.Id && e.PoolId == pool.Id)
                .Select(e => e.Share)
                .ToListAsync(ct)
        );
        // What the tenant's environments hold is the floor: their ResourceQuotas add up to it. Usage by
        // workloads stays within those, so it needs no separate floor. Middleware instances are no part of a share:
        // the instances the tenant runs in the pool are their own floor.
        var running = ResourceAmounts.Zero with
        {
            MiddlewareInstances = await instances.CountInPoolAsync(tenant.Id, pool.Id, null, ct),
        };
        var check = QuotaGrant.Check(
            pool.Name,
            requested,
            summary.Capacity,
            pool.Overcommit,
            grantedToOthers,
            allocated,
            running
        );
        if (check.Problem is { Kind: not ProblemKind.Invalid } refused)
        {
            audit.RecordRefusal(
                actor,
                tenant,
                existing is null ? PoolAuditActions.QuotaGranted : PoolAuditActions.QuotaChanged,
                "quota",
                $"{pool.Name}/{tenant.Slug}",
                existing is null ? requested.ToString() : $"'{existing.Granted}' → '{requested}'",
                refused.Message
            );
        }

        if (!check.Succeeded)
            return check.Problem!;

        var now = clock.GetUtcNow().UtcDateTime;
        if (existing is null)
        {
            existing = new TenantQuota(tenant.Id, pool.Id, requested, actor.Name, now);
            db.TenantQuotas.Add(existing);
            audit.Record(
                actor,
                tenant,
                PoolAuditActions.QuotaGranted,
                "quota",
                $"{pool.Name}/{tenant.Slug}",
                requested.ToString()
            );
        }
        else
        {
            var before = existing.Granted;
            existing.Change(requested, actor.Name, now);
            audit.Record(
                actor,
                tenant,
                PoolAuditActions.QuotaChanged,
                "quota",
                $"{pool.Name}/{tenant.Slug}",
                $"'{before}' → '{requested}'"
            );
        }
        await db.SaveChangesAsync(ct);
        return existing;
    }

    private async Task<List<PoolSummary>> SummarizeAsync(IQueryable<ResourcePool> pools, CancellationToken ct)
    {
        var rows = await pools
            .OrderBy(p => p.Name)
            .Join(db.Clusters, p => p.ClusterId, c => c.Id, (p, c) => new { Pool = p, Cluster = c.Name })
            .ToListAsync(ct);
        if (rows.Count == 0)
            return [];
        var clusterIds = rows.Select(r => r.Pool.ClusterId).Distinct().ToList();
        var clusterPools = await db
            .ResourcePools.AsNoTracking()
            .Where(p => clusterIds.Contains(p.ClusterId))
            .ToListAsync(ct);
        var hosts = await db
            .Hosts.AsNoTracking()
            .Where(h => clusterIds.Contains(h.ClusterId))
            .Select(h => new
            {
                h.ClusterId,
                h.Name,
                h.Labels,
                h.Taints,
                h.CpuAllocatableMillis,
                h.MemoryAllocatableBytes,
                h.PodAllocatable,
                h.CpuRequestedMillis,
                h.MemoryRequestedBytes,
                h.CpuUsageMillis,
                h.MemoryUsageBytes,
            })
            .ToListAsync(ct);
        var membership = clusterPools.ToDictionary(
            p => p.Id,
            p =>
                hosts
                    .Where(h => h.ClusterId == p.ClusterId && p.Holds(h.Labels, h.Taints, clusterPools))
                    .Select(h => h.Name)
                    .ToHashSet(StringComparer.Ordinal)
        );
        var poolIds = rows.Select(r => r.Pool.Id).ToList();
        var grants = await db
            .TenantQuotas.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(q => poolIds.Contains(q.PoolId))
            .Select(q => new { q.PoolId, q.Granted })
            .ToListAsync(ct);

        return rows.Select(row =>
            {
                var pool = row.Pool;
                var held = membership[pool.Id];
                var members = hosts.Where(h => h.ClusterId == pool.ClusterId && held.Contains(h.Name)).ToList();
                var sharing = clusterPools
                    .Where(p => p.Id != pool.Id && p.ClusterId == pool.ClusterId && membership[p.Id].Overlaps(held))
                    .Select(p => p.Name)
                    .Order(StringComparer.Ordinal)
                    .ToList();
                var outOfStep = pool.Dedicated
                    ? members.Count(h => !CarriesTaint(h.Taints, pool))
                    : hosts.Count(h => h.ClusterId == pool.ClusterId && CarriesTaint(h.Taints, pool));
                var cpu = members.Sum(h => h.CpuAllocatableMillis);
                var memory = members.Sum(h => h.MemoryAllocatableBytes);
                var capacity = new ResourceAmounts(
                    cpu,
                    cpu,
                    memory,
                    memory,
                    long.MaxValue / 4,
                    (int)Math.Min(int.MaxValue, members.Sum(h => h.PodAllocatable)),
                    int.MaxValue / 4
                );
                var poolGrants = grants.Where(g => g.PoolId == row.Pool.Id).ToList();
                var granted = ResourceAmounts.Sum(poolGrants.Select(g => g.Granted));
                return new PoolSummary(
                    row.Pool.Id,
                    row.Pool.Name,
                    row.Pool.DisplayName,
                    row.Cluster,
                    row.Pool.Region,
                    row.Pool.NodeSelector,
                    row.Pool.CpuOvercommit,
                    row.Pool.MemoryOvercommit,
                    members.Count,
                    capacity,
                    row.Pool.Overcommit.Grantable(capacity),
                    granted,
                    members.Sum(h => h.CpuRequestedMillis),
                    members.Sum(h => h.MemoryRequestedBytes),
                    Measured(members.Select(h => h.CpuUsageMillis)),
                    Measured(members.Select(h => h.MemoryUsageBytes)),
                    poolGrants.Count,
                    pool.Dedicated,
                    pool.Taint.ToString(),
                    outOfStep,
                    sharing,
                    pool.Domains.Domains,
                    pool.WildcardHosts
                );
            })
            .ToList();
    }

    /// <summary>
    /// The sum of what was measured, or null when nothing was: usage not sampled yet is unknown, not zero.
    /// </summary>
    private static long? Measured(IEnumerable<long?> usage) =>
        usage.Aggregate((long?)null, (sum, used) => used is { } value ? (sum ?? 0) + value : sum);

    private static bool CarriesTaint(string taintLines, ResourcePool pool) =>
        NodeTaint
            .ParseLines(taintLines)
            .Any(t => t.Key == ResourcePool.TaintKey && t.Value == pool.Name && t.KeepsPodsOff);
}

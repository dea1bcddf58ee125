using Portal.Domain.Common;

namespace Portal.Domain.Quotas;

/// <summary>
/// The rules for granting a tenant quota in a pool: never beyond what the pool can promise (its capacity
/// stretched by its overcommit policy, less what other tenants hold), never below what the tenant has
/// already handed to its environments or is using.
/// </summary>
public static class QuotaGrant
{
    public static Result Check(
        string poolName,
        ResourceAmounts requested,
        ResourceAmounts poolCapacity,
        OvercommitPolicy overcommit,
        ResourceAmounts grantedToOthers,
        ResourceAmounts allocatedByTenant,
        ResourceAmounts usedByTenant
    )
    {
        var shape = requested.Validate("Quota");
        if (!shape.Succeeded)
            return shape;

        var grantable = overcommit.Grantable(poolCapacity);
        var shortfalls = ResourceAmounts.Shortfalls(requested, grantable - grantedToOthers, grantable);
        if (shortfalls.Count > 0)
            return Problem.Conflict(
                $"Pool '{poolName}' cannot promise this quota: "
                    + $"{string.Join("; ", shortfalls)} (overcommit CPU {overcommit.Cpu}, "
                    + $"memory {overcommit.Memory}).",
                "Quota"
            );

        var below = ResourceAmounts.BelowHeld(requested, Max(allocatedByTenant, usedByTenant));
        if (below.Count > 0)
            return Problem.Conflict(
                "The quota cannot go below what the tenant already holds in pool "
                    + $"'{poolName}': {string.Join("; ", below)}.",
                "Quota"
            );
        return Result.Ok();
    }

    private static ResourceAmounts Max(ResourceAmounts a, ResourceAmounts b) =>
        new(
            Math.Max(a.CpuRequestMillis, b.CpuRequestMillis),
            Math.Max(a.CpuLimitMillis, b.CpuLimitMillis),
            Math.Max(a.MemoryRequestBytes, b.MemoryRequestBytes),
            Math.Max(a.MemoryLimitBytes, b.MemoryLimitBytes),
            Math.Max(a.StorageBytes, b.StorageBytes),
            Math.Max(a.Pods, b.Pods),
            Math.Max(a.MiddlewareInstances, b.MiddlewareInstances)
        );
}

using Portal.Domain.Common;

namespace Portal.Domain.Quotas;

/// <summary>
/// The portal's own admission, before anything reaches a cluster: a change that needs more than the
/// tenant has left in the pool is refused with the numbers ("Over quota in pool 'bj-prod': needs 2 CPU
/// requests, 0.5 left of 8."). The cluster's ResourceQuota is the second line.
/// </summary>
public static class QuotaAdmission
{
    public static Result Admit(
        string poolName,
        ResourceAmounts needed,
        ResourceAmounts granted,
        ResourceAmounts alreadyTaken
    ) => AdmitIn($"pool '{poolName}'", needed, granted, alreadyTaken);

    /// <summary>The same check within any bound: "environment 'dev'" holds its share of the pool's quota.</summary>
    public static Result AdmitIn(
        string where,
        ResourceAmounts needed,
        ResourceAmounts granted,
        ResourceAmounts alreadyTaken
    )
    {
        var shortfalls = ResourceAmounts.Shortfalls(needed, granted - alreadyTaken, granted);
        return shortfalls.Count == 0
            ? Result.Ok()
            : Problem.Forbidden($"Over quota in {where}: {string.Join("; ", shortfalls)}.");
    }
}

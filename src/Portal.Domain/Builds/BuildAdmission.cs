using Portal.Domain.Common;
using Portal.Domain.Quotas;

namespace Portal.Domain.Builds;

/// <summary>
/// A build that runs in a tenant's pool (the Kubernetes builder's Job) counts against the tenant's quota there: its
/// CPU, memory and pod must fit in what the quota grants less the environments' shares in that pool and the builds of
/// the tenant already running there, or it is refused with the numbers, as a deploy is ("Over quota in pool 'bj' for a
/// build: needs 2 CPU limits, 0.5 left of 4.").
/// </summary>
public static class BuildAdmission
{
    public static Result Admit(
        string pool,
        ResourceAmounts build,
        ResourceAmounts granted,
        ResourceAmounts environmentShares,
        int otherBuildsRunning
    ) =>
        QuotaAdmission.AdmitIn(
            $"pool '{pool}' for a build",
            build,
            granted,
            environmentShares + ResourceAmounts.Sum(Enumerable.Repeat(build, Math.Max(0, otherBuildsRunning)))
        );
}

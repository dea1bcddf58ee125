using Portal.Domain.Builds;
using Portal.Domain.Quotas;

namespace Portal.Domain.Tests.Builds;

public sealed class BuildAdmissionTests
{
    private const long Gi = 1L << 30;

    private static readonly ResourceAmounts Granted = new(4000, 4000, 8 * Gi, 8 * Gi, 0, 20, 0);
    private static readonly ResourceAmounts Job = new(500, 2000, 1 * Gi, 4 * Gi, 0, 1, 0);

    [Fact]
    public void A_build_that_fits_in_the_quota_left_beside_the_environments_is_admitted() =>
        Assert.True(
            BuildAdmission
                .Admit("bj", Job, Granted, new ResourceAmounts(2000, 2000, 4 * Gi, 4 * Gi, 0, 10, 0), 0)
                .Succeeded
        );

    [Fact]
    public void A_build_that_needs_more_than_the_environments_leave_is_refused_with_the_numbers()
    {
        var shares = new ResourceAmounts(3500, 3500, 4 * Gi, 4 * Gi, 0, 10, 0);

        var refused = BuildAdmission.Admit("bj", Job, Granted, shares, otherBuildsRunning: 0);

        Assert.Equal(
            "Over quota in pool 'bj' for a build: needs 2 CPU limits, 0.5 left of 4.",
            refused.Problem!.Message
        );
    }

    [Fact]
    public void The_tenants_other_running_builds_count_too()
    {
        var shares = ResourceAmounts.Zero;

        var second = BuildAdmission.Admit("bj", Job, Granted, shares, otherBuildsRunning: 1);
        var third = BuildAdmission.Admit("bj", Job, Granted, shares, otherBuildsRunning: 2);

        Assert.True(second.Succeeded);
        Assert.Equal(
            "Over quota in pool 'bj' for a build: needs 2 CPU limits, 0 left of 4; needs 4 GiB memory limits, 0 B left "
                + "of 8 GiB.",
            third.Problem!.Message
        );
    }
}

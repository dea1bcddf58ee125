using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Web.Common;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>
/// Settings of jobs that would let a job or an operation run twice are refused at start, with what is wrong said.
/// </summary>
public sealed class JobSettingsTests
{
    [Fact]
    public async Task The_portal_refuses_to_start_unless_the_stall_time_is_below_the_invisibility_timeout()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:Jobs:InvisibilityTimeout"] = "00:10:00" }
        );

        var refused = Assert.Throws<OptionsValidationException>(() => factory.Server);

        Assert.Contains("Portal:Operations:StalledAfter", refused.Message);
        Assert.Contains("Portal:Jobs:InvisibilityTimeout", refused.Message);
    }

    [Fact]
    public async Task Without_the_sliding_invisibility_the_portal_refuses_a_timeout_shorter_than_its_longest_job()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:Jobs:SlidingInvisibilityTimeout"] = "false" }
        );

        var refused = Assert.Throws<OptionsValidationException>(() => factory.Server);

        Assert.Contains("Portal:Jobs:SlidingInvisibilityTimeout", refused.Message);
        Assert.Contains("longest job", refused.Message);
    }

    [Fact]
    public async Task A_rollout_timeout_longer_than_the_stall_time_is_accepted_since_no_job_follows_a_rollout_whole()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:Applications:RolloutTimeout"] = "00:20:00" }
        );

        _ = factory.Server;
    }

    [Fact]
    public void The_default_longest_job_outlasts_the_default_invisibility_timeout_so_the_sliding_keep_alive_is_needed()
    {
        var longest = LongestJobs.Longest(
            new GitOptions(),
            new BuildahOptions(),
            new KubernetesJobOptions(),
            new CloudOptions()
        );

        Assert.StartsWith("a build", longest.Job);
        Assert.True(longest.Longest > new JobsOptions().InvisibilityTimeout, longest.ToString());
        Assert.True(new JobsOptions().SlidingInvisibilityTimeout);
    }
}

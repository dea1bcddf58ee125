using Microsoft.Extensions.Options;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>
/// Settings of jobs that would let an operation run twice are refused at start, with what is wrong said.
/// </summary>
public sealed class JobSettingsTests
{
    [Theory]
    [InlineData("Portal:Applications:RolloutTimeout", "00:20:00")]
    [InlineData("Portal:Jobs:InvisibilityTimeout", "00:10:00")]
    public async Task The_portal_refuses_to_start_unless_rollout_timeout_is_below_stall_time_and_that_below_invisibility_timeout(
        string setting,
        string value
    )
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { [setting] = value }
        );

        var refused = Assert.Throws<OptionsValidationException>(() => factory.Server);

        Assert.Contains("Portal:Applications:RolloutTimeout", refused.Message);
        Assert.Contains("Portal:Operations:StalledAfter", refused.Message);
        Assert.Contains("Portal:Jobs:InvisibilityTimeout", refused.Message);
    }
}

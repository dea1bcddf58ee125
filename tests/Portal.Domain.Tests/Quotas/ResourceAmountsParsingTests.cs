using Portal.Domain.Quotas;

namespace Portal.Domain.Tests.Quotas;

public sealed class ResourceAmountsParsingTests
{
    [Fact]
    public void Every_amount_left_blank_is_refused_by_its_field_never_taken_for_zero()
    {
        var parsed = ResourceAmounts.Parse(null, "", " ", null, "", null, "");

        Assert.False(parsed.Succeeded);
        Assert.Equal(
            ["CpuRequests", "CpuLimits", "MemoryRequests", "MemoryLimits", "Storage", "Pods", "MiddlewareInstances"],
            parsed.Problem!.Causes.Select(c => c.Field)
        );
        Assert.All(parsed.Problem.Causes, c => Assert.Contains("0 for none", c.Message));
    }

    [Fact]
    public void Zero_written_out_is_an_amount()
    {
        var parsed = ResourceAmounts.Parse("0", "0", "0", "0", "0", "0", "0");

        Assert.True(parsed.Succeeded, parsed.Problem?.Message);
        Assert.Equal(ResourceAmounts.Zero, parsed.Value);
    }

    [Fact]
    public void A_share_is_read_without_middleware_instances()
    {
        var parsed = ResourceAmounts.ParseShare("500m", "1", "512Mi", "1Gi", "10Gi", "5");

        Assert.True(parsed.Succeeded, parsed.Problem?.Message);
        Assert.Equal(new ResourceAmounts(500, 1000, 512L << 20, 1L << 30, 10L << 30, 5, 0), parsed.Value);
    }

    [Fact]
    public void A_blank_amount_and_an_unreadable_one_are_refused_together()
    {
        var parsed = ResourceAmounts.ParseShare("", "lots", "1Gi", "1Gi", "1Gi", "1");

        Assert.Equal(["CpuRequests", "CpuLimits"], parsed.Problem!.Causes.Select(c => c.Field));
        Assert.Contains("'lots' is not an amount", parsed.Problem.Causes[1].Message);
    }
}

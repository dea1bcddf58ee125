using Portal.Domain.Pipelines;

namespace Portal.Domain.Tests.Pipelines;

public sealed class RunQuotaTests
{
    [Theory]
    [InlineData(2, 0, true)]
    [InlineData(2, 1, true)]
    [InlineData(2, 2, false)]
    [InlineData(1, 3, false)]
    public void A_run_starts_only_while_the_tenant_has_a_run_slot_left(int limit, int running, bool admitted)
    {
        var result = RunQuota.AdmitRun(limit, running);

        Assert.Equal(admitted, result.Succeeded);
        if (!admitted)
            Assert.Equal(
                $"Needs 1 run slot, 0 left of {limit}: {running} runs of the tenant are going.",
                result.Problem!.Message
            );
    }

    [Theory]
    [InlineData(600, 0, true)]
    [InlineData(600, 599.5, true)]
    [InlineData(600, 600, false)]
    [InlineData(0, 0, false)]
    public void A_build_starts_only_while_build_minutes_of_the_day_are_left(int perDay, double today, bool admitted)
    {
        var result = RunQuota.AdmitBuild(perDay, today);

        Assert.Equal(admitted, result.Succeeded);
        if (!admitted)
            Assert.StartsWith($"Needs build minutes, 0 left of {perDay} today:", result.Problem!.Message);
    }

    [Fact]
    public void A_quota_without_one_of_its_numbers_is_refused_and_never_taken_as_zero()
    {
        var created = RunQuota.Create(Guid.NewGuid(), 2, null, "admin@portal.test", DateTime.UtcNow);

        Assert.False(created.Succeeded);
        Assert.Equal("BuildMinutesPerDay", created.Problem!.Field);
        Assert.Contains("Say how many build minutes", created.Problem.Message);
    }
}

using Portal.Domain.Monitoring;

namespace Portal.Domain.Tests.Monitoring;

public sealed class AlertTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan CoolDown = TimeSpan.FromMinutes(10);

    private static Alert Firing()
    {
        var rule = AlertRule
            .Create(
                RuleScope.Tenant,
                Guid.NewGuid(),
                null,
                new RuleSettings(
                    "Crash",
                    AlertMetric.AppCrashLoopingPods,
                    Aggregation.Min,
                    Comparator.AtOrAbove,
                    1,
                    2,
                    Severity.Critical,
                    []
                ),
                Now
            )
            .Value;
        var subject = new MetricSubject(
            SubjectKind.Workload,
            Guid.NewGuid(),
            "t-shop-prod",
            "api",
            rule.TenantId,
            Guid.NewGuid()
        );
        return Alert.Fire(rule, subject, "prod/api", 1, Now);
    }

    [Fact]
    public void A_fired_alert_is_told_once()
    {
        var alert = Firing();

        Assert.True(alert.ShouldNotify(CoolDown, Now));
        alert.Notified(AlertState.Firing, Now);
        alert.Holds(2, Now.AddMinutes(1));
        Assert.False(alert.ShouldNotify(CoolDown, Now.AddMinutes(1)));
    }

    [Fact]
    public void A_resolution_is_told_only_when_the_firing_was()
    {
        var told = Firing();
        told.Notified(AlertState.Firing, Now);
        told.Resolve(0, Now.AddMinutes(3));
        var untold = Firing();
        untold.Resolve(0, Now.AddMinutes(3));

        Assert.True(told.ShouldNotify(CoolDown, Now.AddMinutes(3)));
        Assert.False(untold.ShouldNotify(CoolDown, Now.AddMinutes(3)));
    }

    [Fact]
    public void A_flapping_alert_reopens_within_the_cool_down_and_is_told_again_only_after_it()
    {
        var alert = Firing();
        alert.Notified(AlertState.Firing, Now);
        alert.Resolve(0, Now.AddMinutes(2));
        alert.Notified(AlertState.Resolved, Now.AddMinutes(2));

        Assert.True(alert.ReopensWithin(CoolDown, Now.AddMinutes(4)));
        alert.Reopen(1, Now.AddMinutes(4));
        Assert.Equal(AlertState.Firing, alert.State);
        Assert.Equal(1, alert.Flaps);
        Assert.False(alert.ShouldNotify(CoolDown, Now.AddMinutes(4)));
        Assert.True(alert.ShouldNotify(CoolDown, Now.AddMinutes(13)));
        Assert.False(alert.ReopensWithin(CoolDown, Now.AddMinutes(30)));
    }

    [Fact]
    public void A_silenced_alert_is_not_told_until_the_silence_ends()
    {
        var alert = Firing();

        Assert.True(alert.Silence(Now.AddHours(1), "ops", "maintenance", Now).Succeeded);
        Assert.False(alert.ShouldNotify(CoolDown, Now.AddMinutes(30)));
        Assert.True(alert.ShouldNotify(CoolDown, Now.AddMinutes(61)));
        Assert.Equal("maintenance", alert.SilenceReason);
    }

    [Fact]
    public void A_silence_ends_in_the_future_and_within_thirty_days()
    {
        var alert = Firing();

        Assert.Equal("Until", alert.Silence(Now.AddMinutes(-1), "ops", null, Now).Problem!.Field);
        Assert.Equal("Until", alert.Silence(Now.AddDays(31), "ops", null, Now).Problem!.Field);
        Assert.Null(alert.SilencedUntil);
    }

    [Fact]
    public void Lifting_a_silence_needs_one()
    {
        var alert = Firing();

        Assert.False(alert.Unsilence(Now).Succeeded);
        alert.Silence(Now.AddHours(1), "ops", null, Now);
        Assert.True(alert.Unsilence(Now.AddMinutes(5)).Succeeded);
        Assert.False(alert.IsSilenced(Now.AddMinutes(6)));
    }
}

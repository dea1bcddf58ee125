using Portal.Domain.Monitoring;

namespace Portal.Domain.Tests.Monitoring;

public sealed class AlertRuleTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
    private const long At = 1_764_072_000;

    private static RuleSettings CpuAbove80For5 =>
        new("CPU hot", AlertMetric.AppCpuPercent, Aggregation.Min, Comparator.Above, 80, 5, Severity.Warning, []);

    private static AlertRule Rule(RuleSettings? settings = null) =>
        AlertRule.Create(RuleScope.Tenant, Guid.NewGuid(), null, settings ?? CpuAbove80For5, Now).Value;

    private static List<(long, double)> Minutes(params double[] values) =>
        values.Select((v, i) => (At - (values.Length - 1 - i) * 60L, v)).ToList();

    [Fact]
    public void A_condition_that_holds_over_the_whole_duration_is_breached()
    {
        var verdict = Rule().Judge(Minutes(90, 91, 95, 85, 88, 99), At, 60);

        Assert.Equal(VerdictKind.Breached, verdict.Kind);
        Assert.Equal(85, verdict.Value);
    }

    [Fact]
    public void Samples_that_do_not_yet_cover_the_duration_are_too_early_to_judge()
    {
        Assert.Equal(VerdictKind.TooEarly, Rule().Judge(Minutes(95, 95, 95), At, 60).Kind);
    }

    [Fact]
    public void One_dip_below_the_threshold_keeps_a_min_rule_fine()
    {
        var verdict = Rule().Judge(Minutes(90, 91, 70, 95, 88, 99), At, 60);

        Assert.Equal(VerdictKind.Fine, verdict.Kind);
        Assert.Equal(70, verdict.Value);
    }

    [Fact]
    public void Samples_that_stopped_coming_mean_no_data()
    {
        var stale = Minutes(95, 95, 95, 95, 95, 95).Select(s => (s.Item1 - 600, s.Item2)).ToList();

        Assert.Equal(VerdictKind.NoData, Rule().Judge(stale, At, 60).Kind);
        Assert.Equal(VerdictKind.NoData, Rule().Judge([], At, 60).Kind);
    }

    [Theory]
    [InlineData(Aggregation.Avg, 5.0)]
    [InlineData(Aggregation.Max, 9.0)]
    [InlineData(Aggregation.Last, 2.0)]
    [InlineData(Aggregation.Increase, 2.0)]
    public void Each_aggregation_reads_the_window_its_own_way(Aggregation aggregation, double expected)
    {
        var rule = Rule(
            CpuAbove80For5 with
            {
                Aggregation = aggregation,
                Threshold = 0,
                Comparator = Comparator.AtOrAbove,
            }
        );

        Assert.Equal(expected, rule.Judge(Minutes(0, 9, 6, 8, 5, 2), At, 60).Value);
    }

    [Fact]
    public void A_rule_without_duration_judges_the_newest_sample()
    {
        var rule = Rule(CpuAbove80For5 with { DurationMinutes = 0 });

        Assert.Equal(VerdictKind.Breached, rule.Judge(Minutes(10, 81), At, 60).Kind);
    }

    [Fact]
    public void The_condition_reads_as_a_person_would_say_it()
    {
        Assert.Equal("CPU of limits min > 80% for 5 min", Rule().Condition);
    }

    [Fact]
    public void Bad_settings_are_refused_field_by_field()
    {
        var refused = AlertRule.Create(
            RuleScope.Tenant,
            Guid.NewGuid(),
            null,
            new RuleSettings(
                " ",
                AlertMetric.NodeCpuPercent,
                Aggregation.Avg,
                Comparator.Above,
                -1,
                2000,
                Severity.Info,
                []
            ),
            Now
        );

        Assert.False(refused.Succeeded);
        Assert.Equal(["Metric", "Name", "Threshold", "DurationMinutes"], refused.Problem!.Causes.Select(c => c.Field!));
    }

    [Fact]
    public void An_application_rule_names_its_application_and_watches_a_metric_measured_per_application()
    {
        var refused = AlertRule.Create(
            RuleScope.App,
            Guid.NewGuid(),
            "",
            CpuAbove80For5 with
            {
                Metric = AlertMetric.QuotaPercent,
            },
            Now
        );

        Assert.Equal(["AppName", "Metric"], refused.Problem!.Causes.Select(c => c.Field!));
        Assert.Equal(
            "api",
            AlertRule.Create(RuleScope.App, Guid.NewGuid(), " api ", CpuAbove80For5, Now).Value.AppName
        );
    }

    [Fact]
    public void A_built_in_rule_keeps_its_metric()
    {
        var builtin = AlertRule.Builtin(
            "node-not-ready",
            new(
                "Node NotReady",
                AlertMetric.NodeNotReady,
                Aggregation.Min,
                Comparator.AtOrAbove,
                1,
                2,
                Severity.Critical,
                []
            ),
            Now
        );

        Assert.False(builtin.Change(CpuAbove80For5, Now).Succeeded);
        Assert.True(
            builtin
                .Change(
                    new(
                        "Node NotReady",
                        AlertMetric.NodeNotReady,
                        Aggregation.Min,
                        Comparator.AtOrAbove,
                        1,
                        10,
                        Severity.Warning,
                        []
                    ),
                    Now
                )
                .Succeeded
        );
        Assert.Equal(10, builtin.DurationMinutes);
    }

    [Fact]
    public void An_unknown_metric_is_refused_at_its_field()
    {
        var refused = AlertRule.Create(
            RuleScope.Tenant,
            Guid.NewGuid(),
            null,
            CpuAbove80For5 with
            {
                Metric = (AlertMetric)99,
            },
            Now
        );

        Assert.Equal("Metric", refused.Problem!.Field);
        Assert.Equal("Metric", Rule().Change(CpuAbove80For5 with { Metric = (AlertMetric)99 }, Now).Problem!.Field);
    }

    [Fact]
    public void A_deleted_channel_is_forgotten_by_the_rules_that_named_it()
    {
        Guid kept = Guid.NewGuid(),
            deleted = Guid.NewGuid();
        var rule = Rule(CpuAbove80For5 with { ChannelIds = [kept, deleted] });

        rule.StopNotifying(deleted);

        Assert.Equal([kept], rule.ChannelIds);
    }
}

using Portal.Domain.Common;
using Portal.Domain.Pipelines;

namespace Portal.Domain.Tests.Pipelines;

public sealed class PipelineDefinitionTests
{
    private static Result<PipelineDefinition> Create(params PipelineStage[] stages) =>
        PipelineDefinition.Create(stages, PipelineTriggers.None, false, _ => null);

    private static IReadOnlyList<string?> Fields(Result<PipelineDefinition> result) =>
        result.Problem!.Causes.Count > 0 ? [.. result.Problem.Causes.Select(c => c.Field)] : [result.Problem.Field];

    [Fact]
    public void Stage_names_are_unique_and_a_group_is_one_run_of_consecutive_stages()
    {
        var result = Create(
            new BuildImageStage("build") { Group = "a" },
            new BuildImageStage("build"),
            new TestStage("t", "true", null) { Group = "a" }
        );

        Assert.Equal(["stages[1].name", "stages[2].group"], Fields(result));
    }

    [Fact]
    public void A_test_is_a_command_or_a_probe_and_not_both()
    {
        var probe = new HttpProbe(null, null, "https://shop.example.com/health", TimeSpan.FromSeconds(30));

        Assert.Equal(
            ["stages[1].command", "stages[2].command"],
            Fields(
                Create(
                    new BuildImageStage("b"),
                    new TestStage("both", "true", probe),
                    new TestStage("none", null, null)
                )
            )
        );
        Assert.True(Create(new TestStage("smoke", null, probe)).Succeeded);
    }

    [Fact]
    public void Timeouts_canary_bounds_and_approvers_are_checked_with_the_numbers()
    {
        var result = Create(
            new BuildImageStage("b") { Timeout = TimeSpan.FromSeconds(1) },
            new CanaryStage("c", "prod", 0, TimeSpan.FromMinutes(5), 0),
            new ApprovalStage("a", [], ["not-an-address"])
        );

        Assert.Equal(["stages[0].timeout", "stages[1].percent", "stages[2].approvers"], Fields(result));
        Assert.Contains("between 10s and 1d", result.Problem!.Causes[0].Message);
    }

    [Fact]
    public void Ref_patterns_take_a_star_within_a_part_and_two_stars_across_parts()
    {
        Assert.True(RefPattern.Matches("release/*", "release/1.2"));
        Assert.False(RefPattern.Matches("release/*", "release/1.2/fix"));
        Assert.True(RefPattern.Matches("feature/**", "feature/a/b"));
        Assert.True(RefPattern.Matches("v*", "v1.0.0"));
        Assert.False(RefPattern.Matches("main", "maint"));
        Assert.NotNull(RefPattern.Refusal("a b"));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    public void Durations_read_as_people_write_them_and_write_back_the_same(string text, int seconds)
    {
        var parsed = Durations.Parse(text, "Timeout");

        Assert.Equal(TimeSpan.FromSeconds(seconds), parsed.Value);
        Assert.Equal(text == "90s" ? "1m30s" : text, Durations.Format(parsed.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("m10")]
    [InlineData("10m1h")]
    [InlineData("-5m")]
    public void What_is_not_a_duration_is_refused_in_words(string text)
    {
        Assert.Equal("Timeout", Durations.Parse(text, "Timeout").Problem!.Field);
    }
}

using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Pipelines;

namespace Portal.Infrastructure.Tests.Pipelines;

public sealed class PipelineYamlTests
{
    private const string Full = """
        triggers:
          branches: [main, release/*]
          tags: [v*]
          schedule: "0 3 * * *"
          poll: 5m
        supersedeWaiting: true
        stages:
          - name: build
            kind: build
          - name: unit
            kind: test
            group: checks
            command: go test ./...
          - name: smoke
            kind: test
            group: checks
            timeout: 10m
            probe:
              url: "https://shop.example.com/healthz"
              within: 1m
          - name: deploy-dev
            kind: deploy
            environment: dev
            rollbackOnFailure: false
          - name: approve
            kind: approval
            timeout: 1d
            approvers:
              roles: [TenantAdmin]
              members: [ops@example.com]
          - name: canary
            kind: canary
            manual: true
            environment: prod
            percent: 20
            duration: 5m
            maxRestarts: 1
          - name: promote-prod
            kind: promote
            from: dev
            to: prod
        """;

    [Fact]
    public void A_full_pipeline_is_read_with_every_kind_of_stage_and_its_triggers()
    {
        var definition = PipelineYaml.Parse(Full);

        Assert.True(definition.Succeeded, definition.Problem?.Message);
        var value = definition.Value;
        Assert.Equal(
            ["build", "unit", "smoke", "deploy-dev", "approve", "canary", "promote-prod"],
            value.Stages.Select(s => s.Name)
        );
        Assert.Equal(6, value.Steps.Count);
        Assert.Equal(["unit", "smoke"], value.Steps[1].Select(s => s.Name));
        Assert.Equal("go test ./...", Assert.IsType<TestStage>(value.Stages[1]).Command);
        Assert.Equal(TimeSpan.FromMinutes(10), value.Stages[2].Timeout);
        Assert.False(Assert.IsType<DeployStage>(value.Stages[3]).RollBackOnFailure);
        var approval = Assert.IsType<ApprovalStage>(value.Stages[4]);
        Assert.Equal([TenantRole.TenantAdmin], approval.Roles);
        Assert.Equal(["ops@example.com"], approval.Members);
        Assert.True(value.Stages[5].Manual);
        Assert.Equal(20, Assert.IsType<CanaryStage>(value.Stages[5]).Percent);
        Assert.Equal("0 3 * * *", value.Triggers.Schedule);
        Assert.Equal(TimeSpan.FromMinutes(5), value.Triggers.PollEvery);
        Assert.True(value.Triggers.StartsOnBranch("release/1.2"));
        Assert.False(value.Triggers.StartsOnBranch("release/1.2/hotfix"));
        Assert.True(value.Triggers.StartsOnTag("v1.0.0"));
        Assert.True(value.SupersedeWaiting);
    }

    [Fact]
    public void What_is_written_reads_back_as_the_same_definition()
    {
        var definition = PipelineYaml.Parse(Full).Value;

        var written = PipelineYaml.Write(definition);
        var again = PipelineYaml.Parse(written);

        Assert.True(again.Succeeded, again.Problem?.Message);
        Assert.Equal(written, PipelineYaml.Write(again.Value));
        Assert.Equal(definition.Stages, again.Value.Stages, new StageComparer());
    }

    [Fact]
    public void A_problem_of_the_definition_is_named_at_its_line()
    {
        var problem = PipelineYaml
            .Parse(
                """
                stages:
                  - name: build
                    kind: build
                  - name: deploy
                    kind: deploy
                    environment: Not_A_Name
                """
            )
            .Problem!;

        Assert.Contains("Line 6:", problem.Message);
        Assert.Contains("Not_A_Name", problem.Message);
    }

    [Fact]
    public void An_unknown_key_and_a_key_of_another_kind_are_refused_at_their_lines()
    {
        var problem = PipelineYaml
            .Parse(
                """
                stages:
                  - name: build
                    kind: build
                    enviroment: dev
                  - name: test
                    kind: test
                    command: make test
                    percent: 10
                """
            )
            .Problem!;

        var messages = problem.Causes.Select(c => c.Message).ToList();
        Assert.Contains(messages, m => m.StartsWith("Line 4: Unknown key 'enviroment'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Line 8: A test stage has no 'percent'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_deploy_before_any_build_and_a_bad_schedule_are_refused()
    {
        var problem = PipelineYaml
            .Parse(
                """
                triggers:
                  schedule: "every night"
                stages:
                  - name: deploy
                    kind: deploy
                    environment: dev
                """
            )
            .Problem!;

        var messages = problem.Causes.Select(c => c.Message).ToList();
        Assert.Contains(messages, m => m.StartsWith("Line 2:", StringComparison.Ordinal) && m.Contains("cron"));
        Assert.Contains(messages, m => m.StartsWith("Line 6:", StringComparison.Ordinal) && m.Contains("build stage"));
    }

    [Fact]
    public void A_syntax_error_is_named_at_its_line()
    {
        var problem = PipelineYaml.Parse("stages:\n  - name: build\n    kind: [build\n").Problem!;

        Assert.StartsWith("Line ", problem.Message);
        Assert.Equal(PipelineYaml.Field, problem.Field);
    }

    [Fact]
    public void A_missing_stage_list_and_a_missing_kind_are_refused_not_taken_for_empty()
    {
        Assert.Contains("needs 'stages'", PipelineYaml.Parse("triggers:\n  branches: [main]\n").Problem!.Message);
        Assert.Contains("needs a kind", PipelineYaml.Parse("stages:\n  - name: build\n").Problem!.Message);
    }

    private sealed class StageComparer : IEqualityComparer<PipelineStage>
    {
        public bool Equals(PipelineStage? x, PipelineStage? y) =>
            x is not null && y is not null && PipelineYaml.Write(Wrap(x)) == PipelineYaml.Write(Wrap(y));

        public int GetHashCode(PipelineStage obj) => obj.Name.GetHashCode(StringComparison.Ordinal);

        private static PipelineDefinition Wrap(PipelineStage stage) =>
            PipelineDefinition
                .Create([new BuildImageStage("b"), stage with { Group = null }], PipelineTriggers.None, false, _ =>
                    null
                )
                .Value;
    }
}

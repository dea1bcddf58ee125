using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Tests.Pipelines;

public sealed class PipelineRunTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 10, 0, 0, DateTimeKind.Utc);

    private static PipelineDefinition Definition(params PipelineStage[] stages) =>
        PipelineDefinition.Create(stages, PipelineTriggers.None, false, _ => null).Value;

    private static readonly PipelineDefinition BuildTestDeploy = Definition(
        new BuildImageStage("build"),
        new TestStage("unit", "make test", null) { Group = "checks" },
        new TestStage("lint", "make lint", null) { Group = "checks" },
        new DeployStage("deploy-dev", "dev", true),
        new ApprovalStage("approve", [TenantRole.TenantAdmin], []),
        new PromoteStage("prod", "dev", "prod")
    );

    private static PipelineRun Running(PipelineDefinition? definition = null)
    {
        var run = PipelineRun.Queue(
            Guid.NewGuid(),
            Guid.NewGuid(),
            Guid.NewGuid(),
            0,
            "yaml",
            definition ?? BuildTestDeploy,
            new RunTrigger(TriggerKind.Push, "main", "abc1234", "ada"),
            Now
        );
        run.Admit(Now);
        return run;
    }

    private static void Succeed(PipelineRun run, string stage)
    {
        Assert.Contains(run.DueStages(Now), s => s.Name == stage);
        run.StageStarted(stage, Now.AddMinutes(30), Now);
        run.StageSucceeded(stage, "done", Now);
    }

    [Fact]
    public void A_run_starts_with_its_first_stage_and_the_next_step_only_once_every_stage_of_a_step_succeeded()
    {
        var run = Running();

        Assert.Equal(["build"], run.DueStages(Now).Select(s => s.Name));
        Succeed(run, "build");
        Assert.Equal(["unit", "lint"], run.DueStages(Now).Select(s => s.Name));
        run.StageStarted("unit", Now.AddMinutes(30), Now);
        run.StageStarted("lint", Now.AddMinutes(30), Now);
        run.StageSucceeded("unit", null, Now);

        Assert.Empty(run.DueStages(Now));
        run.StageSucceeded("lint", null, Now);
        Assert.Equal(["deploy-dev"], run.DueStages(Now).Select(s => s.Name));
    }

    [Fact]
    public void A_failed_stage_fails_the_run_cancels_the_stage_beside_it_and_skips_the_rest()
    {
        var run = Running();
        Succeed(run, "build");
        run.StageStarted("unit", Now.AddMinutes(30), Now);
        run.StageStarted("lint", Now.AddMinutes(30), Now);

        run.StageFailed("unit", "exit 3", Now);

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal("Stage 'unit' failed: exit 3", run.Error);
        Assert.Equal(StageState.Cancelled, run.Stage("lint")!.State);
        Assert.Equal(StageState.Skipped, run.Stage("deploy-dev")!.State);
        Assert.Empty(run.DueStages(Now));
    }

    [Fact]
    public void A_retry_keeps_what_succeeded_and_starts_over_from_the_stage_that_failed()
    {
        var run = Running();
        Succeed(run, "build");
        run.Built(1, "abc1234", "registry/t/app@sha256:1", Now);
        run.StageStarted("unit", Now.AddMinutes(30), Now);
        run.StageFailed("unit", "exit 3", Now);

        Assert.True(run.RetryFromFailed(Now).Succeeded);
        run.Admit(Now);

        Assert.Equal(StageState.Succeeded, run.Stage("build")!.State);
        Assert.Equal("registry/t/app@sha256:1", run.Image);
        Assert.Equal(["unit", "lint"], run.DueStages(Now).Select(s => s.Name));
        Assert.Equal(2, run.Stage("unit")!.Attempt);
    }

    [Fact]
    public void An_approval_waits_for_a_decision_and_a_rejection_fails_the_run_with_the_comment()
    {
        var run = Running();
        foreach (var stage in new[] { "build", "unit", "lint", "deploy-dev" })
            Succeed(run, stage);
        Assert.Equal(["approve"], run.DueStages(Now).Select(s => s.Name));
        run.AwaitApproval("approve", Now.AddDays(1), Now);

        Assert.True(run.Decide("approve", false, "grace", "not on a Friday", Now).Succeeded);

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal("Rejected by grace: not on a Friday", run.Stage("approve")!.Error);
        Assert.Equal("not on a Friday", run.Stage("approve")!.Comment);
        Assert.Equal(ProblemKindOf(run.Decide("approve", true, "grace", null, Now)), ProblemKind.Conflict);
    }

    [Fact]
    public void An_approval_decided_yes_lets_the_next_stage_start_and_the_last_success_ends_the_run()
    {
        var run = Running();
        foreach (var stage in new[] { "build", "unit", "lint", "deploy-dev" })
            Succeed(run, stage);
        run.DueStages(Now);
        run.AwaitApproval("approve", Now.AddDays(1), Now);

        run.Decide("approve", true, "grace", "ship it", Now);
        Succeed(run, "prod");

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.NotNull(run.FinishedAt);
    }

    [Fact]
    public void A_manual_stage_waits_to_be_started_by_a_person()
    {
        var run = Running(Definition(new BuildImageStage("build") { Manual = true }));

        Assert.Empty(run.DueStages(Now));
        Assert.Equal(StageState.WaitingToStart, run.Stage("build")!.State);
        Assert.True(run.StartManually("build", "ada", Now).Succeeded);

        Assert.Equal(["build"], run.DueStages(Now).Select(s => s.Name));
        Assert.Equal("ada", run.Stage("build")!.StartedBy);
    }

    [Fact]
    public void Only_a_queued_run_is_superseded_and_only_an_unfinished_one_cancelled()
    {
        var queued = PipelineRun.Queue(
            Guid.NewGuid(),
            Guid.NewGuid(),
            Guid.NewGuid(),
            3,
            "yaml",
            BuildTestDeploy,
            new RunTrigger(TriggerKind.Push, "main", null, "ada"),
            Now
        );
        Assert.True(queued.Supersede(5, Now).Succeeded);
        Assert.Equal(RunState.Superseded, queued.State);
        Assert.Equal(4, queued.Number);

        var running = Running();
        Assert.False(running.Supersede(5, Now).Succeeded);
        Assert.True(running.Cancel("ada", Now).Succeeded);
        Assert.False(running.Cancel("ada", Now).Succeeded);
    }

    [Fact]
    public void Every_change_gives_the_run_a_new_version_so_that_two_jobs_cannot_save_over_each_other()
    {
        var run = Running();
        var before = run.Version;

        run.DueStages(Now);
        run.StageStarted("build", Now.AddMinutes(30), Now);

        Assert.NotEqual(before, run.Version);
        Assert.Throws<InvalidOperationException>(() => run.StageStarted("build", Now.AddMinutes(30), Now));
    }

    private static ProblemKind? ProblemKindOf(Result result) => result.Problem?.Kind;
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Operations;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>A test command that ran and failed, or could not run; the stage fails with these words.</summary>
public sealed class TestCommandFailed(string reason) : Exception(reason);

/// <summary>
/// Carries out a test stage's command (<see cref="OperationKinds.PipelineTest"/>): runs it through <c>/bin/sh -c</c>
/// in the run's image with the <see cref="IImageCommands"/> of the configured builder, its output going to the run's
/// log (bounded), and fails with the exit code and the last lines. It stops the command when the run stops waiting
/// for the stage (cancelled, or a stage beside it failed), looking every <see cref="PollEvery"/>.
/// </summary>
public sealed class PipelineTestRunner(
    PortalDbContext db,
    IImageCommands commands,
    IServiceScopeFactory scopes,
    IRunProgress progress,
    IOptions<PipelineStageOptions> options,
    TimeProvider clock
) : IOperationRunner
{
    /// <summary>How often a running command looks whether its stage still waits for it, and writes its log.</summary>
    public static TimeSpan PollEvery { get; set; } = TimeSpan.FromSeconds(1);

    public static string Kind => OperationKinds.PipelineTest;

    /// <summary>The target of a test stage's operation: "{app}/{run number}/{stage}".</summary>
    public static string Target(string app, int run, string stage) => $"{app}/{run}/{stage}";

    public string Explain(Exception failure) =>
        failure is TestCommandFailed ? failure.Message : ClusterProblems.Explain(failure);

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var child = await db
            .PipelineRunChildren.IgnoreQueryFilters()
            .AsNoTracking()
            .FirstOrDefaultAsync(c => c.OperationId == operation.Id, ct)
            ?? throw new OperationTargetGone("The run of this test was deleted after the test was queued.");
        var run = await db.PipelineRuns.IgnoreQueryFilters().AsNoTracking().FirstAsync(r => r.Id == child.RunId, ct);
        if (RunStages.Definition(run, child.Stage) is not TestStage { Command: { Length: > 0 } command } stage)
            throw new TestCommandFailed($"Stage '{child.Stage}' of run {run.Number} runs no test command.");
        if (run.Image is not { } image)
            throw new TestCommandFailed(
                $"Run {run.Number} has no image to test: a build stage must come before stage '{child.Stage}'."
            );
        var tenant = await db
            .Tenants.AsNoTracking()
            .Where(t => t.Id == operation.TenantId)
            .Select(t => t.Slug)
            .FirstAsync(ct);
        var settings = options.Value;
        var log = new RunLog(scopes, progress, clock, run);
        var lines = new CommandLines(log, child.Stage, settings.LogLines, settings.LogTailLines);
        await journal.StepAsync(
            operation,
            "test",
            async () =>
            {
                await log.WriteAsync(child.Stage, $"Running in {image}: {command}", ct);
                var ran = await RunWhileWantedAsync(
                    new ImageCommand(tenant, operation.OwnerTenantId, image, command, stage.Timeout),
                    lines,
                    run.Id,
                    child.Stage,
                    operation.Id,
                    ct
                );
                await lines.FinishAsync(ct);
                if (ran is null)
                    throw new TestCommandFailed("The run stopped waiting for the test, so the command was stopped.");
                var result = ran.Value;
                if (!result.Succeeded)
                    throw new TestCommandFailed(result.Problem!.Message);
                var outcome = result.Value;
                if (!outcome.Succeeded)
                    throw new TestCommandFailed(
                        $"The test command exited with {outcome.ExitCode}. Its last lines: "
                            + string.Join(" | ", outcome.LastLines.TakeLast(settings.FailureLines))
                    );
                await log.WriteAsync(child.Stage, "The test command exited with 0.", ct);
            },
            ct
        );
    }

    /// <summary>Runs the command, stopping it when its stage no longer waits for it; null when stopped so.</summary>
    private async Task<Domain.Common.Result<ImageCommandOutcome>?> RunWhileWantedAsync(
        ImageCommand command,
        CommandLines lines,
        Guid runId,
        string stage,
        Guid operationId,
        CancellationToken ct
    )
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = Task.Run(() => commands.RunAsync(command, lines.Add, stop.Token), CancellationToken.None);
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(PollEvery, ct));
            await lines.FlushAsync(ct);
            if (!stop.IsCancellationRequested && !await WantedAsync(runId, stage, operationId, ct))
                await stop.CancelAsync();
        }
        try
        {
            return await running;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task<bool> WantedAsync(Guid runId, string stage, Guid operationId, CancellationToken ct)
    {
        var run = await db.PipelineRuns.IgnoreQueryFilters().AsNoTracking().FirstAsync(r => r.Id == runId, ct);
        return run.Stage(stage) is { State: StageState.Running } waiting && waiting.OperationId == operationId;
    }
}

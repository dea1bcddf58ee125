using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Carries out test stages. A command runs in the run's image as an operation of its own
/// (<see cref="PipelineTestRunner"/>): queued the first time, looked at after. A probe makes one GET per look, with a
/// short timeout (<see cref="HttpProbes"/>), until it answers 2xx or its time passes: a worker never waits for the
/// whole of it.
/// </summary>
public sealed class TestStageExecutor(
    PortalDbContext db,
    IOperationQueue queue,
    ICurrentActor actor,
    HttpProbes probes,
    IOptions<PipelineStageOptions> options,
    TimeProvider clock
) : IStageExecutor
{
    private static readonly TimeSpan CommandCheck = TimeSpan.FromSeconds(5);

    public static StageKind Kind => StageKind.Test;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task<StageStatus> AdvanceAsync(StageContext context, CancellationToken ct) =>
        context.Definition switch
        {
            TestStage { Probe: { } probe } => ProbeAsync(context, probe, ct),
            TestStage { Command: { Length: > 0 } } => CommandAsync(context, ct),
            _ => Task.FromResult<StageStatus>(
                new StageStatus.Failed($"Stage '{context.Stage.Name}' is not a test with a command or a probe.")
            ),
        };

    private async Task<StageStatus> CommandAsync(StageContext context, CancellationToken ct)
    {
        var (run, stage) = (context.Run, context.Stage);
        if (stage.OperationId is not { } id)
        {
            if (run.Image is null)
                return new StageStatus.Failed(
                    $"Run {run.Number} has no image to test: a build stage must come before stage '{stage.Name}'."
                );
            var operation = new Operation(
                run.TenantId,
                OperationKinds.PipelineTest,
                "pipeline",
                PipelineTestRunner.Target(context.App.Name, run.Number, stage.Name),
                actor.Actor.Name,
                Now
            );
            db.Operations.Add(operation);
            await context.RecordOperationAsync(db, operation.Id, false, ct);
            await db.SaveChangesAsync(ct);
            queue.Enqueue(operation);
            return new StageStatus.Going(CommandCheck, $"Test command queued, in {run.Image}.");
        }
        var state = await db
            .Operations.AsNoTracking()
            .Where(o => o.Id == id)
            .Select(o => new { o.State, o.Error })
            .FirstOrDefaultAsync(ct);
        return state?.State switch
        {
            null => new StageStatus.Failed("The test's operation was deleted."),
            OperationState.Succeeded => new StageStatus.Succeeded("The test command exited with 0."),
            OperationState.Failed => new StageStatus.Failed(state.Error ?? "The test command failed."),
            _ => new StageStatus.Going(CommandCheck, "The test command runs."),
        };
    }

    private async Task<StageStatus> ProbeAsync(StageContext context, HttpProbe probe, CancellationToken ct)
    {
        var target = await probes.TargetAsync(context.App, probe, ct);
        if (!target.Succeeded)
            return new StageStatus.Failed(target.Problem!.Message);
        var url = target.Value;
        var attempt = await probes.TryAsync(url, ct);
        if (attempt.Refused)
            return new StageStatus.Failed(attempt.Words);
        var said = $"GET {url} {attempt.Words}.";
        if (said != context.Stage.Outcome)
            await context.Log.WriteAsync(context.Stage.Name, said, ct);
        if (attempt.Passed)
            return new StageStatus.Succeeded(said);
        var deadline = (context.Stage.StartedAt ?? Now) + probe.Within;
        if (Now >= deadline)
            return new StageStatus.Failed(
                $"GET {url} did not answer 2xx within {Durations.Format(probe.Within)}: it last {attempt.Words}."
            );
        var wait = options.Value.ProbeInterval;
        return new StageStatus.Going(deadline - Now < wait ? deadline - Now : wait, said);
    }
}

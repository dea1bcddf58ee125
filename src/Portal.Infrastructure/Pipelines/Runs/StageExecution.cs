using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Pipelines.Runs;

/// <summary>
/// What a stage's executor works with, in a unit of work of its own whose tenant is the run's and whose actor is the
/// run's: the run as read when the stage was taken up (its <see cref="PipelineRun.Version"/> then), the stage, its
/// definition, the application, and the run's log.
/// </summary>
public sealed record StageContext(
    PipelineRun Run,
    RunStage Stage,
    PipelineStage Definition,
    Application App,
    string Pipeline,
    RunLog Log
)
{
    /// <summary>
    /// Notes on the run, in the unit of work that saves the child, that the stage started operation
    /// <paramref name="operationId"/>: call it inside the child's transaction, before its save. The run is read again
    /// there; when another job changed it since this one read it, the save fails and the child is not made.
    /// </summary>
    public async Task RecordOperationAsync(PortalDbContext db, Guid operationId, bool followUp, CancellationToken ct)
    {
        var run = await FreshRunAsync(db, ct);
        if (followUp)
            run.StageQueuedFollowUp(Stage.Name, operationId, DateTime.UtcNow);
        else
            run.StageQueuedOperation(Stage.Name, operationId, DateTime.UtcNow);
        db.PipelineRunChildren.Add(new PipelineRunChild(Run.TenantId, Run.Id, Stage.Name, operationId));
    }

    /// <summary>
    /// Notes the build the stage queued, with its operation, inside the build's transaction (see
    /// <see cref="RecordOperationAsync"/>).
    /// </summary>
    public async Task RecordBuildAsync(PortalDbContext db, int build, Guid operationId, CancellationToken ct)
    {
        var run = await FreshRunAsync(db, ct);
        run.StageQueuedBuild(Stage.Name, build, DateTime.UtcNow);
        run.StageQueuedOperation(Stage.Name, operationId, DateTime.UtcNow);
        db.PipelineRunChildren.Add(new PipelineRunChild(Run.TenantId, Run.Id, Stage.Name, operationId));
    }

    private async Task<PipelineRun> FreshRunAsync(PortalDbContext db, CancellationToken ct)
    {
        var run = await db.PipelineRuns.FirstAsync(r => r.Id == Run.Id, ct);
        if (run.Version != Run.Version)
            throw new DbUpdateConcurrencyException(
                $"Run {Run.Number} changed since its job read it: the stage '{Stage.Name}' is taken up again."
            );
        return run;
    }
}

/// <summary>What became of a stage when its executor looked at it.</summary>
public abstract record StageStatus
{
    /// <summary>Still going: look again after <paramref name="CheckAgainIn"/> (sooner when its child ends).</summary>
    public sealed record Going(TimeSpan CheckAgainIn, string? Outcome = null) : StageStatus;

    public sealed record Succeeded(string? Outcome) : StageStatus
    {
        /// <summary>What the stage's success changes on the run besides the stage (the image a build pushed).</summary>
        public Action<PipelineRun>? Apply { get; init; }
    }

    public sealed record Failed(string Reason) : StageStatus;
}

/// <summary>
/// Carries out one kind of stage: one class per <see cref="StageKind"/>, registered with
/// <see cref="StageExecutorServices.AddStageExecutor{T}"/>. <see cref="AdvanceAsync"/> is called when the stage starts
/// and every time the run's job looks at it again: it starts the stage's child when the run has none noted for the
/// stage (noting it in the child's transaction, through the <see cref="StageContext"/>), else looks at how the child
/// does. It can be called twice for one state: it never starts a child twice.
/// </summary>
public interface IStageExecutor
{
    static abstract StageKind Kind { get; }

    Task<StageStatus> AdvanceAsync(StageContext context, CancellationToken ct);

    /// <summary>The run stopped waiting for the stage (cancelled, timed out, a stage beside it failed).</summary>
    Task CancelAsync(StageContext context, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Hands a run to the job scheduler: the run's job looks at it now, or later.</summary>
public interface IRunQueue
{
    void Advance(Guid runId);

    void AdvanceAfter(Guid runId, TimeSpan delay);

    /// <summary>Looks at the queued runs of every tenant and starts those that have a run slot.</summary>
    void Dispatch();
}

/// <summary>Tells the browsers that follow a run (its page, the lists) what changed.</summary>
public interface IRunProgress
{
    Task RunChangedAsync(PipelineRun run, CancellationToken ct);

    Task LogWrittenAsync(PipelineRun run, IReadOnlyList<PipelineRunLogLine> lines, CancellationToken ct);
}

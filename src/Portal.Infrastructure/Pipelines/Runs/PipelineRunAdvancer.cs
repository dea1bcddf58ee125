using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Pipelines.Runs;

/// <summary>
/// The job behind every run: it reads the run, fails the stages over their time, starts the stages whose turn came,
/// lets each active stage's executor look at its child, saves what came of it, and says when to look again. Each
/// stage is taken up in a unit of work of its own, as the run's tenant and actor, and every save checks that nobody
/// saved the run since it was read, so that two jobs of one run at once cannot start a stage twice: the one that loses
/// starts over from what the other saved. The job can die anywhere: a stage's child is noted in the child's own
/// transaction, so the next job finds it instead of starting another.
/// </summary>
public sealed class PipelineRunAdvancer(
    IServiceScopeFactory scopes,
    IRunQueue queue,
    IRunProgress progress,
    IEnumerable<StageExecutorRegistration> registrations,
    IOptions<PipelineOptions> options,
    TimeProvider clock,
    ILogger<PipelineRunAdvancer> logger
)
{
    private const int MaxPasses = 20;
    private readonly Dictionary<StageKind, Type> _executors = registrations.ToDictionary(r => r.Kind, r => r.Executor);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task AdvanceAsync(Guid runId, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                await AdvanceOnceAsync(runId, ct);
                return;
            }
            catch (DbUpdateConcurrencyException)
            {
                logger.LogDebug("Run {Run} was saved by another job meanwhile; reading it again", runId);
            }
        }
        queue.AdvanceAfter(runId, TimeSpan.FromSeconds(2));
    }

    private async Task AdvanceOnceAsync(Guid runId, CancellationToken ct)
    {
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var services = scope.ServiceProvider;
            var db = services.GetRequiredService<PortalDbContext>();
            var run = await db.PipelineRuns.IgnoreQueryFilters().FirstOrDefaultAsync(r => r.Id == runId, ct);
            if (run is null || run.IsFinished)
                return;
            if (run.State == RunState.Queued)
            {
                // Runs leave the queue through the dispatcher, which shares the run slots fairly.
                queue.Dispatch();
                return;
            }
            var subject = await RunSubject.BindAsync(services, run, ct);
            if (subject is null)
                return;
            var definition = PipelineYaml.Parse(run.DefinitionYaml);
            if (!definition.Succeeded)
            {
                // The definition was checked when the run was made; a run whose text no longer reads ends clearly.
                run.Cancel("the portal", Now);
                await SaveAsync(db, run, ct);
                return;
            }
            var log = new RunLog(scopes, progress, clock, run);
            var started = await StartDueStagesAsync(db, run, definition.Value, log, ct);
            if (run.IsFinished)
            {
                await EndedAsync(run, ct);
                return;
            }
            var next = TimeSpan.MaxValue;
            var moved = started;
            foreach (var stage in run.ActiveStages)
            {
                var (status, changed) = await AdvanceStageAsync(runId, stage.Name, definition.Value, subject, log, ct);
                moved |= changed;
                if (status is StageStatus.Going going && going.CheckAgainIn < next)
                    next = going.CheckAgainIn;
            }
            if (moved)
                continue;
            await ScheduleNextCheckAsync(runId, next, ct);
            return;
        }
        queue.Advance(runId);
    }

    /// <summary>
    /// Fails the active stages over their time, then starts the stages whose turn came: saved before any of them does
    /// anything, so that a stage is started once. True when something changed.
    /// </summary>
    private async Task<bool> StartDueStagesAsync(
        PortalDbContext db,
        PipelineRun run,
        PipelineDefinition definition,
        RunLog log,
        CancellationToken ct
    )
    {
        var now = Now;
        var changed = false;
        foreach (var stage in run.ActiveStages.Where(s => s.Deadline < now))
        {
            var limit = definition.Stage(stage.Name)?.Timeout ?? TimeSpan.Zero;
            var reason =
                stage.Kind == StageKind.Approval
                    ? $"No decision within {Durations.Format(limit)}: the approval timed out."
                    : $"The stage did not finish within its timeout of {Durations.Format(limit)}.";
            await CancelChildAsync(run, stage, definition, log, ct);
            run.StageFailed(stage.Name, reason, now);
            await log.WriteAsync(stage.Name, reason, ct);
            changed = true;
        }
        var before = run.Version;
        var waitingBefore = run.Stages.Where(s => s.State == StageState.WaitingToStart).Select(s => s.Name).ToList();
        foreach (var stage in run.DueStages(now))
        {
            var timeout = definition.Stage(stage.Name)!.Timeout;
            if (stage.Kind == StageKind.Approval)
                run.AwaitApproval(stage.Name, now + timeout, now);
            else
                run.StageStarted(stage.Name, now + timeout, now);
            changed = true;
        }
        changed |= run.Version != before;
        if (changed)
            await SaveAsync(db, run, ct);
        foreach (var stage in run.Stages.Where(s => s.State == StageState.WaitingToStart))
        {
            if (!waitingBefore.Contains(stage.Name))
                await log.WriteAsync(stage.Name, "Its turn came: it waits for a person to start it.", ct);
        }
        return changed;
    }

    /// <summary>
    /// Lets the stage's executor look at it in a unit of work of its own, then saves what came of it on the run as read
    /// again there. Returns the status, and whether the run changed (a stage ended, so others may be due).
    /// </summary>
    private async Task<(StageStatus Status, bool Changed)> AdvanceStageAsync(
        Guid runId,
        string name,
        PipelineDefinition definition,
        RunSubject subject,
        RunLog log,
        CancellationToken ct
    )
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<PortalDbContext>();
        var run = await db.PipelineRuns.IgnoreQueryFilters().FirstAsync(r => r.Id == runId, ct);
        var stage = run.Stage(name);
        if (stage is not { IsActive: true } || run.IsFinished)
            return (new StageStatus.Going(TimeSpan.MaxValue), false);
        await RunSubject.BindAsync(services, run, ct);
        var executor = Executor(services, stage.Kind);
        var context = new StageContext(run, stage, definition.Stage(name)!, subject.App, subject.Pipeline, log);
        StageStatus status;
        try
        {
            status = await executor.AdvanceAsync(context, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Stage {Stage} of run {Run} failed to advance", name, runId);
            status = new StageStatus.Failed($"The portal could not carry out the stage: {e.Message}");
        }
        db.ChangeTracker.Clear();
        run = await db.PipelineRuns.IgnoreQueryFilters().FirstAsync(r => r.Id == runId, ct);
        stage = run.Stage(name)!;
        if (!stage.IsActive || run.IsFinished)
            return (status, true);
        var now = Now;
        switch (status)
        {
            case StageStatus.Succeeded succeeded:
                succeeded.Apply?.Invoke(run);
                run.StageSucceeded(name, succeeded.Outcome, now);
                await SaveAsync(db, run, ct);
                await log.WriteAsync(name, succeeded.Outcome ?? "Succeeded.", ct);
                if (run.IsFinished)
                    await EndedAsync(run, ct);
                return (status, true);
            case StageStatus.Failed failed:
                run.StageFailed(name, failed.Reason, now);
                await SaveAsync(db, run, ct);
                await log.WriteAsync(name, $"Failed: {failed.Reason}", ct);
                foreach (var other in Cancelled(run, name))
                    await CancelChildAsync(run, other, definition, log, ct);
                await EndedAsync(run, ct);
                return (status, true);
            case StageStatus.Going { Outcome: { } outcome } when outcome != stage.Outcome:
                run.StageNotes(name, outcome, now);
                await SaveAsync(db, run, ct);
                return (status, false);
            default:
                return (status, false);
        }
    }

    /// <summary>The stages a failure or a cancel stopped while they ran.</summary>
    internal static IEnumerable<RunStage> Cancelled(PipelineRun run, string except = "") =>
        run.Stages.Where(s => s.State == StageState.Cancelled && s.Name != except && s.FinishedAt == run.FinishedAt);

    /// <summary>Tells a stopped stage's executor, best effort: the run no longer waits for its child.</summary>
    internal async Task CancelChildAsync(
        PipelineRun run,
        RunStage stage,
        PipelineDefinition definition,
        RunLog log,
        CancellationToken ct
    )
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var subject = await RunSubject.BindAsync(scope.ServiceProvider, run, ct);
            if (subject is null || definition.Stage(stage.Name) is not { } stageDefinition)
                return;
            var executor = Executor(scope.ServiceProvider, stage.Kind);
            await executor.CancelAsync(
                new StageContext(run, stage, stageDefinition, subject.App, subject.Pipeline, log),
                ct
            );
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Stopping stage {Stage} of run {Run} failed", stage.Name, run.Id);
        }
    }

    private IStageExecutor Executor(IServiceProvider services, StageKind kind) =>
        _executors.TryGetValue(kind, out var type)
            ? (IStageExecutor)services.GetRequiredService(type)
            : throw new InvalidOperationException($"No executor carries out stages of kind {kind}.");

    /// <summary>
    /// Says when to look at the run again: at the earliest of what its stages asked and their deadlines. A job already
    /// due sooner is left to do it, so that the run's jobs do not multiply.
    /// </summary>
    private async Task ScheduleNextCheckAsync(Guid runId, TimeSpan next, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var run = await db.PipelineRuns.IgnoreQueryFilters().FirstAsync(r => r.Id == runId, ct);
        if (run.IsFinished || run.State != RunState.Running)
            return;
        var now = Now;
        var at = run.ActiveStages.Select(s => s.Deadline ?? DateTime.MaxValue).DefaultIfEmpty(DateTime.MaxValue).Min();
        if (next != TimeSpan.MaxValue && now + next < at)
            at = now + next;
        if (at == DateTime.MaxValue)
        {
            // Nothing to look at (a manual stage waits for a person): the sweeper still looks now and then.
            at = now + options.Value.LostAfter;
        }
        if (run.NextCheckAt is { } planned && planned > now && planned <= at)
            return;
        run.CheckAgainAt(at);
        await db.SaveChangesAsync(ct);
        queue.AdvanceAfter(runId, at - now);
    }

    private async Task SaveAsync(PortalDbContext db, PipelineRun run, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        await progress.RunChangedAsync(run, ct);
    }

    private Task EndedAsync(PipelineRun run, CancellationToken ct)
    {
        // A run slot is free: the dispatcher lets the next queued run start.
        queue.Dispatch();
        return progress.RunChangedAsync(run, ct);
    }
}

/// <summary>
/// The run's application and pipeline name, with the unit of work bound to the run's tenant and acting as the run
/// ("pipeline main, run 4"), so that what the stages do is scoped and audited as the run's.
/// </summary>
internal sealed record RunSubject(Domain.Applications.Application App, string Pipeline)
{
    public static async Task<RunSubject?> BindAsync(IServiceProvider services, PipelineRun run, CancellationToken ct)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == run.TenantId, ct);
        if (tenant is null)
            return null;
        var scope = services.GetRequiredService<TenantScope>();
        if (scope.Tenant is null)
            scope.Bind(tenant);
        var found = await (
            from a in db.Applications.IgnoreQueryFilters()
            join p in db.Pipelines.IgnoreQueryFilters() on a.Id equals p.ApplicationId
            where p.Id == run.PipelineId
            select new { App = a, p.Name }
        )
            .AsNoTracking()
            .FirstOrDefaultAsync(ct);
        if (found is null)
            return null;
        services
            .GetRequiredService<CurrentActor>()
            .ActAs(new Actor(null, $"pipeline {found.Name}, run {run.Number} ({run.Trigger.By})", null));
        return new RunSubject(found.App, found.Name);
    }
}

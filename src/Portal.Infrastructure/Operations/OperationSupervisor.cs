using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Operations;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Operations;

/// <summary>
/// An operation's job found what the operation is about gone (deleted since the operation was queued).
/// </summary>
public sealed class OperationTargetGone(string reason) : Exception(reason);

/// <summary>
/// Supervises the run of an operation's job. The run claims the operation first, so that of two runs of one operation
/// at once (a job queued twice, a job the scheduler started again) one works and the other does nothing; a heartbeat
/// renews the claim while the work goes on, so that a rollout followed for minutes is not taken for lost, and a run
/// that lost its claim stops. When the work fails, the failure is saved in a unit of work of its own, since the job's
/// may hold what made it fail; then the job records what the failure means for its target. Whatever that failure
/// handling does, the operation does not stay running: at worst a single statement marks it failed, and if even that
/// cannot be written the claim lapses and the sweeper queues the operation again. The audit entries recorded pending
/// when the operation was admitted are completed with its end, in the unit of work that saves it.
/// </summary>
public sealed class OperationSupervisor(
    IServiceScopeFactory scopes,
    IOptions<OperationOptions> options,
    TimeProvider clock,
    ILogger<OperationSupervisor> logger
)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <param name="db">The job's unit of work: the operation is claimed, carried out and saved in it.</param>
    /// <returns>When the operation waits (a rollout): when its next look is due; otherwise null.</returns>
    public async Task<TimeSpan?> RunAsync(
        PortalDbContext db,
        IOperationProgress progress,
        Guid operationId,
        IOperationRunner work,
        CancellationToken ct
    )
    {
        await using var claim = await TryClaimAsync(db, operationId, ct);
        if (claim is null)
        {
            logger.LogInformation(
                "Operation {Operation} has ended or another run of its job holds it; this run does nothing",
                operationId
            );
            return null;
        }
        Exception failure;
        try
        {
            using var working = CancellationTokenSource.CreateLinkedTokenSource(ct, claim.Lost);
            await progress.ReportAsync(claim.Operation, working.Token);
            var journal = new OperationJournal(db, progress, clock);
            await work.CarryOutAsync(claim.Operation, journal, working.Token);
            // The wait is saved on the operation: the claim is let go below, and the next look takes it up.
            if (journal.LooksAgainIn is { } again)
                return again;
            claim.Operation.Succeed(Now);
            await db.CompleteAuditAsync(claim.Operation, CancellationToken.None);
            await db.SaveChangesAsync(CancellationToken.None);
            await ReportAsync(progress, claim.Operation);
            return null;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The host is stopping: the claim is let go below, and the job scheduler runs the job again.
            throw;
        }
        catch (Exception e) when (DatabaseUnavailable.Is(e))
        {
            // Not the operation's failure: it is run again from its last step done once the database answers. The
            // claim is let go first (waiting for the database), or the next run would find it held and do nothing.
            logger.LogWarning(
                "Operation {Operation}: the database became unavailable during its run ({Reason}); "
                    + "it is run again once the database answers",
                operationId,
                e.GetBaseException().Message
            );
            await claim.LetGoOnceTheDatabaseAnswersAsync(ct);
            throw;
        }
        catch (Exception e)
        {
            failure = e;
        }
        await FailAsync(operationId, claim.Run, progress, work, failure);
        return null;
    }

    private async Task<Claim?> TryClaimAsync(PortalDbContext db, Guid operationId, CancellationToken ct)
    {
        var operation = await db.Operations.IgnoreQueryFilters().FirstOrDefaultAsync(o => o.Id == operationId, ct);
        var run = Guid.NewGuid().ToString("N");
        var now = Now;
        if (operation is null || !operation.Claim(run, now + options.Value.StalledAfter, now))
            return null;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another run saved its claim between our read and our save.
            db.ChangeTracker.Clear();
            return null;
        }
        return new Claim(this, operation, run);
    }

    /// <summary>
    /// Renews the claim while the run works; cancels the run when another run has taken the operation over.
    /// </summary>
    private async Task HeartbeatAsync(Claim claim, CancellationToken stop)
    {
        var every = options.Value.HeartbeatEvery;
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(every, clock, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stop.IsCancellationRequested)
                return;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var now = Now;
                var renewed = await scope
                    .ServiceProvider.GetRequiredService<PortalDbContext>()
                    .Operations.IgnoreQueryFilters()
                    .Where(o =>
                        o.Id == claim.Operation.Id && o.ClaimedBy == claim.Run && o.State == OperationState.Running
                    )
                    .ExecuteUpdateAsync(
                        set =>
                            set.SetProperty(o => o.ClaimedUntil, now + options.Value.StalledAfter)
                                .SetProperty(o => o.LastActivityAt, now),
                        stop
                    );
                if (renewed == 0)
                {
                    logger.LogWarning(
                        "Operation {Operation}: another run of its job took it over; this run stops",
                        claim.Operation.Id
                    );
                    await claim.LoseAsync();
                    return;
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                // The next beat tries again; the claim lasts several beats.
                logger.LogWarning(e, "Operation {Operation}: its claim could not be renewed", claim.Operation.Id);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Lets the claim go when the run ends, finished or not, so that a run queued again can take the operation at once.
    /// </summary>
    private async Task<bool> ReleaseAsync(Claim claim, bool quiet = false)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope
                .ServiceProvider.GetRequiredService<PortalDbContext>()
                .Operations.IgnoreQueryFilters()
                .Where(o => o.Id == claim.Operation.Id && o.ClaimedBy == claim.Run)
                .ExecuteUpdateAsync(
                    set => set.SetProperty(o => o.ClaimedUntil, (DateTime?)null),
                    CancellationToken.None
                );
            return true;
        }
        catch (Exception e)
        {
            if (!quiet)
                logger.LogWarning(
                    e,
                    "Operation {Operation}: its claim could not be let go; it lapses by itself",
                    claim.Operation.Id
                );
            return false;
        }
    }

    /// <summary>
    /// Tries to let the claim go until the database answers (a second, doubling up to ten), for as long as the claim
    /// would hold anyway; after that it has lapsed by itself.
    /// </summary>
    private async Task LetGoOnceTheDatabaseAnswersAsync(Claim claim, CancellationToken ct)
    {
        var giveUpAt = Now + options.Value.StalledAfter;
        var wait = TimeSpan.FromSeconds(1);
        while (!await ReleaseAsync(claim, quiet: true))
        {
            if (Now + wait > giveUpAt || ct.IsCancellationRequested)
                return;
            await Task.Delay(wait, clock, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
        claim.Released = true;
    }

    private async Task FailAsync(
        Guid operationId,
        string run,
        IOperationProgress progress,
        IOperationRunner work,
        Exception failure
    )
    {
        var reason = Explain(work, failure);
        Operation failed;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var found = await db
                .Operations.IgnoreQueryFilters()
                .FirstOrDefaultAsync(o => o.Id == operationId, CancellationToken.None);
            if (found is null || found.ClaimedBy != run || found.IsFinished)
            {
                logger.LogWarning(
                    failure,
                    "Operation {Operation}: this run of its job failed after the operation "
                        + "was taken over, deleted or ended; "
                        + "the failure is not recorded on it",
                    operationId
                );
                return;
            }
            logger.LogWarning(
                failure,
                "Operation {Operation} ({Kind} of {Target}) failed",
                found.Id,
                found.Kind,
                found.TargetId
            );
            found.Fail(reason, Now);
            await db.CompleteAuditAsync(found, CancellationToken.None);
            await db.SaveChangesAsync(CancellationToken.None);
            failed = found;
        }
        catch (Exception e)
        {
            await LastResortAsync(operationId, run, $"{reason} (Recording the failure failed: {Explain(work, e)})", e);
            return;
        }
        await ReportAsync(progress, failed);

        string? more;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var requester = await scope
                .ServiceProvider.GetRequiredService<PortalDbContext>()
                .RequesterAsync(failed, CancellationToken.None);
            scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(requester);
            more = await work.AfterFailureAsync(
                new OperationFailure(failed, failure, scope.ServiceProvider),
                CancellationToken.None
            );
        }
        catch (Exception e)
        {
            logger.LogError(e, "Operation {Operation}: handling its failure failed", operationId);
            more = $"Handling the failure failed too: {Explain(work, e)}";
        }
        if (more is not null)
            await AddToErrorAsync(operationId, run, more, progress);
    }

    private async Task AddToErrorAsync(Guid operationId, string run, string more, IOperationProgress progress)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var failed = await db
                .Operations.IgnoreQueryFilters()
                .FirstOrDefaultAsync(
                    o => o.Id == operationId && o.ClaimedBy == run && o.State == OperationState.Failed,
                    CancellationToken.None
                );
            if (failed is null)
                return;
            failed.AddToError(more, Now);
            await db.AddToAuditReasonAsync(failed, more, CancellationToken.None);
            await db.SaveChangesAsync(CancellationToken.None);
            await ReportAsync(progress, failed);
        }
        catch (Exception e)
        {
            logger.LogError(
                e,
                "Operation {Operation} failed, but what came of its failure could not be added to it: {More}",
                operationId,
                more
            );
        }
    }

    /// <summary>
    /// Single statements, past every change tracker: the operation, then its pending audit entries, are failed even
    /// when saving them the usual way does not work.
    /// </summary>
    private async Task LastResortAsync(Guid operationId, string run, string reason, Exception cause)
    {
        logger.LogError(
            cause,
            "Operation {Operation}: its failure could not be saved; marking it failed with a single statement",
            operationId
        );
        var error = reason.Length <= Operation.ErrorMaxLength ? reason : reason[..(Operation.ErrorMaxLength - 1)] + "…";
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var now = Now;
            var failed = await db
                .Operations.IgnoreQueryFilters()
                .Where(o => o.Id == operationId && o.ClaimedBy == run && o.State == OperationState.Running)
                .ExecuteUpdateAsync(
                    set =>
                        set.SetProperty(o => o.State, OperationState.Failed)
                            .SetProperty(o => o.Error, error)
                            .SetProperty(o => o.FinishedAt, now)
                            .SetProperty(o => o.LastActivityAt, now),
                    CancellationToken.None
                );
            if (failed > 0)
                await db.FailPendingAuditAsync(operationId, error, now, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogCritical(
                e,
                "Operation {Operation} could not be marked failed; it is queued again once its claim lapses",
                operationId
            );
        }
    }

    private static string Explain(IOperationRunner work, Exception failure)
    {
        if (failure is DbUpdateConcurrencyException)
            return "What this operation changes was changed or deleted by someone else "
                + "meanwhile; nothing more was done.";
        try
        {
            return work.Explain(failure);
        }
        catch (Exception)
        {
            return failure.Message;
        }
    }

    private async Task ReportAsync(IOperationProgress progress, Operation operation)
    {
        try
        {
            await progress.ReportAsync(operation, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Browsers following the operation see it at their next refresh; the operation itself is saved.
            logger.LogWarning(e, "Operation {Operation}: its progress could not be reported", operation.Id);
        }
    }

    /// <summary>One run's claim on its operation: renewed in the background until disposed, then let go.</summary>
    private sealed class Claim : IAsyncDisposable
    {
        private readonly OperationSupervisor _runner;
        private readonly CancellationTokenSource _stop = new();
        private readonly CancellationTokenSource _lost = new();
        private readonly Task _heartbeat;

        public Claim(OperationSupervisor runner, Operation operation, string run)
        {
            _runner = runner;
            Operation = operation;
            Run = run;
            _heartbeat = runner.HeartbeatAsync(this, _stop.Token);
        }

        public Operation Operation { get; }
        public string Run { get; }

        /// <summary>Cancelled when another run took the operation over: this run must stop.</summary>
        public CancellationToken Lost => _lost.Token;

        /// <summary>Let go already, while the run waited for the database to answer.</summary>
        public bool Released { get; set; }

        public Task LoseAsync() => _lost.CancelAsync();

        public async Task LetGoOnceTheDatabaseAnswersAsync(CancellationToken ct)
        {
            await _stop.CancelAsync();
            await _heartbeat;
            await _runner.LetGoOnceTheDatabaseAnswersAsync(this, ct);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _heartbeat;
            if (!Released)
                await _runner.ReleaseAsync(this);
            _stop.Dispose();
            _lost.Dispose();
        }
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Operations;

/// <summary>
/// Queues again the jobs of operations that were lost: saved but never queued (the process died between the two, or an
/// in-memory queue went down with it), queued with a job the job scheduler no longer holds, or running under a claim
/// that lapsed because the process of its run died, or waiting (a rollout) with no look to come. An operation whose job
/// still waits for a free worker, or runs and renews its claim, or whose next look is scheduled, is left alone. Jobs
/// claim their operation before doing anything, so a job queued twice all the
/// same does no harm.
/// </summary>
public sealed class OperationSweeper(
    PortalDbContext db,
    IOperationQueue queue,
    IOptions<OperationOptions> options,
    TimeProvider clock,
    ILogger<OperationSweeper> logger
)
{
    private const int BatchSize = 100;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (queuedFor, stalledAfter) = (options.Value.QueuedFor, options.Value.StalledAfter);
        var quietSince = now - (queuedFor < stalledAfter ? queuedFor : stalledAfter);
        var candidates = await db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o =>
                (o.State == OperationState.Queued || o.State == OperationState.Running) && o.LastActivityAt < quietSince
            )
            .OrderBy(o => o.LastActivityAt)
            .Take(BatchSize)
            .ToListAsync(ct);
        var requeued = 0;
        foreach (var operation in candidates.Where(o => o.IsStalled(now, queuedFor, stalledAfter)))
        {
            if (
                (operation.State == OperationState.Queued || operation.IsWaiting)
                && operation.JobId is { } jobId
                && queue.Holds(jobId)
            )
            {
                // Waiting behind busy workers, or for its next look: noted as seen, so that the operations after it in
                // the queue get looked at too.
                await TouchAsync(operation, now, ct);
                continue;
            }
            // Conditional on what was read: of two sweeps at once, or a sweep and a run that just claimed it, one moves
            // it.
            if (!await TouchAsync(operation, now, ct))
                continue;
            logger.LogWarning(
                "Operation {Operation} ({Kind} of {Target}) was {State} with no "
                    + "progress since {Since} and no job holding it; queueing its job again",
                operation.Id,
                operation.Kind,
                operation.TargetId,
                operation.State,
                operation.LastActivityAt
            );
            queue.Enqueue(operation);
            requeued++;
        }
        return requeued;
    }

    private async Task<bool> TouchAsync(Operation seen, DateTime now, CancellationToken ct) =>
        await db
            .Operations.IgnoreQueryFilters()
            .Where(o =>
                o.Id == seen.Id
                && o.State == seen.State
                && o.LastActivityAt == seen.LastActivityAt
                && o.ClaimedBy == seen.ClaimedBy
            )
            .ExecuteUpdateAsync(set => set.SetProperty(o => o.LastActivityAt, now), ct) == 1;
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Operations;

public sealed class OperationOptions
{
    public const string Section = "Portal:Operations";

    /// <summary>How long an operation may stay queued before its job is queued again.</summary>
    public TimeSpan QueuedFor { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a running operation may go without a step before its job is taken for dead and queued again.</summary>
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Queues again the jobs of operations that were lost: saved but never queued (the process died between the two,
/// or an in-memory queue went down with it), or running in a process that died. Jobs are idempotent and resume
/// after their last finished step, so queueing one twice does no harm.
/// </summary>
public sealed class OperationSweeper(
    PortalDbContext db, IOperationQueue queue, IOptions<OperationOptions> options, TimeProvider clock, ILogger<OperationSweeper> logger)
{
    private const int BatchSize = 100;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (queuedFor, stalledAfter) = (options.Value.QueuedFor, options.Value.StalledAfter);
        var quietSince = now - (queuedFor < stalledAfter ? queuedFor : stalledAfter);
        var candidates = await db.Operations.IgnoreQueryFilters()
            .Where(o => (o.State == OperationState.Queued || o.State == OperationState.Running) && o.LastActivityAt < quietSince)
            .OrderBy(o => o.LastActivityAt)
            .Take(BatchSize)
            .ToListAsync(ct);
        var lost = candidates.Where(o => o.IsStalled(now, queuedFor, stalledAfter)).ToList();
        foreach (var operation in lost)
        {
            logger.LogWarning("Operation {Operation} ({Kind} of {Target}) was {State} with no progress since {Since}; queueing its job again",
                operation.Id, operation.Kind, operation.TargetId, operation.State, operation.LastActivityAt);
            operation.Requeued(now);
        }
        // Saved before queueing, so that another replica's sweep does not take the same ones.
        await db.SaveChangesAsync(ct);
        foreach (var operation in lost)
            queue.Enqueue(operation);
        return lost.Count;
    }
}

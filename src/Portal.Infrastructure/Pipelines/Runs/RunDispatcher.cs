using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Pipelines.Runs;

/// <summary>
/// Starts queued runs as run slots free up, fairly: a tenant never has more runs going than its quota allows, the
/// platform no more than <see cref="PipelineOptions.MaxRunningRuns"/>, and free slots go round the tenants (the one
/// with the fewest runs going first, then the one waiting longest), so that a tenant with fifty queued runs does not
/// hold back one with a single run. Runs of one pipeline for one ref go one after the other. A queued run says why it
/// waits. The job scheduler runs one dispatcher at a time.
/// </summary>
public sealed class RunDispatcher(
    PortalDbContext db,
    IRunQueue queue,
    IRunProgress progress,
    IOptions<PipelineOptions> options,
    TimeProvider clock
)
{
    private const int MaxQueuedRead = 1000;

    private sealed record Waiting(
        Guid Id,
        Guid TenantId,
        Guid PipelineId,
        int Number,
        string Ref,
        DateTime CreatedAt,
        string? Reason
    );

    public async Task DispatchAsync(CancellationToken ct)
    {
        var queued = await db
            .PipelineRuns.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(r => r.State == RunState.Queued)
            .OrderBy(r => r.CreatedAt)
            .Take(MaxQueuedRead)
            .Select(r => new Waiting(
                r.Id,
                r.TenantId,
                r.PipelineId,
                r.Number,
                r.Trigger.Ref,
                r.CreatedAt,
                r.WaitingReason
            ))
            .ToListAsync(ct);
        if (queued.Count == 0)
            return;
        var running = await db
            .PipelineRuns.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(r => r.State == RunState.Running)
            .Select(r => new
            {
                r.TenantId,
                r.PipelineId,
                r.Trigger.Ref,
                r.Number,
            })
            .ToListAsync(ct);
        var tenants = queued.Select(q => q.TenantId).Distinct().ToList();
        var own = await db
            .RunQuotas.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(q => tenants.Contains(q.TenantId))
            .ToDictionaryAsync(q => q.TenantId, q => q.ConcurrentRuns, ct);
        var going = running.GroupBy(r => r.TenantId).ToDictionary(g => g.Key, g => g.Count());
        var busy = running.ToDictionary(r => (r.PipelineId, r.Ref), r => r.Number);
        var total = running.Count;
        var limitOf = (Guid tenant) => own.GetValueOrDefault(tenant, options.Value.ConcurrentRunsPerTenant);

        var waits = new Dictionary<Guid, string>();
        var admit = new List<Guid>();
        var lines = queued.GroupBy(q => q.TenantId).ToDictionary(g => g.Key, g => new Queue<Waiting>(g));
        while (true)
        {
            var next = lines
                .Where(l => l.Value.Count > 0 && going.GetValueOrDefault(l.Key) < limitOf(l.Key))
                .OrderBy(l => going.GetValueOrDefault(l.Key))
                .ThenBy(l => l.Value.Peek().CreatedAt)
                .Select(l => l.Value)
                .FirstOrDefault();
            if (next is null || total >= options.Value.MaxRunningRuns)
                break;
            var run = next.Dequeue();
            if (busy.TryGetValue((run.PipelineId, run.Ref), out var ahead))
            {
                waits[run.Id] = $"Waits for run {ahead} of the same pipeline and ref '{run.Ref}' to finish.";
                continue;
            }
            admit.Add(run.Id);
            busy[(run.PipelineId, run.Ref)] = run.Number;
            going[run.TenantId] = going.GetValueOrDefault(run.TenantId) + 1;
            total++;
        }
        foreach (var run in queued.Where(q => !admit.Contains(q.Id) && !waits.ContainsKey(q.Id)))
        {
            var limit = limitOf(run.TenantId);
            var tenantGoing = going.GetValueOrDefault(run.TenantId);
            waits[run.Id] = RunQuota.AdmitRun(limit, tenantGoing).Problem?.Message
                ?? (
                    busy.TryGetValue((run.PipelineId, run.Ref), out var ahead)
                        ? $"Waits for run {ahead} of the same pipeline and ref '{run.Ref}' to finish."
                        : $"Waits for a run slot of the platform: {total} runs are going, at most "
                            + $"{options.Value.MaxRunningRuns}."
                );
        }
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var id in admit)
        {
            var run = await db.PipelineRuns.IgnoreQueryFilters().FirstAsync(r => r.Id == id, ct);
            if (run.State != RunState.Queued)
                continue;
            run.Admit(now);
            if (!await TrySaveAsync(ct))
                continue;
            await progress.RunChangedAsync(run, ct);
            queue.Advance(id);
        }
        // Only a run whose reason to wait changed is read and written: the queue is read once, above.
        var said = queued.ToDictionary(q => q.Id, q => q.Reason);
        foreach (var (id, reason) in waits.Where(w => said[w.Key] != w.Value))
        {
            var run = await db.PipelineRuns.IgnoreQueryFilters().FirstAsync(r => r.Id == id, ct);
            if (run.State != RunState.Queued || run.WaitingReason == reason)
                continue;
            run.Wait(reason, now);
            if (await TrySaveAsync(ct))
                await progress.RunChangedAsync(run, ct);
        }
    }

    /// <summary>Saves, unless another job changed the run since: then that job's state stands.</summary>
    private async Task<bool> TrySaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }
}

/// <summary>
/// Finds runs whose job was lost (a portal restarted with jobs kept in memory, a scheduled look that never came) and
/// queued runs nobody dispatched, and hands them to the job scheduler again.
/// </summary>
public sealed class RunSweeper(
    PortalDbContext db,
    IRunQueue queue,
    IOptions<PipelineOptions> options,
    TimeProvider clock
)
{
    public async Task SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var lostBefore = now - options.Value.LostAfter;
        var lost = await db
            .PipelineRuns.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(r => r.State == RunState.Running && (r.NextCheckAt == null || r.NextCheckAt < lostBefore))
            .Select(r => r.Id)
            .Take(500)
            .ToListAsync(ct);
        foreach (var id in lost)
            queue.Advance(id);
        if (await db.PipelineRuns.IgnoreQueryFilters().AnyAsync(r => r.State == RunState.Queued, ct))
            queue.Dispatch();
    }
}

/// <summary>
/// Tells a run's job at once when an operation one of its stages started ended (a build, a deploy), instead of
/// waiting for its next look.
/// </summary>
public sealed class RunChildEnded(PortalDbContext db, IRunQueue queue) : Operations.IOperationEndObserver
{
    public async Task OperationRanAsync(Guid operationId, CancellationToken ct)
    {
        var runId = await db
            .PipelineRunChildren.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(c => c.OperationId == operationId)
            .Select(c => (Guid?)c.RunId)
            .FirstOrDefaultAsync(ct);
        if (runId is { } id)
            queue.Advance(id);
    }
}

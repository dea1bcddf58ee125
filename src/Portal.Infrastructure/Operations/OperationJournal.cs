using Portal.Domain.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Operations;

/// <summary>
/// How every job records its operation: each step is saved when it begins and when it ends, and each save is reported
/// to the browsers that follow the tenant's operations. A step an earlier run finished is skipped, which is what makes
/// a job resumable after a crash.
/// </summary>
public sealed class OperationJournal(PortalDbContext db, IOperationProgress progress, TimeProvider clock)
{
    /// <summary>
    /// Set when a step waits for the outside world (<see cref="FollowAsync"/>): the run ends with the operation
    /// running,
    /// and its next look is due after this.
    /// </summary>
    public TimeSpan? LooksAgainIn { get; private set; }

    /// <summary>
    /// A step that waits for the outside world without holding a worker: each run looks once. <paramref name="look"/>,
    /// given when the step was begun (by this run or an earlier one), returns null when the step is done, or what it
    /// waits for and when to look again; it throws when the step failed. True when the step is done; false when the
    /// run should end, leaving the operation waiting (<see cref="LooksAgainIn"/>).
    /// </summary>
    public async Task<bool> FollowAsync(
        Operation operation,
        string step,
        Func<DateTime, Task<StepWait?>> look,
        CancellationToken ct
    )
    {
        if (operation.HasDone(step))
            return true;
        var begun = operation.BegunAt(step);
        if (begun is null)
        {
            begun = clock.GetUtcNow().UtcDateTime;
            operation.BeginStep(step, begun.Value);
            await SaveAsync(operation, ct);
        }
        var wait = await look(begun.Value);
        if (wait is null)
        {
            operation.CompleteStep(step, clock.GetUtcNow().UtcDateTime);
            await SaveAsync(operation, ct);
            return true;
        }
        operation.Waits(step, wait.Waiting, clock.GetUtcNow().UtcDateTime);
        await SaveAsync(operation, ct);
        LooksAgainIn = wait.LookAgainIn;
        return false;
    }

    public async Task StepAsync(Operation operation, string step, Func<Task> work, CancellationToken ct)
    {
        if (operation.HasDone(step))
            return;
        operation.BeginStep(step, clock.GetUtcNow().UtcDateTime);
        await SaveAsync(operation, ct);
        await work();
        operation.CompleteStep(step, clock.GetUtcNow().UtcDateTime);
        await SaveAsync(operation, ct);
    }

    public async Task SaveAsync(Operation operation, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        await progress.ReportAsync(operation, ct);
    }

    /// <summary>
    /// Tells the browsers that follow the tenant's operations what was saved by other means (in a transaction of the
    /// job's own).
    /// </summary>
    public Task ReportAsync(Operation operation, CancellationToken ct) => progress.ReportAsync(operation, ct);
}

/// <summary>What a step waits for, in words, and when a job should look at it again.</summary>
public sealed record StepWait(string Waiting, TimeSpan LookAgainIn);

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

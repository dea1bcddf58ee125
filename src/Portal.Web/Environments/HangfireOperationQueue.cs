using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Web.Environments;

/// <summary>
/// Hands operations to Hangfire: one job, <see cref="OperationJob"/>, runs every operation with the runner of its kind.
/// The job's id is noted on the operation, so that the sweeper can ask Hangfire whether it still holds the job before
/// queueing another.
/// </summary>
internal sealed class HangfireOperationQueue(
    IBackgroundJobClient jobs,
    JobStorage storage,
    PortalDbContext db,
    OperationRunners runners
) : IOperationQueue
{
    private static readonly HashSet<string> Held = new(StringComparer.OrdinalIgnoreCase)
    {
        EnqueuedState.StateName,
        ScheduledState.StateName,
        ProcessingState.StateName,
        AwaitingState.StateName,
    };

    public void Enqueue(Operation operation)
    {
        if (!runners.Knows(operation.Kind))
            throw new InvalidOperationException($"No job carries out operations of kind '{operation.Kind}'.");
        var id = operation.Id;
        var jobId = jobs.Enqueue<OperationJob>(job => job.RunAsync(id, CancellationToken.None));
        // Hangfire's client is synchronous (queueing is a write to its storage); the id is written beside it the same
        // way.
        db.Operations.IgnoreQueryFilters()
            .Where(o => o.Id == id)
            .ExecuteUpdate(set => set.SetProperty(o => o.JobId, jobId));
    }

    public void LookAgainAfter(Guid operationId, TimeSpan delay)
    {
        var previous = db
            .Operations.IgnoreQueryFilters()
            .Where(o => o.Id == operationId)
            .Select(o => o.JobId)
            .FirstOrDefault();
        // Only a look still waiting for its time is let go: one already queued or running is left to end by itself.
        if (previous is not null)
            jobs.ChangeState(previous, new DeletedState(), ScheduledState.StateName);
        var jobId = jobs.Schedule<OperationJob>(job => job.RunAsync(operationId, CancellationToken.None), delay);
        db.Operations.IgnoreQueryFilters()
            .Where(o => o.Id == operationId)
            .ExecuteUpdate(set => set.SetProperty(o => o.JobId, jobId));
    }

    public void Wake(Guid operationId) =>
        jobs.Enqueue<OperationJob>(job => job.RunAsync(operationId, CancellationToken.None));

    public bool Holds(string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetJobData(jobId)?.State is { } state && Held.Contains(state);
    }
}

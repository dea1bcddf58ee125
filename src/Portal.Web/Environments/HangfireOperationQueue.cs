using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;

namespace Portal.Web.Environments;

/// <summary>
/// Hands operations to Hangfire: each kind of operation has the job that carries it out. The job's id is noted on the
/// operation, so that the sweeper can ask Hangfire whether it still holds the job before queueing another.
/// </summary>
internal sealed class HangfireOperationQueue(IBackgroundJobClient jobs, JobStorage storage, PortalDbContext db)
    : IOperationQueue
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
        var id = operation.Id;
        var jobId = operation.Kind switch
        {
            "environment.create" or "environment.update-quota" or "environment.delete" =>
                jobs.Enqueue<EnvironmentProvisioner>(job => job.RunAsync(id, CancellationToken.None)),
            Infrastructure.Tenancy.TenantDeletion.Kind => jobs.Enqueue<Infrastructure.Tenancy.TenantDeletion>(job =>
                job.RunAsync(id, CancellationToken.None)
            ),
            var kind when Infrastructure.Applications.ApplicationOperations.All.Contains(kind) =>
                jobs.Enqueue<Infrastructure.Applications.ApplicationDeployer>(job =>
                    job.RunAsync(id, CancellationToken.None)
                ),
            var kind when Infrastructure.Middleware.MiddlewareOperations.All.Contains(kind) =>
                jobs.Enqueue<Infrastructure.Middleware.InstanceProvisioner>(job =>
                    job.RunAsync(id, CancellationToken.None)
                ),
            _ => throw new InvalidOperationException($"No job carries out operations of kind '{operation.Kind}'."),
        };
        // Hangfire's client is synchronous (queueing is a write to its storage); the id is written beside it the same way.
        db.Operations.IgnoreQueryFilters()
            .Where(o => o.Id == id)
            .ExecuteUpdate(set => set.SetProperty(o => o.JobId, jobId));
    }

    public bool Holds(string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetJobData(jobId)?.State is { } state && Held.Contains(state);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Operations;

/// <summary>
/// The job behind every operation: takes the operation's id, finds the runner of its kind and runs it through the
/// <see cref="OperationSupervisor"/>, which claims the operation, records its steps and its end. The job's scope is the
/// unit of work of the runner, and <c>services</c> the scope it is made in.
/// </summary>
public sealed class OperationJob(
    IServiceProvider services,
    PortalDbContext db,
    IOperationProgress progress,
    OperationSupervisor supervisor,
    OperationRunners runners,
    IEnumerable<IOperationEndObserver> observers
)
{
    public async Task RunAsync(Guid operationId, CancellationToken ct)
    {
        var kind = await db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o => o.Id == operationId)
            .Select(o => o.Kind)
            .FirstOrDefaultAsync(ct);
        // An operation removed since its job was queued (with its tenant) has nothing left to do.
        if (kind is null)
            return;
        var work = runners.For(kind, services);
        var again = await supervisor.RunAsync(db, progress, operationId, work, ct);
        // A waiting operation holds no worker: its next look is a job of its own, sooner if the cluster's watch wakes
        // it.
        if (again is { } delay)
            services.GetRequiredService<IOperationQueue>().LookAgainAfter(operationId, delay);
        await work.AfterRunAsync(operationId, CancellationToken.None);
        foreach (var observer in observers)
            await observer.OperationRanAsync(operationId, CancellationToken.None);
    }
}

/// <summary>
/// Learns that a run of an operation's job ended (whether the operation ended, failed or goes on elsewhere): how what
/// waits on operations (a pipeline's stage) hears of them without polling.
/// </summary>
public interface IOperationEndObserver
{
    Task OperationRanAsync(Guid operationId, CancellationToken ct);
}

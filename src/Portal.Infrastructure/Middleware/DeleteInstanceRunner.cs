using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// Deletes a middleware instance: its objects, and its data volumes unless asked to keep them, when its environment's
/// namespace is the environment's own; then its bindings and the instance.
/// </summary>
internal sealed class DeleteInstanceRunner(PortalDbContext db, InstanceProvisioner provisioner) : IOperationRunner
{
    public static string Kind => OperationKinds.MiddlewareDelete;

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var change = await provisioner.PrepareAsync(operation, deleting: true, ct);
        var (instance, _, _, objects, _, cluster, selector, inOwnNamespace) = change;
        await journal.StepAsync(
            operation,
            "objects",
            async () =>
            {
                foreach (var o in inOwnNamespace ? objects.Reverse() : [])
                    await cluster.DeleteAsync(o, ct);
            },
            ct
        );
        if (!instance.KeepVolumes && inOwnNamespace)
            await journal.StepAsync(operation, "volumes", () => cluster.DeleteClaimsAsync(selector, ct), ct);
        db.MiddlewareBindings.RemoveRange(
            await db.MiddlewareBindings.IgnoreQueryFilters().Where(b => b.InstanceId == instance.Id).ToListAsync(ct)
        );
        db.MiddlewareInstances.Remove(instance);
    }

    public string Explain(Exception failure) => InstanceProvisioner.Explain(failure);
}

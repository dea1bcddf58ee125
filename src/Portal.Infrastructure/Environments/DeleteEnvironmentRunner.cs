using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Environments;

/// <summary>Deletes an environment's namespace when it is the environment's own, waits until it is gone, then the environment.</summary>
public sealed class DeleteEnvironmentRunner(PortalDbContext db, EnvironmentProvisioner environments) : IOperationRunner
{
    public static string Kind => OperationKinds.EnvironmentDelete;

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var target = await environments.TargetAsync(operation, deleting: true, ct);
        await journal.StepAsync(
            operation,
            "delete-namespace",
            () => environments.DeleteNamespaceAsync(target.Client, target.Environment, target.Tenant, ct),
            ct
        );
        db.Environments.Remove(target.Environment);
    }

    public Task<string?> AfterFailureAsync(
        IServiceProvider services,
        Operation failed,
        Exception failure,
        CancellationToken ct
    ) => EnvironmentProvisioner.MarkFailedAsync(services, failed, ct);
}

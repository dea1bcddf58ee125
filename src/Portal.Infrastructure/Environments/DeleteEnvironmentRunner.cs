using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// Deletes an environment's namespace when it is the environment's own, waits until it is gone, then the environment.
/// </summary>
internal sealed class DeleteEnvironmentRunner(PortalDbContext db, EnvironmentProvisioner environments)
    : EnvironmentRunner(environments),
        IOperationRunner
{
    private readonly EnvironmentProvisioner _environments = environments;

    public static string Kind => OperationKinds.EnvironmentDelete;

    // The tenant's deletion takes every namespace of the tenant down; deleting one environment's goes along with it.
    protected override bool AllowedWhileTenantIsDeleted => true;

    protected override async Task CarryOutAsync(
        Operation operation,
        OperationJournal journal,
        EnvironmentProvisioner.Target target,
        CancellationToken ct
    )
    {
        var (environment, tenant, _, _, client) = target;
        await journal.StepAsync(
            operation,
            "delete-namespace",
            () =>
                _environments.DeleteNamespaceAsync(
                    client,
                    environment,
                    tenant,
                    EnvironmentAuditActions.NamespaceKept,
                    ct
                ),
            ct
        );
        db.Environments.Remove(environment);
    }
}

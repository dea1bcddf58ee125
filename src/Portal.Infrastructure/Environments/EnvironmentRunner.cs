using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// What the runners of operations on environments share: the environment an operation is about, found before the
/// runner's steps, and marked failed when the operation fails.
/// </summary>
internal abstract class EnvironmentRunner(EnvironmentProvisioner environments)
{
    /// <summary>
    /// Whether this kind may run while the environment's tenant is being deleted; only a deletion may.
    /// </summary>
    protected virtual bool AllowedWhileTenantIsDeleted => false;

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct) =>
        await CarryOutAsync(
            operation,
            journal,
            await environments.TargetAsync(operation, AllowedWhileTenantIsDeleted, ct),
            ct
        );

    /// <summary>The steps of this kind of operation on the environment.</summary>
    protected abstract Task CarryOutAsync(
        Operation operation,
        OperationJournal journal,
        EnvironmentProvisioner.Target target,
        CancellationToken ct
    );

    public Task<string?> AfterFailureAsync(OperationFailure failure, CancellationToken ct) =>
        EnvironmentProvisioner.MarkFailedAsync(failure.Services, failure.Operation, ct);
}

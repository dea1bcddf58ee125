using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// What the runners of deploys, scales and restarts share: the application's objects rendered for the revision meant to
/// run, the rollout followed to its end, an automatic rollback after a failed one when the deploy asked for it, and the
/// pages that follow the application told of its change. Each runner says which objects its kind applies.
/// </summary>
internal abstract class ApplicationChangeRunner(ApplicationDeployer deployer)
{
    public Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct) =>
        deployer.ChangeAsync(operation, journal, change => ApplyAsync(operation, journal, change, ct), ct);

    /// <summary>The steps of this kind of change, before the rollout is followed.</summary>
    protected abstract Task ApplyAsync(
        Operation operation,
        OperationJournal journal,
        ApplicationChange change,
        CancellationToken ct
    );

    public string Explain(Exception failure) => ApplicationDeployer.Explain(failure);

    public Task<string?> AfterFailureAsync(OperationFailure failure, CancellationToken ct) =>
        deployer.AfterFailureAsync(failure.Services, failure.Operation, failure.Exception, ct);

    public Task AfterRunAsync(Guid operationId, CancellationToken ct) => deployer.AnnounceAsync(operationId);
}

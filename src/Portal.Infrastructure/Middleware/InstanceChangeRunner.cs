using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// What the runners of provisions, updates and restarts of a middleware instance share: its objects rendered, its
/// StatefulSet followed until every replica is ready, and the instance marked failed when the operation fails. A runner
/// whose kind does more than apply the objects says what.
/// </summary>
internal abstract class InstanceChangeRunner(InstanceProvisioner provisioner)
{
    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var change = await provisioner.PrepareAsync(operation, deleting: false, ct);
        await ApplyAsync(operation, journal, change, ct);
        await provisioner.BecomeReadyAsync(operation, journal, change, ct);
    }

    /// <summary>
    /// The steps of this kind of change, before the instance is followed until it is ready: by default every object of
    /// the instance created or replaced.
    /// </summary>
    protected virtual Task ApplyAsync(
        Operation operation,
        OperationJournal journal,
        InstanceChange change,
        CancellationToken ct
    ) =>
        journal.StepAsync(
            operation,
            "objects",
            async () =>
            {
                foreach (var o in change.Objects)
                    await change.Cluster.ApplyAsync(o, ct);
            },
            ct
        );

    public string Explain(Exception failure) => InstanceProvisioner.Explain(failure);

    public Task<string?> AfterFailureAsync(OperationFailure failure, CancellationToken ct) =>
        provisioner.MarkFailedAsync(failure.Services, failure.Operation, ct);
}

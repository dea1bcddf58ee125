using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Environments;

/// <summary>Gives an environment's ResourceQuota its new share.</summary>
public sealed class UpdateEnvironmentQuotaRunner(EnvironmentProvisioner environments) : IOperationRunner
{
    public static string Kind => OperationKinds.EnvironmentUpdateQuota;

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var target = await environments.TargetAsync(operation, deleting: false, ct);
        await journal.StepAsync(
            operation,
            "resource-quota",
            () =>
                EnvironmentProvisioner.ApplyResourceQuotaAsync(
                    target.Client,
                    target.Environment,
                    target.Owner.Labels(),
                    ct
                ),
            ct
        );
        target.Environment.MarkReady();
    }

    public Task<string?> AfterFailureAsync(
        IServiceProvider services,
        Operation failed,
        Exception failure,
        CancellationToken ct
    ) => EnvironmentProvisioner.MarkFailedAsync(services, failed, ct);
}

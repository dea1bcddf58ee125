using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Environments;

/// <summary>Gives an environment's ResourceQuota its new share.</summary>
internal sealed class UpdateEnvironmentQuotaRunner(EnvironmentProvisioner environments)
    : EnvironmentRunner(environments),
        IOperationRunner
{
    public static string Kind => OperationKinds.EnvironmentUpdateQuota;

    protected override async Task CarryOutAsync(
        Operation operation,
        OperationJournal journal,
        EnvironmentProvisioner.Target target,
        CancellationToken ct
    )
    {
        var (environment, _, _, owner, client) = target;
        await journal.StepAsync(
            operation,
            "resource-quota",
            () => EnvironmentProvisioner.ApplyResourceQuotaAsync(client, environment, owner.Labels(), ct),
            ct
        );
        environment.MarkReady();
    }
}

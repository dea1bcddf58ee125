using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Scales an application in an environment: its autoscaler, then its replicas, then follows the rollout.
/// </summary>
internal sealed class ScaleApplicationRunner(ApplicationDeployer deployer)
    : ApplicationChangeRunner(deployer),
        IOperationRunner
{
    public static string Kind => OperationKinds.ApplicationScale;

    protected override async Task ApplyAsync(
        Operation operation,
        OperationJournal journal,
        ApplicationChange change,
        CancellationToken ct
    )
    {
        await journal.StepAsync(
            operation,
            "autoscaler",
            () => change.Objects.ApplyAutoscalerAsync(change.Manifests.Autoscaler, ct),
            ct
        );
        await journal.StepAsync(
            operation,
            "replicas",
            () => change.Objects.ScaleAsync(change.Deployment.Replicas, ct),
            ct
        );
    }
}

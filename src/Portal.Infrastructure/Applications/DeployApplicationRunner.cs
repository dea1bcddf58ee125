using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Deploys a revision of an application to an environment (a deploy, a rollback, a promotion): applies its ConfigMap
/// and Secret, Deployment, Service, Ingress (holding its hosts) and HorizontalPodAutoscaler, then follows the rollout.
/// </summary>
internal sealed class DeployApplicationRunner(ApplicationDeployer deployer, IngressClaims ingress)
    : ApplicationChangeRunner(deployer),
        IOperationRunner
{
    public static string Kind => OperationKinds.ApplicationDeploy;

    protected override async Task ApplyAsync(
        Operation operation,
        OperationJournal journal,
        ApplicationChange change,
        CancellationToken ct
    )
    {
        var (app, environment, _, running, manifests, objects) = change;
        await journal.StepAsync(operation, "config", () => objects.ApplyConfigAsync(manifests, ct), ct);
        await journal.StepAsync(
            operation,
            "deployment",
            () => objects.ApplyDeploymentAsync(manifests.Deployment, ct),
            ct
        );
        await journal.StepAsync(operation, "service", () => objects.ApplyServiceAsync(manifests.Service, ct), ct);
        await journal.StepAsync(
            operation,
            "ingress",
            async () =>
            {
                await ingress.EnsureHeldAsync(app.Id, environment.Id, running, ct);
                await objects.ApplyIngressAsync(manifests.Ingress, ct);
                await ingress.ReleaseAllButAsync(app.Id, environment.Id, running, ct);
            },
            ct
        );
        await journal.StepAsync(
            operation,
            "autoscaler",
            () => objects.ApplyAutoscalerAsync(manifests.Autoscaler, ct),
            ct
        );
    }
}

using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Restarts an application's pods in an environment by stamping its pod template, then follows the rollout.
/// </summary>
internal sealed class RestartApplicationRunner(ApplicationDeployer deployer)
    : ApplicationChangeRunner(deployer),
        IOperationRunner
{
    private const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
    private readonly ApplicationDeployer _deployer = deployer;

    public static string Kind => OperationKinds.ApplicationRestart;

    protected override Task ApplyAsync(
        Operation operation,
        OperationJournal journal,
        ApplicationChange change,
        CancellationToken ct
    ) =>
        journal.StepAsync(
            operation,
            "restart",
            () => change.Objects.AnnotateTemplateAsync(RestartedAtAnnotation, _deployer.Now.ToString("O"), ct),
            ct
        );
}

using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// Restarts a middleware instance's pods by stamping its StatefulSet's pod template, and waits until it is ready.
/// </summary>
internal sealed class RestartInstanceRunner(InstanceProvisioner provisioner)
    : InstanceChangeRunner(provisioner),
        IOperationRunner
{
    private const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
    private readonly InstanceProvisioner _provisioner = provisioner;

    public static string Kind => OperationKinds.MiddlewareRestart;

    protected override Task ApplyAsync(
        Operation operation,
        OperationJournal journal,
        InstanceChange change,
        CancellationToken ct
    ) =>
        journal.StepAsync(
            operation,
            "restart",
            () =>
                change.Cluster.AnnotateTemplateAsync(
                    change.StatefulSet.Metadata.Name,
                    RestartedAtAnnotation,
                    _provisioner.Now.ToString("O"),
                    ct
                ),
            ct
        );
}

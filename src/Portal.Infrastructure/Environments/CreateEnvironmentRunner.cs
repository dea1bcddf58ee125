using Portal.Domain.Operations;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// Creates an environment: its namespace, the pool's node selector, a ResourceQuota (the environment's share), a
/// LimitRange with defaults, a NetworkPolicy that admits traffic only from the tenant's own namespaces, and, when the
/// portal's registry takes credentials, the pull secret its images are pulled with (<see cref="RegistryPullSecret"/>).
/// </summary>
internal sealed class CreateEnvironmentRunner(EnvironmentProvisioner environments, RegistryConnection registry)
    : EnvironmentRunner(environments),
        IOperationRunner
{
    public static string Kind => OperationKinds.EnvironmentCreate;

    protected override async Task CarryOutAsync(
        Operation operation,
        OperationJournal journal,
        EnvironmentProvisioner.Target target,
        CancellationToken ct
    )
    {
        var (environment, _, pool, owner, client) = target;
        var labels = owner.Labels();
        (string Step, Func<Task> Apply)[] steps =
        [
            ("namespace", () => EnvironmentProvisioner.ApplyNamespaceAsync(client, environment, owner, ct)),
            ("node-selector", () =>
                EnvironmentProvisioner.ApplyNodeSelectorAsync(client, environment.Namespace, pool.Selector, ct)
            ),
            ("resource-quota", () => EnvironmentProvisioner.ApplyResourceQuotaAsync(client, environment, labels, ct)),
            ("limit-range", () => EnvironmentProvisioner.ApplyLimitRangeAsync(client, environment, labels, ct)),
            ("network-policy", () => EnvironmentProvisioner.ApplyNetworkPolicyAsync(client, environment, owner, ct)),
        ];
        if (registry.PullAccess() is { } pull)
            steps =
            [
                .. steps,
                ("pull-secret", () => RegistryPullSecret.ApplyAsync(client, environment.Namespace, pull, labels, ct)),
            ];
        foreach (var (step, apply) in steps)
            await journal.StepAsync(operation, step, apply, ct);
        environment.MarkReady();
    }
}

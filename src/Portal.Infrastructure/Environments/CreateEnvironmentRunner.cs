using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// Creates an environment: its namespace, the pool's node selector, a ResourceQuota (the environment's share), a
/// LimitRange with defaults, and a NetworkPolicy that admits traffic only from the tenant's own namespaces.
/// </summary>
internal sealed class CreateEnvironmentRunner(EnvironmentProvisioner environments)
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
        foreach (var (step, apply) in steps)
            await journal.StepAsync(operation, step, apply, ct);
        environment.MarkReady();
    }
}

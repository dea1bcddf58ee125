using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// Creates an environment: its namespace, the pool's node selector, a ResourceQuota (the environment's share), a LimitRange
/// with defaults, and a NetworkPolicy that admits traffic only from the tenant's own namespaces.
/// </summary>
public sealed class CreateEnvironmentRunner(EnvironmentProvisioner environments) : IOperationRunner
{
    public static string Kind => OperationKinds.EnvironmentCreate;

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var (environment, _, pool, owner, client) = await environments.TargetAsync(operation, deleting: false, ct);
        var labels = owner.Labels();
        await journal.StepAsync(
            operation,
            "namespace",
            () => EnvironmentProvisioner.ApplyNamespaceAsync(client, environment, owner, ct),
            ct
        );
        await journal.StepAsync(
            operation,
            "node-selector",
            () => EnvironmentProvisioner.ApplyNodeSelectorAsync(client, environment.Namespace, pool.Selector, ct),
            ct
        );
        await journal.StepAsync(
            operation,
            "resource-quota",
            () => EnvironmentProvisioner.ApplyResourceQuotaAsync(client, environment, labels, ct),
            ct
        );
        await journal.StepAsync(
            operation,
            "limit-range",
            () => EnvironmentProvisioner.ApplyLimitRangeAsync(client, environment, labels, ct),
            ct
        );
        await journal.StepAsync(
            operation,
            "network-policy",
            () => EnvironmentProvisioner.ApplyNetworkPolicyAsync(client, environment, owner, ct),
            ct
        );
        environment.MarkReady();
    }

    public Task<string?> AfterFailureAsync(
        IServiceProvider services,
        Operation failed,
        Exception failure,
        CancellationToken ct
    ) => EnvironmentProvisioner.MarkFailedAsync(services, failed, ct);
}

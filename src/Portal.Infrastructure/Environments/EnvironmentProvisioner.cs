using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// The job behind "create environment": makes the namespace, its ResourceQuota (the environment's share), a
/// LimitRange with defaults, and a NetworkPolicy that admits traffic only from the tenant's own namespaces.
/// Every step creates or replaces its object, so the job can run twice; a resumed job skips steps already done.
/// </summary>
public sealed class EnvironmentProvisioner(
    PortalDbContext db, KubernetesClients clients, IOperationProgress progress, TimeProvider clock, ILogger<EnvironmentProvisioner> logger)
{
    private readonly Operations.OperationJournal _journal = new(db, progress, clock);
    public const string ManagedBy = "portal";

    public async Task RunAsync(Guid operationId, CancellationToken ct)
    {
        var operation = await db.Operations.IgnoreQueryFilters().FirstOrDefaultAsync(o => o.Id == operationId, ct);
        if (operation is null || !operation.Start(clock.GetUtcNow().UtcDateTime))
            return;
        await _journal.SaveAsync(operation, ct);
        var environment = await db.Environments.IgnoreQueryFilters()
            .FirstAsync(e => e.TenantId == operation.TenantId && e.Name == operation.TargetId, ct);
        var pool = await db.ResourcePools.AsNoTracking().FirstAsync(p => p.Id == environment.PoolId, ct);
        var tenant = await db.Tenants.AsNoTracking().FirstAsync(t => t.Id == environment.TenantId, ct);
        var labels = Labels(tenant.Slug, environment.Name);

        try
        {
            var client = await clients.ForAsync(pool.ClusterId, ct);
            switch (operation.Kind)
            {
                case "environment.delete":
                    await _journal.StepAsync(operation, "delete-namespace", () => DeleteNamespaceAsync(client, environment.Namespace, ct), ct);
                    db.Environments.Remove(environment);
                    break;
                case "environment.update-quota":
                    await _journal.StepAsync(operation, "resource-quota", () => ApplyResourceQuotaAsync(client, environment, labels, ct), ct);
                    environment.MarkReady();
                    break;
                default:
                    await _journal.StepAsync(operation, "namespace", () => ApplyNamespaceAsync(client, environment.Namespace, labels, ct), ct);
                    await _journal.StepAsync(operation, "node-selector", () => ApplyNodeSelectorAsync(client, environment.Namespace, pool.Selector, ct), ct);
                    await _journal.StepAsync(operation, "resource-quota", () => ApplyResourceQuotaAsync(client, environment, labels, ct), ct);
                    await _journal.StepAsync(operation, "limit-range", () => ApplyLimitRangeAsync(client, environment, labels, ct), ct);
                    await _journal.StepAsync(operation, "network-policy", () => ApplyNetworkPolicyAsync(client, environment, tenant.Slug, labels, ct), ct);
                    environment.MarkReady();
                    break;
            }
            operation.Succeed(clock.GetUtcNow().UtcDateTime);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Operation {Operation} ({Kind} of {Target}) failed", operation.Id, operation.Kind, operation.TargetId);
            environment.MarkFailed();
            operation.Fail(ClusterProblems.Explain(e), clock.GetUtcNow().UtcDateTime);
        }
        await _journal.SaveAsync(operation, CancellationToken.None);
    }

    internal static Dictionary<string, string> Labels(string tenant, string environment) => new()
    {
        ["app.kubernetes.io/managed-by"] = ManagedBy, ["portal/tenant"] = tenant, ["portal/environment"] = environment,
    };

    /// <summary>The ResourceQuota's hard limits for an environment's share, in the units Kubernetes reports.</summary>
    internal static Dictionary<string, ResourceQuantity> Hard(ResourceAmounts share) => new()
    {
        ["requests.cpu"] = new($"{share.CpuRequestMillis}m"), ["limits.cpu"] = new($"{share.CpuLimitMillis}m"),
        ["requests.memory"] = new(share.MemoryRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ["limits.memory"] = new(share.MemoryLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ["requests.storage"] = new(share.StorageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ["pods"] = new(share.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static async Task DeleteNamespaceAsync(IKubernetes client, string name, CancellationToken ct)
    {
        try
        {
            await client.CoreV1.DeleteNamespaceAsync(name, propagationPolicy: "Foreground", cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Gone already: an earlier run of this job, or someone else, deleted it.
        }
    }

    internal static async Task ApplyNamespaceAsync(IKubernetes client, string name, Dictionary<string, string> labels, CancellationToken ct)
    {
        var desired = new V1Namespace { Metadata = new V1ObjectMeta { Name = name, Labels = labels } };
        await CreateOrReplaceAsync(
            () => client.CoreV1.CreateNamespaceAsync(desired, cancellationToken: ct),
            async () =>
            {
                var current = await client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct);
                current.Metadata.Labels = Merge(current.Metadata.Labels, labels);
                await client.CoreV1.ReplaceNamespaceAsync(current, name, cancellationToken: ct);
            });
    }

    /// <summary>
    /// The namespace's PodNodeSelector annotation: where a cluster runs that admission plugin, every pod made in the namespace,
    /// by the portal or by hand, gets the pool's selector, and one asking for other nodes is refused. A pool of every node
    /// leaves the cluster's default.
    /// </summary>
    internal static Task ApplyNodeSelectorAsync(IKubernetes client, string name, NodeSelector selector, CancellationToken ct)
    {
        var value = selector.Requirements.Count == 0 ? null : selector.ToString();
        var patch = new V1Patch(System.Text.Json.JsonSerializer.Serialize(new { metadata = new { annotations = new Dictionary<string, string?> { [NodeSelectorAnnotation] = value } } }),
            V1Patch.PatchType.MergePatch);
        return client.CoreV1.PatchNamespaceAsync(patch, name, cancellationToken: ct);
    }

    public const string NodeSelectorAnnotation = "scheduler.alpha.kubernetes.io/node-selector";

    internal static async Task ApplyResourceQuotaAsync(IKubernetes client, TenantEnvironment environment, Dictionary<string, string> labels, CancellationToken ct)
    {
        var desired = new V1ResourceQuota { Metadata = new V1ObjectMeta { Name = "portal-quota", Labels = labels }, Spec = new V1ResourceQuotaSpec { Hard = Hard(environment.Share) } };
        await CreateOrReplaceAsync(
            () => client.CoreV1.CreateNamespacedResourceQuotaAsync(desired, environment.Namespace, cancellationToken: ct),
            async () =>
            {
                var current = await client.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", environment.Namespace, cancellationToken: ct);
                current.Spec = desired.Spec;
                current.Metadata.Labels = Merge(current.Metadata.Labels, labels);
                await client.CoreV1.ReplaceNamespacedResourceQuotaAsync(current, "portal-quota", environment.Namespace, cancellationToken: ct);
            });
    }

    internal static async Task ApplyLimitRangeAsync(IKubernetes client, TenantEnvironment environment, Dictionary<string, string> labels, CancellationToken ct)
    {
        var desired = new V1LimitRange
        {
            Metadata = new V1ObjectMeta { Name = "portal-defaults", Labels = labels },
            Spec = new V1LimitRangeSpec
            {
                Limits =
                [
                    new V1LimitRangeItem
                    {
                        Type = "Container",
                        DefaultRequest = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
                        DefaultProperty = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("512Mi") },
                    },
                ],
            },
        };
        await CreateOrReplaceAsync(
            () => client.CoreV1.CreateNamespacedLimitRangeAsync(desired, environment.Namespace, cancellationToken: ct),
            async () =>
            {
                var current = await client.CoreV1.ReadNamespacedLimitRangeAsync("portal-defaults", environment.Namespace, cancellationToken: ct);
                current.Spec = desired.Spec;
                await client.CoreV1.ReplaceNamespacedLimitRangeAsync(current, "portal-defaults", environment.Namespace, cancellationToken: ct);
            });
    }

    internal static async Task ApplyNetworkPolicyAsync(IKubernetes client, TenantEnvironment environment, string tenant,
        Dictionary<string, string> labels, CancellationToken ct)
    {
        // Pods of this namespace accept traffic only from namespaces of the same tenant.
        var desired = new V1NetworkPolicy
        {
            Metadata = new V1ObjectMeta { Name = "portal-tenant-isolation", Labels = labels },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector(),
                PolicyTypes = ["Ingress"],
                Ingress =
                [
                    new V1NetworkPolicyIngressRule
                    {
                        FromProperty = [new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["portal/tenant"] = tenant } } }],
                    },
                ],
            },
        };
        await CreateOrReplaceAsync(
            () => client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(desired, environment.Namespace, cancellationToken: ct),
            async () =>
            {
                var current = await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync("portal-tenant-isolation", environment.Namespace, cancellationToken: ct);
                current.Spec = desired.Spec;
                await client.NetworkingV1.ReplaceNamespacedNetworkPolicyAsync(current, "portal-tenant-isolation", environment.Namespace, cancellationToken: ct);
            });
    }

    private static async Task CreateOrReplaceAsync(Func<Task> create, Func<Task> replace)
    {
        try
        {
            await create();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            await replace();
        }
    }

    private static Dictionary<string, string> Merge(IDictionary<string, string>? current, Dictionary<string, string> wanted)
    {
        var merged = new Dictionary<string, string>(current ?? new Dictionary<string, string>());
        foreach (var (key, value) in wanted)
            merged[key] = value;
        return merged;
    }
}

using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Audit;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// What the runners of operations on environments share (<see cref="CreateEnvironmentRunner"/>,
/// <see cref="UpdateEnvironmentQuotaRunner"/>, <see cref="DeleteEnvironmentRunner"/>): the environment an operation is
/// about, and the objects of its namespace. Every object is created or replaced, so a job can run twice. A namespace
/// that exists already is used only when it is the environment's own (<see cref="NamespaceClaim"/>).
/// </summary>
public sealed class EnvironmentProvisioner(
    PortalDbContext db,
    KubernetesClients clients,
    TimeProvider clock,
    AuditTrail audit,
    IOptions<NamespaceOptions> namespaces
)
{
    public const string ManagedBy = "portal";

    /// <summary>An environment an operation is about, with its tenant, pool, owner labels and cluster.</summary>
    internal sealed record Target(
        TenantEnvironment Environment,
        Tenant Tenant,
        ResourcePool Pool,
        Ownership Owner,
        IKubernetes Client
    );

    /// <summary>
    /// The environment the operation is about, tracked in the job's unit of work. While the tenant is being deleted
    /// only its deletion may touch it: the tenant's deletion removes its namespaces, and nothing may make one again
    /// behind it.
    /// </summary>
    internal async Task<Target> TargetAsync(Operation operation, bool whileTenantIsDeleted, CancellationToken ct)
    {
        var environment = await db
            .Environments.IgnoreQueryFilters()
            .FirstOrDefaultAsync(e => e.TenantId == operation.TenantId && e.Name == operation.TargetId, ct)
            ?? throw new OperationTargetGone(
                $"Environment '{operation.TargetId}' no longer exists: it was deleted after this operation was queued."
            );
        var pool = await db.ResourcePools.AsNoTracking().FirstAsync(p => p.Id == environment.PoolId, ct);
        var tenant = await db.Tenants.AsNoTracking().FirstAsync(t => t.Id == environment.TenantId, ct);
        if (tenant.Status == TenantStatus.Deleting && !whileTenantIsDeleted)
            throw new InvalidOperationException($"Tenant '{tenant.Slug}' is being deleted.");
        var client = await clients.ForAsync(pool.ClusterId, ct);
        return new Target(environment, tenant, pool, Ownership.Of(environment, tenant.Slug), client);
    }

    /// <summary>After a failed operation, the environment says it failed.</summary>
    internal static async Task<string?> MarkFailedAsync(
        IServiceProvider services,
        Operation failed,
        CancellationToken ct
    )
    {
        var fresh = services.GetRequiredService<PortalDbContext>();
        var environment = await fresh
            .Environments.IgnoreQueryFilters()
            .FirstOrDefaultAsync(e => e.TenantId == failed.TenantId && e.Name == failed.TargetId, ct);
        if (environment is null)
            return null;
        environment.MarkFailed();
        await fresh.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>The ResourceQuota's hard limits for an environment's share, in the units Kubernetes reports.</summary>
    internal static Dictionary<string, ResourceQuantity> Hard(ResourceAmounts share) =>
        new()
        {
            ["requests.cpu"] = new($"{share.CpuRequestMillis}m"),
            ["limits.cpu"] = new($"{share.CpuLimitMillis}m"),
            ["requests.memory"] = new(
                share.MemoryRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ),
            ["limits.memory"] = new(share.MemoryLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["requests.storage"] = new(share.StorageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["pods"] = new(share.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };

    /// <summary>
    /// Deletes the namespace when it is the environment's own and waits until it is gone; another one is left, and said
    /// so in the audit trail as <paramref name="keptAction"/>.
    /// </summary>
    internal async Task DeleteNamespaceAsync(
        IKubernetes client,
        TenantEnvironment environment,
        Tenant tenant,
        string keptAction,
        CancellationToken ct
    )
    {
        if (
            !await NamespaceClaim.DeleteOwnedAsync(
                client,
                environment,
                Ownership.Of(environment, tenant.Slug),
                namespaces.Value.DeletionTimeout,
                clock,
                ct
            )
        )
        {
            audit.Record(
                Actor.System,
                tenant,
                keptAction,
                "environment",
                environment.Name,
                $"namespace '{environment.Namespace}' was left as it is: it was not made "
                    + "by the portal for this environment"
            );
        }
    }

    /// <summary>
    /// Creates the environment's namespace, or labels it again when it is the environment's own; any other is refused.
    /// </summary>
    internal static async Task ApplyNamespaceAsync(
        IKubernetes client,
        TenantEnvironment environment,
        Ownership owner,
        CancellationToken ct
    )
    {
        var (name, labels) = (
            environment.Namespace,
            Merge(owner.Labels(), new Dictionary<string, string>(NamespacePodSecurity.Labels))
        );
        var desired = new V1Namespace
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        };
        await CreateOrReplaceAsync(
            () => client.CoreV1.CreateNamespaceAsync(desired, cancellationToken: ct),
            async () =>
            {
                var current = await client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct);
                if (!NamespaceClaim.IsOwnedBy(current, owner, environment.CreatedAt))
                    throw new NamespaceNotOwnedException(name);
                current.Metadata.Labels = Merge(current.Metadata.Labels, labels);
                await client.CoreV1.ReplaceNamespaceAsync(current, name, cancellationToken: ct);
            }
        );
    }

    /// <summary>
    /// The namespace's PodNodeSelector annotation: where a cluster runs that admission plugin, every pod made in the
    /// namespace, by the portal or by hand, gets the pool's selector, and one asking for other nodes is refused. A pool
    /// of every node leaves the cluster's default.
    /// </summary>
    internal static Task ApplyNodeSelectorAsync(
        IKubernetes client,
        string name,
        NodeSelector selector,
        CancellationToken ct
    )
    {
        var value = selector.Requirements.Count == 0 ? null : selector.ToString();
        var patch = new V1Patch(
            System.Text.Json.JsonSerializer.Serialize(
                new
                {
                    metadata = new
                    {
                        annotations = new Dictionary<string, string?> { [NodeSelectorAnnotation] = value },
                    },
                }
            ),
            V1Patch.PatchType.MergePatch
        );
        return client.CoreV1.PatchNamespaceAsync(patch, name, cancellationToken: ct);
    }

    public const string NodeSelectorAnnotation = "scheduler.alpha.kubernetes.io/node-selector";

    internal static async Task ApplyResourceQuotaAsync(
        IKubernetes client,
        TenantEnvironment environment,
        Dictionary<string, string> labels,
        CancellationToken ct
    )
    {
        var desired = new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "portal-quota", Labels = labels },
            Spec = new V1ResourceQuotaSpec { Hard = Hard(environment.Share) },
        };
        await CreateOrReplaceAsync(
            () =>
                client.CoreV1.CreateNamespacedResourceQuotaAsync(desired, environment.Namespace, cancellationToken: ct),
            async () =>
            {
                var current = await client.CoreV1.ReadNamespacedResourceQuotaAsync(
                    "portal-quota",
                    environment.Namespace,
                    cancellationToken: ct
                );
                current.Spec = desired.Spec;
                current.Metadata.Labels = Merge(current.Metadata.Labels, labels);
                await client.CoreV1.ReplaceNamespacedResourceQuotaAsync(
                    current,
                    "portal-quota",
                    environment.Namespace,
                    cancellationToken: ct
                );
            }
        );
    }

    internal static async Task ApplyLimitRangeAsync(
        IKubernetes client,
        TenantEnvironment environment,
        Dictionary<string, string> labels,
        CancellationToken ct
    )
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
                        DefaultRequest = new Dictionary<string, ResourceQuantity>
                        {
                            ["cpu"] = new("100m"),
                            ["memory"] = new("128Mi"),
                        },
                        DefaultProperty = new Dictionary<string, ResourceQuantity>
                        {
                            ["cpu"] = new("500m"),
                            ["memory"] = new("512Mi"),
                        },
                    },
                ],
            },
        };
        await CreateOrReplaceAsync(
            () => client.CoreV1.CreateNamespacedLimitRangeAsync(desired, environment.Namespace, cancellationToken: ct),
            async () =>
            {
                var current = await client.CoreV1.ReadNamespacedLimitRangeAsync(
                    "portal-defaults",
                    environment.Namespace,
                    cancellationToken: ct
                );
                current.Spec = desired.Spec;
                current.Metadata.Labels = Merge(current.Metadata.Labels, labels);
                await client.CoreV1.ReplaceNamespacedLimitRangeAsync(
                    current,
                    "portal-defaults",
                    environment.Namespace,
                    cancellationToken: ct
                );
            }
        );
    }

    internal static async Task ApplyNetworkPolicyAsync(
        IKubernetes client,
        TenantEnvironment environment,
        Ownership owner,
        CancellationToken ct
    )
    {
        // Pods of this namespace accept traffic only from namespaces of the same tenant, known by its id.
        var labels = owner.Labels();
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
                        FromProperty =
                        [
                            new V1NetworkPolicyPeer
                            {
                                NamespaceSelector = new V1LabelSelector { MatchLabels = owner.TenantSelector() },
                            },
                        ],
                    },
                ],
            },
        };
        await CreateOrReplaceAsync(
            () =>
                client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(
                    desired,
                    environment.Namespace,
                    cancellationToken: ct
                ),
            async () =>
            {
                var current = await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(
                    "portal-tenant-isolation",
                    environment.Namespace,
                    cancellationToken: ct
                );
                current.Spec = desired.Spec;
                current.Metadata.Labels = Merge(current.Metadata.Labels, labels);
                await client.NetworkingV1.ReplaceNamespacedNetworkPolicyAsync(
                    current,
                    "portal-tenant-isolation",
                    environment.Namespace,
                    cancellationToken: ct
                );
            }
        );
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

    private static Dictionary<string, string> Merge(
        IDictionary<string, string>? current,
        Dictionary<string, string> wanted
    )
    {
        var merged = new Dictionary<string, string>(current ?? new Dictionary<string, string>());
        foreach (var (key, value) in wanted)
            merged[key] = value;
        return merged;
    }
}

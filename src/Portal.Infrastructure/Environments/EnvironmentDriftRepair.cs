using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// A recurring job: compares each ready environment's namespace objects with what the portal wants them to
/// be, and puts back what was changed or deleted by hand (a ResourceQuota edited with kubectl, say), with an
/// audit event that says what it repaired. A namespace of the environment's name that is not the environment's own
/// (deleted and made again by someone else) is left untouched: the environment is marked failed, and that is audited.
/// </summary>
public sealed class EnvironmentDriftRepair(
    PortalDbContext db,
    KubernetesClients clients,
    AuditTrail audit,
    ILogger<EnvironmentDriftRepair> logger
)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var environments = await db
            .Environments.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(e => e.State == EnvironmentState.Ready)
            .Join(
                db.ResourcePools,
                e => e.PoolId,
                p => p.Id,
                (e, p) =>
                    new
                    {
                        Environment = e,
                        p.ClusterId,
                        p.NodeSelector,
                    }
            )
            .Join(
                db.Tenants,
                x => x.Environment.TenantId,
                t => t.Id,
                (x, t) =>
                    new
                    {
                        x.Environment,
                        x.ClusterId,
                        x.NodeSelector,
                        Tenant = t,
                    }
            )
            .ToListAsync(ct);
        foreach (var item in environments)
        {
            try
            {
                var client = await clients.ForAsync(item.ClusterId, ct);
                var repaired = await RepairAsync(client, item.Environment, item.Tenant.Slug, ct);
                if (
                    await RepairNodeSelectorAsync(
                        client,
                        item.Environment.Namespace,
                        NodeSelector.Parse(item.NodeSelector).Value,
                        ct
                    ) is
                    { } restored
                )
                    repaired.Add(restored);
                if (repaired.Count > 0)
                {
                    audit.Record(
                        Actor.System,
                        item.Tenant,
                        EnvironmentAuditActions.DriftRepaired,
                        "environment",
                        item.Environment.Name,
                        string.Join("; ", repaired)
                    );
                    await db.SaveChangesAsync(ct);
                }
            }
            catch (NamespaceNotOwnedException e)
            {
                logger.LogWarning(
                    "Environment {Environment} was not repaired: {Reason}",
                    item.Environment.Name,
                    e.Message
                );
                await db
                    .Environments.IgnoreQueryFilters()
                    .Where(x => x.Id == item.Environment.Id)
                    .ExecuteUpdateAsync(
                        x => x.SetProperty(environment => environment.State, EnvironmentState.Failed),
                        ct
                    );
                audit.Record(
                    Actor.System,
                    item.Tenant,
                    EnvironmentAuditActions.DriftRefused,
                    "environment",
                    item.Environment.Name,
                    e.Message,
                    AuditOutcome.Failed
                );
                await db.SaveChangesAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(
                    e,
                    "Drift of environment {Environment} could not be checked",
                    item.Environment.Namespace
                );
            }
        }
    }

    private static async Task<List<string>> RepairAsync(
        IKubernetes client,
        TenantEnvironment environment,
        string tenant,
        CancellationToken ct
    )
    {
        var repaired = new List<string>();
        var owner = Ownership.Of(environment, tenant);
        var labels = owner.Labels();
        var ns = environment.Namespace;

        var current = await ReadAsync(() => client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct));
        // Nothing inside a namespace that is not the environment's is looked at, let alone repaired.
        if (current is not null && !NamespaceClaim.IsOwnedBy(current, owner, environment.CreatedAt))
            throw new NamespaceNotOwnedException(ns);
        if (
            current is null
            || labels
                .Concat(NamespacePodSecurity.Labels)
                .Any(l =>
                    current.Metadata.Labels is null
                    || !current.Metadata.Labels.TryGetValue(l.Key, out var v)
                    || v != l.Value
                )
        )
        {
            await EnvironmentProvisioner.ApplyNamespaceAsync(client, environment, owner, ct);
            repaired.Add(current is null ? "namespace re-created" : "namespace labels restored");
        }

        var quota = await ReadAsync(() =>
            client.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", ns, cancellationToken: ct)
        );
        var wanted = EnvironmentProvisioner.Hard(environment.Share);
        var drifted = quota is null
            ? null
            : wanted.Keys.Where(k => !SameAmount(quota.Spec?.Hard, k, wanted[k])).ToList();
        if (quota is null || drifted!.Count > 0)
        {
            await EnvironmentProvisioner.ApplyResourceQuotaAsync(client, environment, labels, ct);
            repaired.Add(
                quota is null ? "ResourceQuota re-created" : $"ResourceQuota restored ({string.Join(", ", drifted!)})"
            );
        }

        if (
            await ReadAsync(() =>
                client.CoreV1.ReadNamespacedLimitRangeAsync("portal-defaults", ns, cancellationToken: ct)
            )
            is null
        )
        {
            await EnvironmentProvisioner.ApplyLimitRangeAsync(client, environment, labels, ct);
            repaired.Add("LimitRange re-created");
        }

        var policy = await ReadAsync(() =>
            client.NetworkingV1.ReadNamespacedNetworkPolicyAsync("portal-tenant-isolation", ns, cancellationToken: ct)
        );
        var allowsOnlyTenant =
            policy?.Spec?.Ingress is [{ FromProperty: [{ NamespaceSelector.MatchLabels: { } match }] }]
            && match.Count == 1
            && owner.TenantSelector().All(l => match.TryGetValue(l.Key, out var value) && value == l.Value);
        if (!allowsOnlyTenant)
        {
            await EnvironmentProvisioner.ApplyNetworkPolicyAsync(client, environment, owner, ct);
            repaired.Add(policy is null ? "NetworkPolicy re-created" : "NetworkPolicy restored");
        }
        return repaired;
    }

    private static async Task<string?> RepairNodeSelectorAsync(
        IKubernetes client,
        string ns,
        NodeSelector selector,
        CancellationToken ct
    )
    {
        var current = await ReadAsync(() => client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct));
        var annotation =
            current?.Metadata.Annotations?.TryGetValue(EnvironmentProvisioner.NodeSelectorAnnotation, out var value)
            == true
                ? value
                : null;
        var wanted = selector.Requirements.Count == 0 ? null : selector.ToString();
        if (current is null || annotation == wanted)
            return null;
        await EnvironmentProvisioner.ApplyNodeSelectorAsync(client, ns, selector, ct);
        return "node selector restored";
    }

    private static bool SameAmount(IDictionary<string, ResourceQuantity>? hard, string key, ResourceQuantity wanted) =>
        hard is not null
        && hard.TryGetValue(key, out var actual)
        && Quantity.TryParse(actual.ToString(), out var a)
        && Quantity.TryParse(wanted.ToString(), out var b)
        && a == b;

    private static async Task<T?> ReadAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}

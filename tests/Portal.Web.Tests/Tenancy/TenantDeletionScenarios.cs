using System.Net;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Tenancy;

/// <summary>
/// Deleting a tenant in the embedded sandbox cluster: its namespaces go first, and its slug comes back empty.
/// </summary>
public abstract class TenantDeletionScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    /// <summary>
    /// Namespaces are named from the slug and NetworkPolicies used to admit traffic by slug: a tenant deleted while its
    /// workloads ran handed them, their Secrets and their volumes to the next tenant given the same slug.
    /// </summary>
    [SkippableFact]
    public async Task A_tenant_recreated_with_a_deleted_tenants_slug_gets_none_of_its_workloads_secrets_volumes_or_network_access()
    {
        var (old, oldAdmin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await World.ReadyEnvironmentAsync(old, oldAdmin, pool, "prod", cpu: "1");
        using var cluster = World.Client();
        var ns = $"{old.Slug}-prod";
        await cluster.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new() { Name = "db-password" },
                StringData = new Dictionary<string, string> { ["password"] = "old-tenants-secret" },
            },
            ns
        );
        await cluster.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(
            new V1PersistentVolumeClaim
            {
                Metadata = new() { Name = "data-db-0" },
                Spec = new()
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new()
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                    },
                },
            },
            ns
        );
        var platformAdmin = await Arrange.AdminAsync();

        var deleted = await platformAdmin.PostFormAsync(
            $"/admin/tenants/{old.Slug}/delete",
            new() { ["confirmSlug"] = old.Slug }
        );
        await SandboxWorld.EventuallyAsync(
            () => Arrange.QueryAsync(db => db.Tenants.AllAsync(t => t.Id != old.Id)),
            "the tenant to be deleted"
        );
        var namespacesLeft = (await cluster.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}"))
            .Items
            .Count;
        var reborn = await Arrange.TenantAsync(old.Slug, "Same slug, someone else");
        var rebornAdmin = await World.GrantAsync(reborn, pool, cpu: "4");
        await World.ReadyEnvironmentAsync(reborn, rebornAdmin, pool, "prod", cpu: "1");

        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Equal(0, namespacesLeft);
        var rebornNamespace = await cluster.CoreV1.ReadNamespaceAsync(ns);
        Assert.Equal(reborn.Id.ToString(), rebornNamespace.Metadata.Labels["portal/tenant-id"]);
        Assert.DoesNotContain((await cluster.CoreV1.ListNamespacedSecretAsync(ns)).Items, s =>
            s.Metadata.Name == "db-password"
        );
        Assert.Empty((await cluster.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items);
        Assert.Empty(await PoliciesAdmittingAsync(cluster, rebornNamespace, except: reborn));
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.AuditEvents.AnyAsync(a => a.TenantId == old.Id && a.Action == "tenant.deleted")
            )
        );
        Assert.False(await Arrange.QueryAsync(db => db.MetricSubjects.AnyAsync(s => s.TenantId == old.Id)));
    }

    [SkippableFact]
    public async Task The_tenant_page_says_which_namespaces_a_deletion_takes_down_before_it_is_confirmed()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", cpu: "1");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "prod", cpu: "1");
        var platformAdmin = await Arrange.AdminAsync();

        var page = WebUtility.HtmlDecode(
            await (await platformAdmin.GetAsync($"/admin/tenants/{tenant.Slug}")).Content.ReadAsStringAsync()
        );
        var unconfirmed = await platformAdmin.PostFormAsync(
            $"/admin/tenants/{tenant.Slug}/delete",
            new() { ["confirmSlug"] = "wrong" }
        );

        Assert.Contains($"{tenant.Slug}-dev", page);
        Assert.Contains($"{tenant.Slug}-prod", page);
        Assert.Contains("2 environments", page);
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.Tenants.AnyAsync(t => t.Id == tenant.Id && t.Status == TenantStatus.Active)
            )
        );
        using var cluster = World.Client();
        Assert.Single(
            (await cluster.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={tenant.Slug}-prod")).Items
        );
    }

    /// <summary>
    /// NetworkPolicies anywhere in the cluster whose namespace selector admits traffic from this namespace, but the
    /// tenant's own.
    /// </summary>
    private static async Task<List<string>> PoliciesAdmittingAsync(IKubernetes cluster, V1Namespace ns, Tenant except)
    {
        var owners = (await cluster.CoreV1.ListNamespaceAsync()).Items.ToDictionary(
            n => n.Metadata.Name,
            n => Label(n.Metadata.Labels, "portal/tenant-id")
        );
        var policies = await cluster.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync();
        return policies
            .Items.Where(p => owners.GetValueOrDefault(p.Metadata.NamespaceProperty) != except.Id.ToString())
            .Where(p =>
                (p.Spec.Ingress ?? [])
                    .SelectMany(i => i.FromProperty ?? [])
                    .Any(peer =>
                        peer.NamespaceSelector?.MatchLabels is { } match
                        && match.All(l => Label(ns.Metadata.Labels, l.Key) == l.Value)
                    )
            )
            .Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}")
            .ToList();
    }

    private static string? Label(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var value) ? value : null;
}

[Trait("Database", "Sqlite")]
public sealed class TenantDeletionOnSqlite(SandboxPortal portal)
    : TenantDeletionScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class TenantDeletionOnPostgres(PostgresSandboxPortal portal)
    : TenantDeletionScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;

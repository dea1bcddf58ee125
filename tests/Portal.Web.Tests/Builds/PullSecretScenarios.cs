using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Environments;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// A portal whose registry is a configured one with a pull user beside its push user, on the sandbox cluster.
/// </summary>
public sealed class RegistrySandboxPortal : SandboxPortalOn
{
    public const string Host = "registry.portal.test";
    public const string PullUser = "robot$pull";
    public const string PullPassword = "pull-pa55";

    protected override DatabaseKind Kind => DatabaseKind.Sqlite;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Portal:Builds:Registry:Embedded"] = "false",
            ["Portal:Builds:Registry:Url"] = $"https://{Host}",
            ["Portal:Builds:Registry:User"] = "robot$push",
            ["Portal:Builds:Registry:Password"] = "push-pa55",
            ["Portal:Builds:Registry:PullUser"] = PullUser,
            ["Portal:Builds:Registry:PullPassword"] = PullPassword,
        };
}

/// <summary>
/// The registry's pull secret in environments' namespaces: made by the environment job, written again by every deploy,
/// named by the Deployments of images in the portal's registry only.
/// </summary>
public sealed class PullSecretScenarios(RegistrySandboxPortal portal) : IClassFixture<RegistrySandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private async Task<(Tenant Tenant, HttpClient Api)> TenantWithDevAsync()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "8");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "2");
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        return (tenant, api);
    }

    private static JsonElement Auth(k8s.Models.V1Secret secret) =>
        JsonDocument
            .Parse(secret.Data[RegistryPullSecret.Key])
            .RootElement.GetProperty("auths")
            .GetProperty(RegistrySandboxPortal.Host);

    private async Task<Operation> DeployAsync(HttpClient api, Tenant tenant, string app, string image)
    {
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps",
            new
            {
                name = app,
                description = "pulls",
                owner = "team",
                spec = new
                {
                    image,
                    resources = new
                    {
                        cpuRequestMillis = 100,
                        cpuLimitMillis = 100,
                        memoryRequestBytes = 64L << 20,
                        memoryLimitBytes = 64L << 20,
                    },
                    replicas = 1,
                },
            }
        );
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var accepted = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/{app}/environments/dev/deploy",
            new { }
        );
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("operation").GetGuid();
        Operation? operation = null;
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                operation = await Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == id)
                );
                return operation.IsFinished;
            },
            "the deploy to finish",
            40
        );
        return operation!;
    }

    [SkippableFact]
    public async Task An_environments_namespace_gets_the_registrys_pull_credential_as_a_managed_secret()
    {
        var (tenant, _) = await TenantWithDevAsync();

        using var cluster = World.Client();
        var secret = await cluster.CoreV1.ReadNamespacedSecretAsync(RegistryPullSecret.Name, $"{tenant.Slug}-dev");

        Assert.Equal("kubernetes.io/dockerconfigjson", secret.Type);
        var auth = Auth(secret);
        Assert.Equal(RegistrySandboxPortal.PullUser, auth.GetProperty("username").GetString());
        Assert.Equal(RegistrySandboxPortal.PullPassword, auth.GetProperty("password").GetString());
        Assert.Equal(
            $"{RegistrySandboxPortal.PullUser}:{RegistrySandboxPortal.PullPassword}",
            Encoding.UTF8.GetString(Convert.FromBase64String(auth.GetProperty("auth").GetString()!))
        );
        Assert.Equal("portal", secret.Metadata.Labels[Ownership.ManagedByLabel]);
        Assert.Equal(tenant.Id.ToString(), secret.Metadata.Labels[Ownership.TenantIdLabel]);
    }

    [SkippableFact]
    public async Task Pods_of_an_image_in_the_portals_registry_pull_with_the_secret_and_others_without_it()
    {
        var (tenant, api) = await TenantWithDevAsync();
        var ns = $"{tenant.Slug}-dev";

        var built = await DeployAsync(
            api,
            tenant,
            "built",
            $"{RegistrySandboxPortal.Host}/{tenant.Slug}/built@sha256:{new string('7', 64)}"
        );
        var hub = await DeployAsync(api, tenant, "hub", "nginx:1.27");

        Assert.Equal(OperationState.Succeeded, built.State);
        Assert.Equal(OperationState.Succeeded, hub.State);
        Assert.Equal("pull-secret", built.Steps[0].Name);
        using var cluster = World.Client();
        var builtPods = (await cluster.AppsV1.ReadNamespacedDeploymentAsync("built", ns)).Spec.Template.Spec;
        var hubPods = (await cluster.AppsV1.ReadNamespacedDeploymentAsync("hub", ns)).Spec.Template.Spec;
        Assert.Equal([RegistryPullSecret.Name], builtPods.ImagePullSecrets.Select(s => s.Name));
        Assert.True(hubPods.ImagePullSecrets is null or { Count: 0 });
    }

    [SkippableFact]
    public async Task A_deploy_writes_the_current_credential_over_a_changed_secret()
    {
        var (tenant, api) = await TenantWithDevAsync();
        var ns = $"{tenant.Slug}-dev";
        using var cluster = World.Client();
        var stale = await cluster.CoreV1.ReadNamespacedSecretAsync(RegistryPullSecret.Name, ns);
        stale.Data[RegistryPullSecret.Key] = Encoding.UTF8.GetBytes("{\"auths\":{}}");
        await cluster.CoreV1.ReplaceNamespacedSecretAsync(stale, RegistryPullSecret.Name, ns);

        var deployed = await DeployAsync(api, tenant, "web", $"{RegistrySandboxPortal.Host}/{tenant.Slug}/web:1");

        Assert.Equal(OperationState.Succeeded, deployed.State);
        var secret = await cluster.CoreV1.ReadNamespacedSecretAsync(RegistryPullSecret.Name, ns);
        Assert.Equal(RegistrySandboxPortal.PullPassword, Auth(secret).GetProperty("password").GetString());
    }

    [SkippableFact]
    public async Task A_tenants_deploy_writes_only_its_own_namespace_and_each_secret_is_labelled_as_its_own()
    {
        var (first, firstApi) = await TenantWithDevAsync();
        var (second, _) = await TenantWithDevAsync();
        using var cluster = World.Client();
        var secondNs = $"{second.Slug}-dev";
        var before = await cluster.CoreV1.ReadNamespacedSecretAsync(RegistryPullSecret.Name, secondNs);

        await DeployAsync(firstApi, first, "web", $"{RegistrySandboxPortal.Host}/{first.Slug}/web:1");

        var after = await cluster.CoreV1.ReadNamespacedSecretAsync(RegistryPullSecret.Name, secondNs);
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Equal(second.Id.ToString(), after.Metadata.Labels[Ownership.TenantIdLabel]);
        var firstSecret = await cluster.CoreV1.ReadNamespacedSecretAsync(RegistryPullSecret.Name, $"{first.Slug}-dev");
        Assert.Equal(first.Id.ToString(), firstSecret.Metadata.Labels[Ownership.TenantIdLabel]);
    }
}

/// <summary>Without a registry there is nothing to pull with, and no secret is made.</summary>
public sealed class NoPullSecretScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    [SkippableFact]
    public async Task Without_a_registry_no_pull_secret_is_made_and_pods_name_none()
    {
        var world = new SandboxWorld(portal.Factory);
        var (tenant, admin, pool) = await world.TenantWithQuotaAsync(cpu: "4");
        await world.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "2");

        using var cluster = world.Client();
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() =>
            cluster.CoreV1.ReadNamespacedSecretAsync(RegistryPullSecret.Name, $"{tenant.Slug}-dev")
        );

        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
    }
}

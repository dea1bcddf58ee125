using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Middleware;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Web.Middleware;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Middleware;

/// <summary>
/// Middleware instances provisioned, changed, bound and deleted in the embedded sandbox cluster through the API, on
/// each database provider.
/// </summary>
public abstract class MiddlewareInstanceScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private async Task<(Tenant Tenant, HttpClient Api, string Slug)> WorldAsync(string cpu = "4", string memory = "2Gi")
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "20");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", cpu, memory);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        return (tenant, api, tenant.Slug);
    }

    private static Task<HttpResponseMessage> ProvisionAsync(
        HttpClient api,
        string slug,
        string name,
        string version = "7.2.7",
        string plan = "small",
        object? parameters = null
    ) =>
        api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/middleware/instances",
            new
            {
                environment = "dev",
                name,
                template = "redis",
                version,
                plan,
                parameters = parameters ?? new { },
            }
        );

    private async Task<Operation> RunAsync(HttpResponseMessage accepted, int seconds = 40)
    {
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        Assert.Matches("^/api/v1/tenants/[a-z0-9-]+/operations$", accepted.Headers.Location?.OriginalString);
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
            "the operation to finish",
            seconds
        );
        Assert.True(operation!.State == OperationState.Succeeded, operation.Error);
        return operation;
    }

    private async Task<string> ReadyRedisAsync(
        HttpClient api,
        string slug,
        string name = "cache",
        string version = "7.2.7"
    )
    {
        await RunAsync(await ProvisionAsync(api, slug, name, version));
        return name;
    }

    private Task<MiddlewareInstance> InstanceAsync(Tenant tenant, string name) =>
        Arrange.QueryAsync(db =>
            db.MiddlewareInstances.IgnoreQueryFilters()
                .AsNoTracking()
                .SingleAsync(i => i.TenantId == tenant.Id && i.Name == name)
        );

    private static async Task DeployAppAsync(HttpClient api, string slug, string app)
    {
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps",
            new
            {
                name = app,
                description = "the shop",
                owner = "team-shop",
                spec = new
                {
                    image = "nginx:1.27",
                    environment = new object[]
                    {
                        new
                        {
                            name = "MODE",
                            value = "test",
                            isSecret = false,
                        },
                    },
                    resources = new
                    {
                        cpuRequestMillis = 100,
                        cpuLimitMillis = 200,
                        memoryRequestBytes = 64L << 20,
                        memoryLimitBytes = 128L << 20,
                    },
                    replicas = 1,
                },
            }
        );
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_follower_of_an_instance_is_told_as_its_operations_move_on_and_only_members_of_its_tenant_may_follow_it()
    {
        var (tenant, api, slug) = await WorldAsync();
        var name = await ReadyRedisAsync(api, slug);
        var member = await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer);
        var stranger = await Arrange.ServiceAccountAsync(await Arrange.TenantAsync(), TenantRole.TenantAdmin);
        var hubs = new SandboxApps(portal.Factory);
        await using var follower = await hubs.ConnectAsync(
            InstancesHub.Path,
            await Arrange.TokenAsync(portal.Factory.CreateClient(), member.ClientId, member.Secret)
        );
        await using var foreign = await hubs.ConnectAsync(
            InstancesHub.Path,
            await Arrange.TokenAsync(portal.Factory.CreateClient(), stranger.ClientId, stranger.Secret)
        );
        var ended = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var leaked = new System.Collections.Concurrent.ConcurrentQueue<JsonElement>();
        follower.On<JsonElement>(InstancesHub.InstanceChanged, update =>
        {
            if (update.GetProperty("state").GetString() is "Succeeded" or "Failed")
                ended.TrySetResult(update);
        });
        foreign.On<JsonElement>(InstancesHub.InstanceChanged, leaked.Enqueue);

        var before = await follower.InvokeAsync<InstanceLiveView>("Follow", slug, "dev", name);
        var refused = await Assert.ThrowsAsync<HubException>(() =>
            foreign.InvokeAsync<InstanceLiveView>("Follow", slug, "dev", name)
        );
        var unknown = await Assert.ThrowsAsync<HubException>(() =>
            follower.InvokeAsync<InstanceLiveView>("Follow", slug, "dev", "nothing")
        );
        var restarted = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/middleware/instances/dev/{name}/restart",
            new { }
        );
        var update = await ended.Task.WaitAsync(TimeSpan.FromSeconds(40));
        var after = await follower.InvokeAsync<InstanceLiveView>("Follow", slug, "dev", name);

        Assert.Equal(InstanceState.Ready, before.State);
        Assert.NotNull(before.Endpoint);
        Assert.Contains("not a member", refused.Message);
        Assert.Contains("was not found", unknown.Message);
        Assert.Equal(HttpStatusCode.Accepted, restarted.StatusCode);
        Assert.Equal($"{name}/dev", update.GetProperty("targetId").GetString());
        Assert.Equal("Succeeded", update.GetProperty("state").GetString());
        Assert.Equal(InstanceState.Ready, after.State);
        Assert.Empty(leaked);
    }

    [SkippableFact]
    public async Task Provisioning_Redis_runs_it_to_ready_with_a_generated_password_and_records_its_endpoint()
    {
        var (tenant, api, slug) = await WorldAsync();

        var provisioned = await RunAsync(await ProvisionAsync(api, slug, "cache"));

        Assert.Equal(["objects", "ready"], provisioned.Steps.Select(s => s.Name));
        using var cluster = World.Client();
        var ns = $"{slug}-dev";
        var set = await cluster.AppsV1.ReadNamespacedStatefulSetAsync("cache", ns);
        Assert.Equal(1, set.Status.ReadyReplicas);
        Assert.Equal("redis:7.2.7", set.Spec.Template.Spec.Containers[0].Image);
        var password = Encoding.UTF8.GetString(
            (await cluster.CoreV1.ReadNamespacedSecretAsync("cache-credentials", ns)).Data["password"]
        );
        Assert.Equal(32, password.Length);
        var instance = await InstanceAsync(tenant, "cache");
        Assert.Equal(InstanceState.Ready, instance.State);
        Assert.Equal($"cache.{ns}.svc.cluster.local:6379", instance.Endpoint);
        Assert.DoesNotContain(password, instance.SealedCredentials);
        var shown = await api.GetStringAsync($"/api/v1/tenants/{slug}/middleware/instances/dev/cache");
        Assert.DoesNotContain(password, shown);
        Assert.Contains("redis://default:", shown);

        // The watch keeps its pod; the page offers its log, which any member downloads, and no other tenant can.
        var pod = "cache-0";
        await SandboxWorld.EventuallyAsync(
            () => Arrange.QueryAsync(db => db.WorkloadPods.AnyAsync(w => w.Namespace == ns && w.Name == pod)),
            "the watch to see cache-0"
        );
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.Viewer));
        var page = await (await viewer.GetAsync($"/t/{slug}/middleware/dev/cache")).Content.ReadAsStringAsync();
        var log = await viewer.GetAsync($"/t/{slug}/middleware/dev/cache/pods/{pod}/log?lines=5");
        var otherTenant = await Arrange.TenantAsync();
        var stranger = await Arrange.SignedInAsync(
            await Arrange.MemberAsync(otherTenant, Domain.Tenancy.TenantRole.TenantAdmin)
        );
        var strangerLog = await stranger.GetAsync($"/t/{otherTenant.Slug}/middleware/dev/cache/pods/{pod}/log?lines=5");
        Assert.Contains($"/pods/{pod}/log", page);
        Assert.Contains($"data-copy=\"cache.{ns}.svc.cluster.local:6379\"", page);
        Assert.Contains("data-copy=\"redis://default:", page);
        Assert.DoesNotContain(password, page);
        Assert.Contains("/js/copy.js", page);
        Assert.Equal(System.Net.HttpStatusCode.OK, log.StatusCode);
        Assert.NotEmpty((await log.Content.ReadAsStringAsync()).Trim());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, strangerLog.StatusCode);
    }

    [SkippableFact]
    public async Task An_instance_is_not_provisioned_into_a_namespace_of_the_same_name_that_someone_else_made()
    {
        var (_, api, slug) = await WorldAsync();
        using var cluster = World.Client();
        var ns = $"{slug}-dev";
        await World.ReplaceNamespaceBehindThePortalAsync(ns);

        var accepted = await ProvisionAsync(api, slug, "cache");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
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
            "the provisioning to finish"
        );

        Assert.Equal(OperationState.Failed, operation!.State);
        Assert.Contains(
            $"Namespace '{ns}' exists but was not made by the portal for this environment",
            operation.Error
        );
        Assert.Empty((await cluster.AppsV1.ListNamespacedStatefulSetAsync(ns)).Items);
        Assert.Empty((await cluster.CoreV1.ListNamespacedSecretAsync(ns)).Items);
    }

    [SkippableFact]
    public async Task Revealing_the_credentials_shows_the_password_and_is_audited()
    {
        var (tenant, api, slug) = await WorldAsync();
        await ReadyRedisAsync(api, slug);
        using var cluster = World.Client();
        var password = Encoding.UTF8.GetString(
            (await cluster.CoreV1.ReadNamespacedSecretAsync("cache-credentials", $"{slug}-dev")).Data["password"]
        );

        var revealed = await api.PostAsync($"/api/v1/tenants/{slug}/middleware/instances/dev/cache/reveal", null);

        Assert.Equal(HttpStatusCode.OK, revealed.StatusCode);
        var body = await revealed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(password, body.GetProperty("credentials").GetProperty("password").GetString());
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.AuditEvents.AnyAsync(a =>
                    a.TenantId == tenant.Id
                    && a.Action == "middleware.credentials-revealed"
                    && a.TargetId == "cache/dev"
                )
            )
        );
    }

    [SkippableFact]
    public async Task Provisioning_is_refused_beyond_the_tenants_instance_quota_of_the_pool()
    {
        var (_, api, slug) = await WorldAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await ProvisionAsync(api, slug, "one")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await ProvisionAsync(api, slug, "two")).StatusCode);

        var third = await ProvisionAsync(api, slug, "three");

        Assert.Equal(HttpStatusCode.Forbidden, third.StatusCode);
        Assert.Contains("Over quota in pool", await third.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task Instances_provisioned_at_once_in_several_environments_cannot_exceed_the_tenants_instances_in_the_pool()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "20");
        string[] environments = ["one", "two", "three", "four"];
        foreach (var environment in environments)
            await World.ReadyEnvironmentAsync(tenant, admin, pool, environment, cpu: "1", memory: "1Gi", pods: "10");
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));

        // The grant allows two instances in the pool; each environment's share has room for one.
        var answers = await Task.WhenAll(
            environments.Select(environment =>
                api.PostAsJsonAsync(
                    $"/api/v1/tenants/{tenant.Slug}/middleware/instances",
                    new
                    {
                        environment,
                        name = "cache",
                        template = "redis",
                        version = "7.2.7",
                        plan = "small",
                        parameters = new { },
                    }
                )
            )
        );

        Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(
            2,
            await Arrange.QueryAsync(db =>
                db.MiddlewareInstances.IgnoreQueryFilters().CountAsync(i => i.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task Provisioning_is_refused_when_the_environment_share_has_not_the_CPU()
    {
        var (_, api, slug) = await WorldAsync(cpu: "300m");

        var refused = await ProvisionAsync(api, slug, "cache");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Over quota in environment 'dev'", body);
        Assert.Contains("CPU limits", body);
    }

    [SkippableFact]
    public async Task Bad_parameters_and_names_are_refused_with_the_field_named()
    {
        var (_, api, slug) = await WorldAsync();
        await DeployAppAsync(api, slug, "shop");

        var badParameter = await ProvisionAsync(
            api,
            slug,
            "cache",
            parameters: new { maxmemory_policy = "forget-everything" }
        );
        var badName = await ProvisionAsync(api, slug, "Cache_1");
        var badVersion = await ProvisionAsync(api, slug, "cache", version: "6.0.0");
        var appName = await ProvisionAsync(api, slug, "shop");

        Assert.Equal(HttpStatusCode.BadRequest, badParameter.StatusCode);
        Assert.Contains("maxmemory_policy", await badParameter.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Contains("not a valid instance name", await badName.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badVersion.StatusCode);
        Assert.Contains("6.0.0", await badVersion.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, appName.StatusCode);
        Assert.Contains("name of an application", await appName.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task Upgrading_within_the_major_line_changes_the_image_and_across_lines_is_refused()
    {
        var (_, api, slug) = await WorldAsync();
        await ReadyRedisAsync(api, slug);

        var across = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/upgrade",
            new { version = "8.0.2" }
        );
        await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/upgrade",
                new { version = "7.4.2" }
            )
        );

        Assert.Equal(HttpStatusCode.BadRequest, across.StatusCode);
        using var cluster = World.Client();
        var set = await cluster.AppsV1.ReadNamespacedStatefulSetAsync("cache", $"{slug}-dev");
        Assert.Equal("redis:7.4.2", set.Spec.Template.Spec.Containers[0].Image);
    }

    [SkippableFact]
    public async Task Scaling_beyond_the_plan_is_refused_and_a_restart_rolls_the_pods()
    {
        var (tenant, api, slug) = await WorldAsync();
        await ReadyRedisAsync(api, slug);

        var beyond = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/scale",
            new { replicas = 3 }
        );
        var restarted = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/middleware/instances/dev/cache/restart", new { })
        );

        Assert.Equal(HttpStatusCode.BadRequest, beyond.StatusCode);
        Assert.Contains("1 to 1 replica", await beyond.Content.ReadAsStringAsync());
        Assert.Equal(["restart", "ready"], restarted.Steps.Select(s => s.Name));
        using var cluster = World.Client();
        var set = await cluster.AppsV1.ReadNamespacedStatefulSetAsync("cache", $"{slug}-dev");
        Assert.True(set.Spec.Template.Metadata.Annotations.ContainsKey("kubectl.kubernetes.io/restartedAt"));
        Assert.Equal(InstanceState.Ready, (await InstanceAsync(tenant, "cache")).State);
    }

    [SkippableFact]
    public async Task Changing_the_plan_changes_the_resources_of_the_pods()
    {
        var (tenant, api, slug) = await WorldAsync();
        await ReadyRedisAsync(api, slug);

        await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/plan",
                new { plan = "medium" }
            )
        );

        using var cluster = World.Client();
        var set = await cluster.AppsV1.ReadNamespacedStatefulSetAsync("cache", $"{slug}-dev");
        var resources = set.Spec.Template.Spec.Containers[0].Resources;
        Assert.Equal("250m", resources.Requests["cpu"].ToString());
        Assert.Equal("1Gi", resources.Limits["memory"].ToString());
        Assert.Equal("medium", (await InstanceAsync(tenant, "cache")).Plan);
    }

    [SkippableFact]
    public async Task The_pages_provision_show_masked_connection_strings_reveal_once_and_preview_a_binding()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "20");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "4");
        var slug = tenant.Slug;
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/t/{slug}/middleware/new?template=redis")).StatusCode);
        var invalid = await admin.PostFormAsync(
            $"/t/{slug}/middleware/new",
            new()
            {
                ["Template"] = "redis",
                ["Environment"] = "dev",
                ["Name"] = "cache",
                ["Version"] = "7.2.7",
                ["Plan"] = "small",
                ["Parameters[maxmemory_policy]"] = "forget-everything",
                ["Parameters[appendonly]"] = "true",
            }
        );
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("forget-everything", await invalid.Content.ReadAsStringAsync());

        var created = await admin.PostFormAsync(
            $"/t/{slug}/middleware/new",
            new()
            {
                ["Template"] = "redis",
                ["Environment"] = "dev",
                ["Name"] = "cache",
                ["Version"] = "7.2.7",
                ["Plan"] = "small",
                ["Parameters[maxmemory_policy]"] = "allkeys-lru",
                ["Parameters[appendonly]"] = "true",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        await SandboxWorld.EventuallyAsync(
            async () => (await InstanceAsync(tenant, "cache")).State == InstanceState.Ready,
            "the instance to be ready"
        );

        var list = await (await admin.GetAsync($"/t/{slug}/middleware")).Content.ReadAsStringAsync();
        Assert.Contains("data-instance=\"cache\"", list);
        var page = await (await admin.GetAsync($"/t/{slug}/middleware/dev/cache")).Content.ReadAsStringAsync();
        var revealed = await admin.PostFormAsync($"/t/{slug}/middleware/dev/cache/reveal", new());
        var revealedPage = await revealed.Content.ReadAsStringAsync();
        using var cluster = World.Client();
        var password = Encoding.UTF8.GetString(
            (await cluster.CoreV1.ReadNamespacedSecretAsync("cache-credentials", $"{slug}-dev")).Data["password"]
        );
        Assert.DoesNotContain(password, page);
        Assert.Contains("••••••", System.Net.WebUtility.HtmlDecode(page));
        Assert.Equal(HttpStatusCode.OK, revealed.StatusCode);
        Assert.Contains(password, revealedPage);
        var preview = await (
            await admin.GetAsync($"/t/{slug}/middleware/dev/cache/bindings/new")
        ).Content.ReadAsStringAsync();
        Assert.Contains("REDIS_PASSWORD", preview);
    }

    [SkippableTheory]
    [InlineData("keep", 1)]
    [InlineData("delete", 0)]
    public async Task Deleting_keeps_or_removes_the_data_volumes_as_chosen(string volumes, int claimsLeft)
    {
        var (tenant, api, slug) = await WorldAsync();
        await ReadyRedisAsync(api, slug);
        using var cluster = World.Client();
        var ns = $"{slug}-dev";
        var selector = "app.kubernetes.io/name=cache";
        Assert.Single(
            (await cluster.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, labelSelector: selector)).Items
        );

        await RunAsync(
            await api.DeleteAsync($"/api/v1/tenants/{slug}/middleware/instances/dev/cache?volumes={volumes}")
        );

        Assert.Equal(
            claimsLeft,
            (await cluster.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, labelSelector: selector)).Items.Count
        );
        Assert.Empty((await cluster.AppsV1.ListNamespacedStatefulSetAsync(ns, labelSelector: selector)).Items);
        Assert.False(
            await Arrange.QueryAsync(db =>
                db.MiddlewareInstances.IgnoreQueryFilters().AnyAsync(i => i.TenantId == tenant.Id)
            )
        );
    }
}

[Trait("Database", "Sqlite")]
public sealed class MiddlewareInstancesOnSqlite(SandboxPortal portal)
    : MiddlewareInstanceScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class MiddlewareInstancesOnPostgres(PostgresSandboxPortal portal)
    : MiddlewareInstanceScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Middleware;

/// <summary>
/// Redis bound to and unbound from an application in the sandbox cluster through the API, on each database provider.
/// </summary>
public abstract class MiddlewareBindingScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private async Task<(Tenant Tenant, HttpClient Api, string Slug)> BoundWorldAsync()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "20");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "4");
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var slug = tenant.Slug;
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps",
            new
            {
                name = "shop",
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
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));
        await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances",
                new
                {
                    environment = "dev",
                    name = "cache",
                    template = "redis",
                    version = "7.2.7",
                    plan = "small",
                }
            )
        );
        return (tenant, api, slug);
    }

    private async Task<Operation> RunAsync(HttpResponseMessage accepted, int seconds = 40)
    {
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
            "the operation to finish",
            seconds
        );
        Assert.True(operation!.State == OperationState.Succeeded, operation.Error);
        return operation;
    }

    /// <summary>
    /// A binding is a deploy like any other: refused where nothing can be deployed, and then nothing of it is saved.
    /// </summary>
    [SkippableFact]
    public async Task A_binding_the_environment_cannot_take_saves_neither_the_binding_nor_a_revision()
    {
        var (tenant, api, slug) = await BoundWorldAsync();
        await Arrange.QueryAsync(async db =>
        {
            var environment = await db
                .Environments.IgnoreQueryFilters()
                .SingleAsync(e => e.TenantId == tenant.Id && e.Name == "dev");
            environment.MarkFailed();
            return await db.SaveChangesAsync();
        });

        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/bindings",
            new { app = "shop" }
        );

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("nothing can be deployed", await refused.Content.ReadAsStringAsync());
        Assert.False(
            await Arrange.QueryAsync(db =>
                db.MiddlewareBindings.IgnoreQueryFilters().AnyAsync(b => b.TenantId == tenant.Id)
            )
        );
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db => db.Revisions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id))
        );
        Assert.False(
            await Arrange.QueryAsync(db =>
                db.AuditEvents.AnyAsync(a => a.Action == "middleware.bound" && a.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task Binding_gives_the_apps_new_revision_the_variables_with_secrets_by_reference()
    {
        var (tenant, api, slug) = await BoundWorldAsync();
        var preview = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/bindings/preview"
        );
        Assert.Contains("REDIS_PASSWORD", preview.EnumerateArray().Select(v => v.GetProperty("name").GetString()));

        await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/bindings",
                new { app = "shop", names = new Dictionary<string, string> { ["REDIS_URL"] = "CACHE_URL" } }
            )
        );

        using var cluster = World.Client();
        var ns = $"{slug}-dev";
        var deployment = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", ns);
        Assert.Equal(
            "2",
            deployment.Spec.Template.Metadata.Annotations[
                Infrastructure.Applications.ApplicationManifests.RevisionAnnotation
            ]
        );
        var env = deployment.Spec.Template.Spec.Containers[0].Env;
        var password = env.Single(e => e.Name == "REDIS_PASSWORD");
        Assert.Null(password.Value);
        Assert.Equal("cache-credentials", password.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("password", password.ValueFrom.SecretKeyRef.Key);
        Assert.Equal("url", env.Single(e => e.Name == "CACHE_URL").ValueFrom.SecretKeyRef.Key);
        Assert.Equal($"cache.{ns}.svc.cluster.local", env.Single(e => e.Name == "REDIS_HOST").Value);
        Assert.Equal("6379", env.Single(e => e.Name == "REDIS_PORT").Value);
        var revealed = await (
            await api.PostAsync($"/api/v1/tenants/{slug}/middleware/instances/dev/cache/reveal", null)
        ).Content.ReadFromJsonAsync<JsonElement>();
        var secret = revealed.GetProperty("credentials").GetProperty("password").GetString()!;
        var specs = await Arrange.QueryAsync(db =>
            db.Revisions.IgnoreQueryFilters()
                .Where(r => r.TenantId == tenant.Id)
                .Select(r => r.SealedSpec)
                .ToListAsync()
        );
        Assert.DoesNotContain(specs, s => s.Contains(secret, StringComparison.Ordinal));

        // A later deploy of the working spec, which knows nothing of the binding, keeps its variables.
        await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy",
                new { note = "after binding" }
            )
        );
        var redeployed = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", ns);
        Assert.Equal(
            "3",
            redeployed.Spec.Template.Metadata.Annotations[
                Infrastructure.Applications.ApplicationManifests.RevisionAnnotation
            ]
        );
        Assert.Equal(
            "cache-credentials",
            redeployed
                .Spec.Template.Spec.Containers[0]
                .Env.Single(e => e.Name == "REDIS_PASSWORD")
                .ValueFrom.SecretKeyRef.Name
        );
    }

    [SkippableFact]
    public async Task Unbinding_deploys_a_revision_without_the_variables()
    {
        var (_, api, slug) = await BoundWorldAsync();
        await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/bindings",
                new { app = "shop" }
            )
        );

        await RunAsync(await api.DeleteAsync($"/api/v1/tenants/{slug}/middleware/instances/dev/cache/bindings/shop"));

        using var cluster = World.Client();
        var deployment = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev");
        Assert.Equal(
            "3",
            deployment.Spec.Template.Metadata.Annotations[
                Infrastructure.Applications.ApplicationManifests.RevisionAnnotation
            ]
        );
        Assert.Equal(["MODE"], deployment.Spec.Template.Spec.Containers[0].Env.Select(e => e.Name));
    }

    [SkippableFact]
    public async Task A_bound_instance_is_deleted_only_with_confirmation_and_its_app_is_unbound_first()
    {
        var (tenant, api, slug) = await BoundWorldAsync();
        await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/bindings",
                new { app = "shop" }
            )
        );

        var unconfirmed = await api.DeleteAsync(
            $"/api/v1/tenants/{slug}/middleware/instances/dev/cache?volumes=delete"
        );
        await RunAsync(
            await api.DeleteAsync($"/api/v1/tenants/{slug}/middleware/instances/dev/cache?volumes=delete&confirm=cache")
        );

        Assert.Equal(HttpStatusCode.Conflict, unconfirmed.StatusCode);
        Assert.Contains("bound to 'shop'", await unconfirmed.Content.ReadAsStringAsync());
        Assert.False(
            await Arrange.QueryAsync(db =>
                db.MiddlewareBindings.IgnoreQueryFilters().AnyAsync(b => b.TenantId == tenant.Id)
            )
        );
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                using var cluster = World.Client();
                var deployment = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev");
                return deployment
                    .Spec.Template.Spec.Containers[0]
                    .Env.All(e => !e.Name.StartsWith("REDIS_", StringComparison.Ordinal));
            },
            "the app's revision without the binding"
        );
    }
}

[Trait("Database", "Sqlite")]
public sealed class MiddlewareBindingsOnSqlite(SandboxPortal portal)
    : MiddlewareBindingScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class MiddlewareBindingsOnPostgres(PostgresSandboxPortal portal)
    : MiddlewareBindingScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;

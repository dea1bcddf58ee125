using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// Promotion carries the application, never the middleware bindings of the environment it comes from: an application
/// bound to a Redis instance in dev, promoted to prod, in the sandbox cluster through the API and the page, on each
/// database provider.
/// </summary>
public abstract class PromotionBindingScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    /// <summary>
    /// A tenant with dev and prod; 'shop' runs in dev and in no other environment, bound to the Redis instance 'cache'
    /// of dev.
    /// </summary>
    private async Task<(Tenant Tenant, HttpClient Api, string Slug)> BoundInDevAsync()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "20");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "4");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "prod", "4");
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
        await SucceedsAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { })
        );
        await CacheAsync(api, slug, "dev");
        await SucceedsAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances/dev/cache/bindings",
                new { app = "shop" }
            )
        );
        return (tenant, api, slug);
    }

    private async Task CacheAsync(HttpClient api, string slug, string environment) =>
        await SucceedsAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances",
                new
                {
                    environment,
                    name = "cache",
                    template = "redis",
                    version = "7.2.7",
                    plan = "small",
                }
            )
        );

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
        return operation!;
    }

    private async Task SucceedsAsync(HttpResponseMessage accepted)
    {
        var operation = await RunAsync(accepted);
        Assert.True(operation.State == OperationState.Succeeded, operation.Error);
    }

    private async Task<IList<V1EnvVar>> VariablesAsync(string slug, string environment)
    {
        using var cluster = World.Client();
        return (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-{environment}"))
            .Spec
            .Template
            .Spec
            .Containers[0]
            .Env;
    }

    [SkippableFact]
    public async Task Promotion_carries_no_binding_of_the_source_environment_into_the_target()
    {
        var (_, api, slug) = await BoundInDevAsync();

        var promoted = await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/promotion",
                new
                {
                    from = "dev",
                    to = "prod",
                    acceptMissingBindings = true,
                }
            )
        );

        var variables = await VariablesAsync(slug, "prod");
        Assert.DoesNotContain(variables, v => v.Value?.Contains($"{slug}-dev", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(variables, v => v.ValueFrom?.SecretKeyRef?.Name == "cache-credentials");
        Assert.Equal(["MODE"], variables.Select(v => v.Name));
        Assert.True(promoted.State == OperationState.Succeeded, promoted.Error);
        // dev keeps its own.
        Assert.Equal(
            $"cache.{slug}-dev.svc.cluster.local",
            (await VariablesAsync(slug, "dev")).Single(v => v.Name == "REDIS_HOST").Value
        );
    }

    [SkippableFact]
    public async Task The_preview_names_the_bindings_the_target_lacks_and_the_promotion_waits_until_that_is_accepted()
    {
        var (tenant, api, slug) = await BoundInDevAsync();

        var preview = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/tenants/{slug}/apps/shop/promotion?from=dev&to=prod"
        );
        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps/shop/promotion",
            new { from = "dev", to = "prod" }
        );

        var bindings = preview.GetProperty("bindings");
        var source = Assert.Single(bindings.GetProperty("source").EnumerateArray());
        Assert.Equal("cache", source.GetProperty("instance").GetString());
        Assert.Equal("redis", source.GetProperty("template").GetString());
        Assert.Empty(bindings.GetProperty("target").EnumerateArray());
        Assert.Contains("REDIS_HOST", bindings.GetProperty("missing").EnumerateArray().Select(v => v.GetString()));
        Assert.Contains("prod has no binding", preview.GetProperty("warning").GetString());
        // What prod would get is the app without dev's binding: the diff shows no Redis variable.
        Assert.DoesNotContain("REDIS_", preview.GetProperty("changes").GetRawText());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Contains("REDIS_HOST", problem);
        Assert.Contains("acceptMissingBindings", problem);
        Assert.False(
            await Arrange.QueryAsync(db =>
                (
                    from d in db.AppDeployments.IgnoreQueryFilters()
                    join e in db.Environments.IgnoreQueryFilters() on d.EnvironmentId equals e.Id
                    where e.TenantId == tenant.Id && e.Name == "prod"
                    select d
                ).AnyAsync()
            )
        );
    }

    [SkippableFact]
    public async Task Promotion_to_an_environment_with_its_own_binding_uses_that_one_without_asking()
    {
        var (_, api, slug) = await BoundInDevAsync();
        await SucceedsAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/promotion",
                new
                {
                    from = "dev",
                    to = "prod",
                    acceptMissingBindings = true,
                }
            )
        );
        await CacheAsync(api, slug, "prod");
        await SucceedsAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances/prod/cache/bindings",
                new { app = "shop" }
            )
        );
        await SucceedsAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy",
                new { note = "next" }
            )
        );

        var preview = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/tenants/{slug}/apps/shop/promotion?from=dev&to=prod"
        );
        await SucceedsAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/promotion", new { from = "dev", to = "prod" })
        );

        Assert.Empty(preview.GetProperty("bindings").GetProperty("missing").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("warning").ValueKind);
        Assert.Equal(
            "cache",
            Assert
                .Single(preview.GetProperty("bindings").GetProperty("target").EnumerateArray())
                .GetProperty("instance")
                .GetString()
        );
        var variables = await VariablesAsync(slug, "prod");
        Assert.Equal($"cache.{slug}-prod.svc.cluster.local", variables.Single(v => v.Name == "REDIS_HOST").Value);
        Assert.DoesNotContain(variables, v => v.Value?.Contains($"{slug}-dev", StringComparison.Ordinal) == true);
    }

    [SkippableFact]
    public async Task The_promotion_page_warns_of_a_missing_binding_and_promotes_only_once_the_box_is_ticked()
    {
        var (tenant, _, slug) = await BoundInDevAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var page = $"/t/{slug}/apps/shop/promote?from=dev&to=prod";

        var shown = WebUtility.HtmlDecode(await (await developer.GetAsync(page)).Content.ReadAsStringAsync());
        var refused = await developer.PostFormAsync(
            $"/t/{slug}/apps/shop/promote",
            new() { ["from"] = "dev", ["to"] = "prod" },
            page
        );
        var accepted = await developer.PostFormAsync(
            $"/t/{slug}/apps/shop/promote",
            new()
            {
                ["from"] = "dev",
                ["to"] = "prod",
                ["acceptMissingBindings"] = "true",
            },
            page
        );

        Assert.Contains("prod has no binding", shown);
        Assert.Contains("name=\"acceptMissingBindings\"", shown);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("REDIS_HOST", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
    }
}

[Trait("Database", "Sqlite")]
public sealed class PromotionBindingsOnSqlite(SandboxPortal portal)
    : PromotionBindingScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class PromotionBindingsOnPostgres(PostgresSandboxPortal portal)
    : PromotionBindingScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;

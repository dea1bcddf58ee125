using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>
/// Missing is not zero: an amount left out of a body or a form — quota grants, environment shares, replicas, revisions,
/// autoscaling bounds, overcommit ratios — is refused with the field named and changes nothing; a field the body does
/// not know is refused too; a change below what is held says the numbers; change forms hold the current amounts. On
/// each database.
/// </summary>
public abstract class MissingAmountScenarios(PortalFixture portal)
{
    private static readonly string[] ShareFields =
    [
        "cpuRequests",
        "cpuLimits",
        "memoryRequests",
        "memoryLimits",
        "storage",
        "pods",
    ];
    private static readonly string[] GrantFields = [.. ShareFields, "middlewareInstances"];

    /// <summary>
    /// The share every environment of these scenarios starts with: 1/2 CPU, 1/2 GiB, 10 GiB, 10 pods.
    /// </summary>
    private static readonly ResourceAmounts StartingShare = new(1000, 2000, 1L << 30, 2L << 30, 10L << 30, 10, 0);

    private Arrange Arrange => new(portal.Factory);

    [SkippableTheory]
    [InlineData("{}")]
    [InlineData("""{"cpu": "2", "memory": "4Gi"}""")]
    public async Task A_share_change_without_amounts_is_refused_and_changes_nothing(string body)
    {
        var (tenant, pool, _) = await GrantedAsync();
        await EnvironmentAsync(tenant, pool, "dev");
        var api = await TenantAdminApiAsync(tenant);

        var refused = await api.PutAsync($"/api/v1/tenants/{tenant.Slug}/environments/dev/share", Json(body));

        var errors = await ErrorsAsync(refused, HttpStatusCode.BadRequest);
        Assert.All(ShareFields, field => Assert.Contains(field, errors.Keys));
        Assert.Contains("0 for none", errors["cpuRequests"]);
        if (body != "{}")
            Assert.Contains("'cpu' is not a field", errors["cpu"]);
        Assert.Equal(StartingShare, await ShareAsync(tenant, "dev"));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().CountAsync(o => o.TenantId == tenant.Id))
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a => a.TenantId == tenant.Id && a.Action == "environment.share-changed")
            )
        );
    }

    [SkippableFact]
    public async Task A_share_change_with_every_amount_and_a_misspelt_one_is_refused()
    {
        var (tenant, pool, _) = await GrantedAsync();
        await EnvironmentAsync(tenant, pool, "dev");
        var api = await TenantAdminApiAsync(tenant);

        var refused = await api.PutAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/environments/dev/share",
            new
            {
                cpuRequests = "2",
                cpuLimits = "2",
                memoryRequests = "1Gi",
                memoryLimits = "2Gi",
                storage = "10Gi",
                pods = "10",
                cpuRequest = "3",
            }
        );

        var errors = await ErrorsAsync(refused, HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "cpuRequest" }, errors.Keys);
        Assert.Equal(StartingShare, await ShareAsync(tenant, "dev"));
    }

    [SkippableTheory]
    [InlineData("{}")]
    [InlineData("""{"cpu": "8"}""")]
    public async Task A_grant_without_amounts_is_refused_and_changes_nothing(string body)
    {
        var (tenant, pool, admin) = await GrantedAsync();
        var platform = await Arrange.UserApiClientAsync(admin);
        var before = await GrantAsync(tenant);

        var refused = await platform.PutAsync($"/api/v1/pools/{pool}/quotas/{tenant.Slug}", Json(body));

        var errors = await ErrorsAsync(refused, HttpStatusCode.BadRequest);
        Assert.All(GrantFields, field => Assert.Contains(field, errors.Keys));
        Assert.Equal(before, await GrantAsync(tenant));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a => a.TenantId == tenant.Id && a.Action == "quota.changed")
            )
        );
    }

    [SkippableFact]
    public async Task An_environment_created_without_a_share_is_refused_naming_each_amount()
    {
        var (tenant, pool, _) = await GrantedAsync();
        var api = await TenantAdminApiAsync(tenant);

        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/environments",
            new { name = "dev", pool }
        );

        var errors = await ErrorsAsync(refused, HttpStatusCode.BadRequest);
        Assert.All(ShareFields, field =>
            Assert.Contains($"share.{char.ToUpperInvariant(field[0])}{field[1..]}", errors.Keys)
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Environments.IgnoreQueryFilters().CountAsync(e => e.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task The_quota_form_with_blank_amounts_is_refused_next_to_each_field_and_changes_nothing()
    {
        var (tenant, pool, admin) = await GrantedAsync();
        var before = await GrantAsync(tenant);

        var refused = await admin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            new()
            {
                ["Form.Tenant"] = tenant.Slug,
                ["Form.CpuRequests"] = "",
                ["Form.CpuLimits"] = " ",
                ["Form.MemoryRequests"] = "",
                ["Form.MemoryLimits"] = "",
                ["Form.Storage"] = "",
                ["Form.Pods"] = "",
                ["Form.MiddlewareInstances"] = "",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        foreach (
            var field in new[]
            {
                "CpuRequests",
                "CpuLimits",
                "MemoryRequests",
                "MemoryLimits",
                "Storage",
                "Pods",
                "MiddlewareInstances",
            }
        )
            Assert.Matches($"data-valmsg-for=\"Form.{field}\"[^>]*>[^<]*0 for none", page);
        Assert.DoesNotContain("now has", page);
        Assert.Equal(before, await GrantAsync(tenant));
    }

    [SkippableFact]
    public async Task The_share_form_with_blank_amounts_is_refused_next_to_each_field_and_changes_nothing()
    {
        var (tenant, pool, _) = await GrantedAsync();
        await EnvironmentAsync(tenant, pool, "dev");
        var tenantAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));

        var refused = await tenantAdmin.PostFormAsync(
            $"/t/{tenant.Slug}/environments/dev/share",
            new()
            {
                ["Share.CpuRequests"] = "",
                ["Share.CpuLimits"] = "",
                ["Share.MemoryRequests"] = "",
                ["Share.MemoryLimits"] = "",
                ["Share.Storage"] = "",
                ["Share.Pods"] = "",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        foreach (var field in new[] { "CpuRequests", "CpuLimits", "MemoryRequests", "MemoryLimits", "Storage", "Pods" })
            Assert.Matches($"data-valmsg-for=\"Change.{field}\"[^>]*>[^<]*0 for none", page);
        Assert.Contains("<details open", page);
        Assert.Equal(StartingShare, await ShareAsync(tenant, "dev"));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().CountAsync(o => o.TenantId == tenant.Id))
        );
    }

    [SkippableFact]
    public async Task The_change_forms_hold_the_current_share_and_grant()
    {
        var (tenant, pool, admin) = await GrantedAsync();
        await EnvironmentAsync(tenant, pool, "dev");
        var tenantAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));

        var environments = await (
            await tenantAdmin.GetAsync($"/t/{tenant.Slug}/environments")
        ).Content.ReadAsStringAsync();
        var poolPage = await (await admin.GetAsync($"/admin/pools/{pool}")).Content.ReadAsStringAsync();
        var grantForm = await (
            await admin.GetAsync($"/admin/pools/{pool}?tenant={tenant.Slug}")
        ).Content.ReadAsStringAsync();

        Assert.Equal(
            new[] { "1", "2", "1Gi", "2Gi", "10Gi", "10" },
            new[] { "cpu", "cpul", "mem", "meml", "sto", "pods" }.Select(id => InputValue(environments, $"{id}-dev"))
        );
        Assert.Contains($"href=\"/admin/pools/{pool}?tenant={tenant.Slug}#grant-form\"", poolPage);
        Assert.Equal(
            new[] { "8", "12", "16Gi", "32Gi", "100Gi", "50", "2" },
            new[]
            {
                "CpuRequests",
                "CpuLimits",
                "MemoryRequests",
                "MemoryLimits",
                "Storage",
                "Pods",
                "MiddlewareInstances",
            }.Select(field => InputValue(grantForm, $"Form_{field}"))
        );
        Assert.Matches(
            $"<option (selected=\"selected\" value=\"{tenant.Slug}\"|value=\"{tenant.Slug}\" selected=\"selected\")",
            grantForm
        );
    }

    [SkippableFact]
    public async Task A_share_below_what_its_workloads_hold_is_refused_on_the_form_with_the_numbers()
    {
        var (tenant, pool, _) = await GrantedAsync();
        await EnvironmentAsync(tenant, pool, "dev");
        await Arrange.ApplicationAsync(tenant, "dev");
        var tenantAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));

        var refused = await tenantAdmin.PostFormAsync(
            $"/t/{tenant.Slug}/environments/dev/share",
            new()
            {
                ["Share.CpuRequests"] = "50m",
                ["Share.CpuLimits"] = "2",
                ["Share.MemoryRequests"] = "1Gi",
                ["Share.MemoryLimits"] = "2Gi",
                ["Share.Storage"] = "10Gi",
                ["Share.Pods"] = "10",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Matches("id=\"share-refusal-dev\"[^>]*>[^<]*CPU requests: 0.05 asked, 0.1 held", page);
        Assert.Equal("50m", InputValue(page, "cpu-dev"));
        Assert.Equal(StartingShare, await ShareAsync(tenant, "dev"));
    }

    [SkippableFact]
    public async Task A_grant_below_the_middleware_instances_the_tenant_runs_is_refused_with_the_numbers()
    {
        var (tenant, pool, admin) = await GrantedAsync();
        await EnvironmentAsync(tenant, pool, "dev");
        await Arrange.MiddlewareInstanceAsync(tenant, "dev");
        var platform = await Arrange.UserApiClientAsync(admin);

        var refused = await platform.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/quotas/{tenant.Slug}",
            new
            {
                cpuRequests = "8",
                cpuLimits = "12",
                memoryRequests = "16Gi",
                memoryLimits = "32Gi",
                storage = "100Gi",
                pods = "50",
                middlewareInstances = "0",
            }
        );

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains(
            "middleware instances: 0 asked, 1 held",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()
        );
        Assert.Equal(2, (await GrantAsync(tenant)).MiddlewareInstances);
    }

    [SkippableFact]
    public async Task Scaling_an_application_without_a_replica_count_is_refused_and_keeps_its_replicas()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant, "dev");
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var byApi = await api.PostAsync($"/api/v1/tenants/{tenant.Slug}/apps/{app}/environments/dev/scale", Json("{}"));
        var byPage = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/{app}/environments/dev/scale",
            new() { ["replicas"] = "" }
        );

        var errors = await ErrorsAsync(byApi, HttpStatusCode.BadRequest);
        Assert.Contains("Give the number of replicas", errors["replicas"]);
        Assert.Equal(HttpStatusCode.Redirect, byPage.StatusCode);
        var page = WebUtility.HtmlDecode(
            await (await developer.GetAsync(byPage.Headers.Location!.OriginalString)).Content.ReadAsStringAsync()
        );
        Assert.Contains("Give the number of replicas", page);
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AppDeployments.IgnoreQueryFilters()
                    .Where(d => d.TenantId == tenant.Id)
                    .Select(d => d.Replicas)
                    .SingleAsync()
            )
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().CountAsync(o => o.TenantId == tenant.Id))
        );
    }

    [SkippableFact]
    public async Task Autoscaling_rollback_and_instance_scaling_without_their_numbers_are_refused_naming_them()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant, "dev");
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        var instance = await Arrange.MiddlewareInstanceAsync(tenant, environment);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var apps = $"/api/v1/tenants/{tenant.Slug}/apps/{app}/environments/dev";

        var autoscaling = await ErrorsAsync(
            await api.PutAsync($"{apps}/autoscaling", Json("""{"cpuUtilizationPercent": 70}""")),
            HttpStatusCode.BadRequest
        );
        var rollback = await ErrorsAsync(
            await api.PostAsync($"{apps}/rollback", Json("""{"note": "back"}""")),
            HttpStatusCode.BadRequest
        );
        var scale = await ErrorsAsync(
            await api.PostAsync($"/api/v1/tenants/{tenant.Slug}/middleware/instances/dev/{instance}/scale", Json("{}")),
            HttpStatusCode.BadRequest
        );

        Assert.Contains("Give the least number of replicas", autoscaling["minReplicas"]);
        Assert.Contains("Give the most replicas", autoscaling["maxReplicas"]);
        Assert.Contains("Say which revision", rollback["revision"]);
        Assert.Contains("Give the number of replicas", scale["replicas"]);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().CountAsync(o => o.TenantId == tenant.Id))
        );
    }

    [SkippableFact]
    public async Task A_pool_with_an_unreadable_overcommit_is_refused_naming_the_ratio()
    {
        var cluster = await Arrange.ClusterWithHostsAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");

        var refused = await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = cluster,
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "two",
                ["Form.MemoryOvercommit"] = "1",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches(
            "data-valmsg-for=\"Form.CpuOvercommit\"[^>]*>[^<]*'two' is not a ratio",
            WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync())
        );
        Assert.False(await Arrange.QueryAsync(db => db.ResourcePools.AnyAsync(p => p.Name == pool)));
    }

    /// <summary>
    /// A pool of four 4-CPU nodes (never contacted) where the tenant is granted 8/12 CPU, 16/32 GiB, 100 GiB, 50 pods,
    /// 2 instances.
    /// </summary>
    private async Task<(Tenant Tenant, string Pool, BrowserSession Admin)> GrantedAsync()
    {
        var cluster = await Arrange.ClusterWithHostsAsync();
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        var created = await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = cluster,
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var granted = await admin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            new()
            {
                ["Form.Tenant"] = tenant.Slug,
                ["Form.CpuRequests"] = "8",
                ["Form.CpuLimits"] = "12",
                ["Form.MemoryRequests"] = "16Gi",
                ["Form.MemoryLimits"] = "32Gi",
                ["Form.Storage"] = "100Gi",
                ["Form.Pods"] = "50",
                ["Form.MiddlewareInstances"] = "2",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        return (tenant, pool, admin);
    }

    /// <summary>
    /// A ready environment of the tenant in the pool with <see cref="StartingShare"/>, on paper (no cluster is
    /// contacted).
    /// </summary>
    private async Task EnvironmentAsync(Tenant tenant, string pool, string name)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var poolId = await db.ResourcePools.Where(p => p.Name == pool).Select(p => p.Id).SingleAsync();
        var environment = TenantEnvironment.Create(tenant, poolId, name, StartingShare, DateTime.UtcNow).Value;
        environment.MarkReady();
        db.Environments.Add(environment);
        await db.SaveChangesAsync();
    }

    private async Task<HttpClient> TenantAdminApiAsync(Tenant tenant) =>
        await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));

    private Task<ResourceAmounts> ShareAsync(Tenant tenant, string environment) =>
        Arrange.QueryAsync(db =>
            db.Environments.IgnoreQueryFilters()
                .Where(e => e.TenantId == tenant.Id && e.Name == environment)
                .Select(e => e.Share)
                .SingleAsync()
        );

    private Task<ResourceAmounts> GrantAsync(Tenant tenant) =>
        Arrange.QueryAsync(db =>
            db.TenantQuotas.IgnoreQueryFilters()
                .Where(q => q.TenantId == tenant.Id)
                .Select(q => q.Granted)
                .SingleAsync()
        );

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>
    /// The problem's errors by field, each field's messages joined; fails unless the answer is that status as problem
    /// details.
    /// </summary>
    private static async Task<Dictionary<string, string>> ErrorsAsync(HttpResponseMessage answer, HttpStatusCode status)
    {
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == status, $"{(int)answer.StatusCode}: {body}");
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.True(problem.TryGetProperty("errors", out var errors), body);
        return errors
            .EnumerateObject()
            .ToDictionary(e => e.Name, e => string.Join(" ", e.Value.EnumerateArray().Select(m => m.GetString())));
    }

    private static string? InputValue(string page, string id)
    {
        var input = System.Text.RegularExpressions.Regex.Match(
            page,
            $"<input[^>]*\\bid=\"{System.Text.RegularExpressions.Regex.Escape(id)}\"[^>]*>"
        );
        Assert.True(input.Success, $"No input #{id}");
        var value = System.Text.RegularExpressions.Regex.Match(input.Value, "\\bvalue=\"([^\"]*)\"");
        return value.Success ? WebUtility.HtmlDecode(value.Groups[1].Value) : null;
    }
}

[Trait("Database", "Sqlite")]
public sealed class MissingAmountsOnSqlite(SqlitePortal portal)
    : MissingAmountScenarios(portal),
        IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class MissingAmountsOnPostgres(PostgresPortal portal)
    : MissingAmountScenarios(portal),
        IClassFixture<PostgresPortal>;

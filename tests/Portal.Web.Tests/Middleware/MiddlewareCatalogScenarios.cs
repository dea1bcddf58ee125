using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Middleware;

/// <summary>
/// The middleware catalog as stored data: tenants browse what is offered; platform admins add and hide, on each
/// database provider.
/// </summary>
public abstract class MiddlewareCatalogScenarios(PortalFixture portal)
{
    private static readonly string[] Seeded =
    [
        "elasticsearch",
        "kafka",
        "mongodb",
        "mysql",
        "postgresql",
        "rabbitmq",
        "redis",
        "zookeeper",
    ];

    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task Every_member_is_offered_the_seeded_templates_as_cards()
    {
        var tenant = await Arrange.TenantAsync();
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var page = await Html(await viewer.GetAsync($"/t/{tenant.Slug}/middleware/catalog"));

        foreach (var name in Seeded)
            Assert.Contains($"data-template=\"{name}\"", page);
        Assert.Contains("latest 8.0.2", page);
        Assert.Contains("data-category=\"MessageQueue\"", page);
    }

    [SkippableFact]
    public async Task Search_and_category_narrow_the_catalog()
    {
        var tenant = await Arrange.TenantAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var searched = await Html(await developer.GetAsync($"/t/{tenant.Slug}/middleware/catalog?search=Postgre"));
        var queues = await Html(await developer.GetAsync($"/t/{tenant.Slug}/middleware/catalog?category=MessageQueue"));
        var none = await Html(await developer.GetAsync($"/t/{tenant.Slug}/middleware/catalog?search=no-such-thing"));

        Assert.Contains("data-template=\"postgresql\"", searched);
        Assert.DoesNotContain("data-template=\"redis\"", searched);
        Assert.Contains("data-template=\"rabbitmq\"", queues);
        Assert.Contains("data-template=\"kafka\"", queues);
        Assert.DoesNotContain("data-template=\"postgresql\"", queues);
        Assert.Contains("id=\"no-templates\"", none);
    }

    [SkippableFact]
    public async Task A_template_page_shows_versions_plans_parameters_and_a_provision_link()
    {
        var tenant = await Arrange.TenantAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));

        var page = await Html(await developer.GetAsync($"/t/{tenant.Slug}/middleware/catalog/redis"));
        var json = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/middleware/catalog/redis");
        var unknown = await api.GetAsync($"/api/v1/tenants/{tenant.Slug}/middleware/catalog/no-such-template");

        Assert.Contains("redis:7.4.2", page);
        Assert.Contains("<td>100m / 500m</td>", page);
        Assert.Contains("<td>256Mi / 256Mi</td>", page);
        Assert.Contains("data-parameter=\"maxmemory_policy\"", page);
        Assert.Contains("allkeys-lru", page);
        Assert.Contains("<code>6379</code>", page);
        Assert.Contains("redis://", page);
        Assert.Contains($"href=\"/t/{tenant.Slug}/middleware/new?template=redis\"", page);
        Assert.Equal("8.0.2", json.GetProperty("versions")[0].GetProperty("version").GetString());
        Assert.Equal("1Gi", json.GetProperty("plans")[0].GetProperty("storage").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [SkippableFact]
    public async Task The_new_instance_form_preselects_the_latest_offered_version_and_the_templates_default_plan()
    {
        var tenant = await Arrange.TenantAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var admin = await Arrange.AdminAsync();
        var name = await AddTemplateAsync(admin);
        Assert.Equal(
            HttpStatusCode.Redirect,
            (await admin.PostFormAsync($"/admin/middleware/{name}/versions/8.0.2/hide", new())).StatusCode
        );
        Assert.Equal(
            HttpStatusCode.Redirect,
            (await admin.PostFormAsync($"/admin/middleware/{name}/plans/small/hide", new())).StatusCode
        );

        var redis = await Html(await developer.GetAsync($"/t/{tenant.Slug}/middleware/new?template=redis"));
        var hidden = await Html(await developer.GetAsync($"/t/{tenant.Slug}/middleware/new?template={name}"));

        Assert.Equal(["8.0.2"], PreselectedVersions(redis));
        Assert.Equal(["small"], PreselectedPlans(redis));
        Assert.Equal(["7.4.2"], PreselectedVersions(hidden));
        Assert.Equal(["medium"], PreselectedPlans(hidden));
    }

    private static List<string> PreselectedVersions(string page)
    {
        var select = Regex.Match(page, "<select id=\"Version\".*?</select>", RegexOptions.Singleline).Value;
        return Regex
            .Matches(select, "<option value=\"([^\"]+)\" selected=\"selected\"")
            .Select(m => m.Groups[1].Value)
            .ToList();
    }

    private static List<string> PreselectedPlans(string page) =>
        Regex
            .Matches(page, "<input [^>]*name=\"Plan\"[^>]*value=\"([^\"]+)\" checked=\"checked\"")
            .Select(m => m.Groups[1].Value)
            .ToList();

    [SkippableFact]
    public async Task A_hidden_template_is_not_offered_to_tenants_until_it_is_shown_again()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var member = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var name = await AddTemplateAsync(admin);

        var hidden = await admin.PostFormAsync($"/admin/middleware/{name}/hide", new() { ["toList"] = "true" });
        var listWhileHidden = await Html(await member.GetAsync($"/t/{tenant.Slug}/middleware/catalog?search={name}"));
        var pageWhileHidden = await member.GetAsync($"/t/{tenant.Slug}/middleware/catalog/{name}");
        var apiWhileHidden = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/tenants/{tenant.Slug}/middleware/catalog?search={name}"
        );
        var adminList = await Html(await admin.GetAsync($"/admin/middleware?search={name}"));
        var shown = await admin.PostFormAsync($"/admin/middleware/{name}/show", new());
        var listShown = await Html(await member.GetAsync($"/t/{tenant.Slug}/middleware/catalog?search={name}"));

        Assert.Equal(HttpStatusCode.Redirect, hidden.StatusCode);
        Assert.Equal("/admin/middleware", hidden.Headers.Location?.OriginalString);
        Assert.DoesNotContain($"data-template=\"{name}\"", listWhileHidden);
        Assert.Equal(HttpStatusCode.NotFound, pageWhileHidden.StatusCode);
        Assert.Equal(0, apiWhileHidden.GetProperty("total").GetInt32());
        Assert.Contains($"data-template=\"{name}\"", adminList);
        Assert.Contains("hidden", adminList);
        Assert.Equal(HttpStatusCode.Redirect, shown.StatusCode);
        Assert.Contains($"data-template=\"{name}\"", listShown);
        Assert.Equal(1, await AuditsAsync("middleware-template.hidden", name));
        Assert.Equal(1, await AuditsAsync("middleware-template.shown", name));
    }

    [SkippableFact]
    public async Task An_admin_adds_a_version_and_a_plan_that_tenants_are_then_offered()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var name = await AddTemplateAsync(admin);
        var api = await Arrange.UserApiClientAsync(admin);

        var version = await admin.PostFormAsync(
            $"/admin/middleware/{name}/versions",
            new()
            {
                ["NewVersion.Version"] = "7.4.3",
                ["NewVersion.Image"] = "redis:7.4.3",
                ["NewVersion.MajorLine"] = "7",
            }
        );
        var plan = await api.PostAsJsonAsync(
            $"/api/v1/middleware/templates/{name}/plans",
            new
            {
                name = "xlarge",
                displayName = "X-Large",
                cpuRequest = "1",
                cpuLimit = "4",
                memoryRequest = "8Gi",
                memoryLimit = "8Gi",
                storage = "50Gi",
            }
        );
        var formPlan = await admin.PostFormAsync(
            $"/admin/middleware/{name}/plans",
            new()
            {
                ["NewPlan.Name"] = "tiny",
                ["NewPlan.DisplayName"] = "Tiny",
                ["NewPlan.CpuRequest"] = "50m",
                ["NewPlan.CpuLimit"] = "250m",
                ["NewPlan.MemoryRequest"] = "128Mi",
                ["NewPlan.MemoryLimit"] = "128Mi",
                ["NewPlan.Storage"] = "1Gi",
                ["NewPlan.Replicas"] = "1",
                ["NewPlan.MaxReplicas"] = "1",
            }
        );
        var page = await Html(await viewer.GetAsync($"/t/{tenant.Slug}/middleware/catalog/{name}"));
        var adminPage = await Html(await admin.GetAsync($"/admin/middleware/{name}"));

        Assert.Equal(HttpStatusCode.Redirect, version.StatusCode);
        Assert.Contains("data-version=\"7.4.3\"", adminPage);
        Assert.Contains("data-plan=\"xlarge\"", adminPage);
        Assert.Equal(HttpStatusCode.Created, plan.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, formPlan.StatusCode);
        Assert.Contains("redis:7.4.3", page);
        Assert.Contains("<td>1 / 4</td>", page);
        Assert.Contains("<td>50Gi</td>", page);
        Assert.Contains("data-plan=\"tiny\"", page);
        Assert.Equal(1, await AuditsAsync("middleware-template.version-added", $"{name}/7.4.3"));
        Assert.Equal(1, await AuditsAsync("middleware-template.plan-added", $"{name}/xlarge"));
    }

    [SkippableFact]
    public async Task A_broken_version_or_plan_is_refused_next_to_its_field_and_changes_nothing()
    {
        var admin = await Arrange.AdminAsync();
        var name = await AddTemplateAsync(admin);
        var api = await Arrange.UserApiClientAsync(admin);
        var before = await DefinitionAsync(name);

        var untagged = await admin.PostFormAsync(
            $"/admin/middleware/{name}/versions",
            new()
            {
                ["NewVersion.Version"] = "7.4.3",
                ["NewVersion.Image"] = "redis",
                ["NewVersion.MajorLine"] = "7",
            }
        );
        var wrongLine = await api.PostAsJsonAsync(
            $"/api/v1/middleware/templates/{name}/versions",
            new
            {
                version = "7.4.3",
                image = "redis:7.4.3",
                majorLine = "8",
            }
        );
        var unreadable = await admin.PostFormAsync(
            $"/admin/middleware/{name}/plans",
            new()
            {
                ["NewPlan.Name"] = "odd",
                ["NewPlan.DisplayName"] = "Odd",
                ["NewPlan.CpuRequest"] = "lots",
                ["NewPlan.CpuLimit"] = "1",
                ["NewPlan.MemoryRequest"] = "1Gi",
                ["NewPlan.MemoryLimit"] = "1Gi",
                ["NewPlan.Storage"] = "1Gi",
            }
        );
        var unknown = await api.PostAsJsonAsync(
            "/api/v1/middleware/templates/no-such-template/versions",
            new
            {
                version = "1.0",
                image = "x:1.0",
                majorLine = "1",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, untagged.StatusCode);
        Assert.Contains("Image &#x27;redis&#x27; has no tag", await untagged.Content.ReadAsStringAsync());
        Assert.Contains("data-valmsg-for=\"NewVersion.Image\"", await untagged.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, wrongLine.StatusCode);
        var problem = await wrongLine.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("/problems/validation", problem.GetProperty("type").GetString());
        Assert.Contains(
            "is not the start of version 7.4.3",
            problem.GetProperty("errors").GetProperty("majorLine")[0].GetString()
        );
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
        Assert.Contains("&#x27;lots&#x27; is not a quantity", await unreadable.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(before, await DefinitionAsync(name));
        Assert.Equal(0, await AuditsAsync("middleware-template.version-added", $"{name}/7.4.3"));
    }

    [SkippableFact]
    public async Task A_broken_template_is_refused_with_the_checks_messages_and_nothing_is_saved()
    {
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var pasted = Arrange.Unique("kv");
        var posted = Arrange.Unique("kv");
        var garbled = Arrange.Unique("kv");

        var refusedForm = await admin.PostFormAsync(
            "/admin/middleware",
            new()
            {
                ["Form.Yaml"] = TemplateYaml(pasted)
                    .Replace("image: {{ image | yaml_string }}", "image: redis:latest", StringComparison.Ordinal),
            }
        );
        var refusedApi = await api.PostAsync(
            "/api/v1/middleware/templates",
            new StringContent(
                TemplateYaml(posted).Replace("readinessProbe:", "startupProbe:", StringComparison.Ordinal),
                Encoding.UTF8,
                "text/yaml"
            )
        );
        var unparsable = await api.PostAsync(
            "/api/v1/middleware/templates",
            new StringContent($"name: {garbled}\nversions: [\n", Encoding.UTF8, "text/yaml")
        );
        var duplicate = await api.PostAsync(
            "/api/v1/middleware/templates",
            new StringContent(TemplateYaml("redis"), Encoding.UTF8, "text/yaml")
        );
        var asJson = await api.PostAsJsonAsync("/api/v1/middleware/templates", new { yaml = TemplateYaml(garbled) });

        Assert.Equal(HttpStatusCode.BadRequest, refusedForm.StatusCode);
        Assert.Contains("instead of the version&#x27;s image", await refusedForm.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, refusedApi.StatusCode);
        Assert.Contains("has no readiness probe", await refusedApi.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, unparsable.StatusCode);
        Assert.Contains("line", await unparsable.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, asJson.StatusCode);
        string[] names = [pasted, posted, garbled];
        Assert.False(await Arrange.QueryAsync(db => db.MiddlewareTemplates.AnyAsync(t => names.Contains(t.Name))));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a => a.Action == "middleware-template.created" && names.Contains(a.TargetId))
            )
        );
    }

    [SkippableFact]
    public async Task A_template_with_a_privileged_container_or_a_parameter_that_could_inject_yaml_is_refused_and_nothing_is_saved()
    {
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var privileged = Arrange.Unique("kv");
        var injectable = Arrange.Unique("kv");

        var refusedForm = await admin.PostFormAsync(
            "/admin/middleware",
            new()
            {
                ["Form.Yaml"] = TemplateYaml(privileged)
                    .Replace(
                        "            image: {{ image | yaml_string }}\n",
                        "            image: {{ image | yaml_string }}\n            "
                            + "securityContext: { privileged: true }\n",
                        StringComparison.Ordinal
                    ),
            }
        );
        var refusedApi = await api.PostAsync(
            "/api/v1/middleware/templates",
            new StringContent(
                TemplateYaml(injectable)
                    .Replace(
                        "parameters:\n",
                        "parameters:\n  - { name: note, type: String, default: hello, required: "
                            + "true, description: Free text. }\n",
                        StringComparison.Ordinal
                    )
                    .Replace(
                        "              - {{ params.maxmemory_policy | yaml_string }}\n",
                        "              - {{ params.maxmemory_policy | yaml_string }}\n          "
                            + "    - {{ params.note }}\n",
                        StringComparison.Ordinal
                    ),
                Encoding.UTF8,
                "text/yaml"
            )
        );

        Assert.Equal(HttpStatusCode.BadRequest, refusedForm.StatusCode);
        Assert.Contains("securityContext.privileged is true", await refusedForm.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, refusedApi.StatusCode);
        var problem = await refusedApi.Content.ReadAsStringAsync();
        Assert.Contains("writes a value holding", problem);
        Assert.Contains("params.note | yaml_string", problem);
        string[] names = [privileged, injectable];
        Assert.False(await Arrange.QueryAsync(db => db.MiddlewareTemplates.AnyAsync(t => names.Contains(t.Name))));
    }

    [SkippableFact]
    public async Task A_template_added_through_the_api_is_audited_and_its_last_version_cannot_be_hidden()
    {
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var name = Arrange.Unique("kv");

        var created = await api.PostAsync(
            "/api/v1/middleware/templates",
            new StringContent(TemplateYaml(name), Encoding.UTF8, "text/yaml")
        );
        var hid1 = await api.PostAsync($"/api/v1/middleware/templates/{name}/versions/7.2.7/hide", null);
        var hid2 = await api.PostAsync($"/api/v1/middleware/templates/{name}/versions/7.4.2/hide", null);
        var last = await admin.PostFormAsync($"/admin/middleware/{name}/versions/8.0.2/hide", new());
        var planHidden = await api.PostAsync($"/api/v1/middleware/templates/{name}/plans/large/hide", null);
        var planShown = await api.PostAsync($"/api/v1/middleware/templates/{name}/plans/large/show", null);
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/v1/middleware/templates/{name}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/middleware/templates/{name}", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, hid1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hid2.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, last.StatusCode);
        Assert.Contains("the last one offered", await last.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, planHidden.StatusCode);
        Assert.Equal(HttpStatusCode.OK, planShown.StatusCode);
        Assert.Equal(2, view.GetProperty("versions").EnumerateArray().Count(v => v.GetProperty("hidden").GetBoolean()));
        Assert.Equal(1, await AuditsAsync("middleware-template.created", name));
        Assert.Equal(
            2,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a =>
                    a.Action == "middleware-template.version-hidden" && a.TargetId.StartsWith(name)
                )
            )
        );
        Assert.Equal(1, await AuditsAsync("middleware-template.plan-hidden", $"{name}/large"));
        Assert.Equal(1, await AuditsAsync("middleware-template.plan-shown", $"{name}/large"));
        var audit = await Arrange.QueryAsync(db =>
            db.AuditEvents.FirstAsync(a => a.Action == "middleware-template.created" && a.TargetId == name)
        );
        Assert.Null(audit.TenantId);
        Assert.Equal(AuditOutcome.Succeeded, audit.Outcome);
    }

    [SkippableFact]
    public async Task Tenant_members_of_any_role_are_refused_the_admin_pages_and_api()
    {
        var tenant = await Arrange.TenantAsync();
        var refused = new List<string>();
        foreach (var role in new[] { TenantRole.Viewer, TenantRole.Developer, TenantRole.TenantAdmin })
        {
            var session = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, role));
            var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, role));
            var responses = new[]
            {
                await session.GetAsync("/admin/middleware"),
                await session.GetAsync("/admin/middleware/redis"),
                await session.PostFormAsync("/admin/middleware/redis/hide", new()),
                await api.GetAsync("/api/v1/middleware/templates"),
                await api.PostAsync(
                    "/api/v1/middleware/templates",
                    new StringContent(TemplateYaml(Arrange.Unique("kv")), Encoding.UTF8, "text/yaml")
                ),
                await api.PostAsync("/api/v1/middleware/templates/redis/hide", null),
            };
            refused.AddRange(
                responses
                    .Where(r => r.StatusCode != HttpStatusCode.Forbidden)
                    .Select(r => $"{role} {r.RequestMessage?.RequestUri} → {(int)r.StatusCode}")
            );
        }

        Assert.Empty(refused);
        Assert.False(
            await Arrange.QueryAsync(db => db.MiddlewareTemplates.AnyAsync(t => t.Name == "redis" && t.Hidden))
        );
    }

    /// <summary>
    /// A copy of the seed Redis template under a name of its own, added by the platform admin through the page.
    /// </summary>
    private async Task<string> AddTemplateAsync(BrowserSession admin)
    {
        var name = Arrange.Unique("kv");
        var added = await admin.PostFormAsync("/admin/middleware", new() { ["Form.Yaml"] = TemplateYaml(name) });
        Assert.True(
            added.StatusCode == HttpStatusCode.Redirect,
            $"Adding template {name} failed: {(int)added.StatusCode} {await added.Content.ReadAsStringAsync()}"
        );
        return name;
    }

    private static string TemplateYaml(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "catalog", "redis.yaml"))
            .Replace("name: redis\n", $"name: {name}\n", StringComparison.Ordinal)
            .Replace("displayName: Redis\n", $"displayName: Redis {name}\n", StringComparison.Ordinal);

    private Task<string> DefinitionAsync(string name) =>
        Arrange.QueryAsync(async db =>
            JsonSerializer.Serialize(
                (await db.MiddlewareTemplates.AsNoTracking().SingleAsync(t => t.Name == name)).Definition
            )
        );

    private Task<int> AuditsAsync(string action, string target) =>
        Arrange.QueryAsync(db => db.AuditEvents.CountAsync(a => a.Action == action && a.TargetId == target));

    private static async Task<string> Html(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}

[Trait("Database", "Sqlite")]
public sealed class MiddlewareCatalogOnSqlite(SqlitePortal portal)
    : MiddlewareCatalogScenarios(portal),
        IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class MiddlewareCatalogOnPostgres(PostgresPortal portal)
    : MiddlewareCatalogScenarios(portal),
        IClassFixture<PostgresPortal>;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// The pipelines API: made from YAML (201 with the address and the secret this once, never again), read, listed,
/// changed, their secret rotated, deleted; a YAML problem a 400 at its line and a name taken a 409, nothing saved.
/// </summary>
public abstract class PipelineApiScenarios(PortalFixture portal)
{
    private PipelineArrangement World => new(portal.Factory);
    private Arrange Arrange => World.Arrange;

    private async Task<(Tenant Tenant, string App, HttpClient Api, string Base)> DeveloperAsync()
    {
        var (tenant, app) = await World.AppAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        return (tenant, app, api, $"/api/v1/tenants/{tenant.Slug}/apps/{app}/pipelines");
    }

    [SkippableFact]
    public async Task A_pipeline_is_made_read_changed_rotated_and_deleted_and_its_secret_is_given_only_when_made()
    {
        var (tenant, app, api, pipelines) = await DeveloperAsync();

        var created = await api.PostAsJsonAsync(pipelines, new { name = "main", yaml = PipelineArrangement.Yaml });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = body.GetProperty("webhookSecret").GetString()!;
        var read = await api.GetStringAsync($"{pipelines}/main");
        await World.RunAsync(
            tenant,
            Assert.Single(await World.PipelinesOfAsync(tenant)).Id,
            admitted: true,
            cancelled: true
        );
        var listed = await api.GetFromJsonAsync<JsonElement>(pipelines);
        var ofTenant = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/pipelines");
        var changedYaml = PipelineArrangement.Yaml.Replace("[main]", "[main, release/*]");
        var changed = await api.PutAsJsonAsync($"{pipelines}/main", new { yaml = changedYaml });
        var rotated = await api.PostAsync($"{pipelines}/main/webhook-secret", null);
        var newSecret = (await rotated.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("webhookSecret")
            .GetString();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"{pipelines}/main", created.Headers.Location!.ToString());
        Assert.Equal(PipelineArrangement.Yaml, body.GetProperty("pipeline").GetProperty("yaml").GetString());
        Assert.StartsWith(
            "https://localhost/hooks/pipelines/",
            body.GetProperty("pipeline").GetProperty("webhookUrl").GetString()
        );
        Assert.DoesNotContain(secret, read);
        Assert.DoesNotContain(secret, listed.GetRawText());
        Assert.Equal("main", listed[0].GetProperty("name").GetString());
        Assert.Equal(1, listed[0].GetProperty("lastRunNumber").GetInt32());
        Assert.Equal("build → deploy-dev (deploy dev)", listed[0].GetProperty("stages").GetString());
        Assert.Contains(ofTenant.EnumerateArray(), p => p.GetProperty("app").GetString() == app);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Contains(
            "release/*",
            (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("triggers").GetString()
        );
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.NotEqual(secret, newSecret);
        Assert.Equal(
            newSecret,
            World.OpenSecret(Assert.Single(await World.PipelinesOfAsync(tenant)).SealedWebhookSecret)
        );

        var deleted = await api.DeleteAsync($"{pipelines}/main");
        var gone = await api.GetAsync($"{pipelines}/main");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Empty(await World.PipelinesOfAsync(tenant));
    }

    [SkippableFact]
    public async Task A_yaml_problem_is_a_400_at_its_line_and_a_name_taken_a_409_and_nothing_is_saved()
    {
        var (tenant, app, api, pipelines) = await DeveloperAsync();
        await World.PipelineAsync(tenant, app, "taken");

        var invalid = await api.PostAsJsonAsync(
            pipelines,
            new { name = "other", yaml = "stages:\n  - name: x\n    kind: nope\n" }
        );
        var noName = await api.PostAsJsonAsync(pipelines, new { yaml = PipelineArrangement.Yaml });
        var taken = await api.PostAsJsonAsync(pipelines, new { name = "taken", yaml = PipelineArrangement.Yaml });
        var badChange = await api.PutAsJsonAsync($"{pipelines}/taken", new { yaml = "stages: 3" });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("Line 3: ", problem.GetProperty("errors").GetProperty("yaml")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badChange.StatusCode);
        var stored = Assert.Single(await World.PipelinesOfAsync(tenant));
        Assert.Equal(PipelineArrangement.Yaml, stored.Yaml);
    }

    [SkippableFact]
    public async Task A_viewer_lists_and_reads_but_cannot_make_or_change_a_pipeline()
    {
        var (tenant, app) = await World.AppAsync();
        await World.PipelineAsync(tenant, app, "main");
        var viewer = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));
        var pipelines = $"/api/v1/tenants/{tenant.Slug}/apps/{app}/pipelines";

        var read = await viewer.GetAsync($"{pipelines}/main");
        var create = await viewer.PostAsJsonAsync(pipelines, new { name = "other", yaml = PipelineArrangement.Yaml });
        var delete = await viewer.DeleteAsync($"{pipelines}/main");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Single(await World.PipelinesOfAsync(tenant));
    }

    [SkippableFact]
    public async Task The_openapi_document_describes_the_pipelines_and_run_quota_api()
    {
        var document = await portal.Factory.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/tenants/{tenant}/apps/{app}/pipelines", paths);
        Assert.Contains("/api/v1/tenants/{tenant}/apps/{app}/pipelines/{pipeline}", paths);
        Assert.Contains("/api/v1/tenants/{tenant}/apps/{app}/pipelines/{pipeline}/webhook-secret", paths);
        Assert.Contains("/api/v1/tenants/{tenant}/pipelines", paths);
        Assert.Contains("/api/v1/tenants/{tenant}/run-quota", paths);
        Assert.DoesNotContain(paths, p => p.Contains("/convert", StringComparison.Ordinal));
    }
}

[Trait("Database", "Sqlite")]
public sealed class PipelineApiOnSqlite(SqlitePortal portal)
    : PipelineApiScenarios(portal),
        IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class PipelineApiOnPostgres(PostgresPortal portal)
    : PipelineApiScenarios(portal),
        IClassFixture<PostgresPortal>;

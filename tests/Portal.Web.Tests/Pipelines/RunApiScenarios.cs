using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// The runs API: a run started with 202 and its address, listed by application or tenant with filters and paging,
/// read with its stages, its log read whole or after a sequence; cancelled, retried, run again, a manual stage started,
/// an approval decided. Refusals are problem details: a Viewer 403; a member the approval does not name 403 saying who
/// may; an approval decided twice 409; a finished run cancelled 409. No run moves here (no job server).
/// </summary>
public sealed class RunApiScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private RunWorld World => new(portal.Factory);
    private Arrange Arrange => World.Arrange;

    private async Task<HttpClient> ApiAsync(Tenant tenant, TenantRole role) =>
        await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, role));

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;

    [Fact]
    public async Task A_run_is_started_with_202_and_its_address_and_reads_back_as_queued()
    {
        var (tenant, app) = await World.AppAsync();
        await World.SourceAsync(tenant, app);
        var api = await ApiAsync(tenant, TenantRole.Developer);
        var runs = $"/api/v1/tenants/{tenant.Slug}/apps/{app}/pipelines/ship/runs";

        var started = await api.PostAsJsonAsync(runs, new { @ref = "main", sha = "4b825dc6" });
        var body = await started.Content.ReadFromJsonAsync<JsonElement>();
        var read = await api.GetFromJsonAsync<JsonElement>(started.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal($"{runs}/1", started.Headers.Location.OriginalString);
        Assert.Equal(1, body.GetProperty("run").GetInt32());
        Assert.Equal("Queued", read.GetProperty("state").GetString());
        Assert.Equal("Manual", read.GetProperty("trigger").GetString());
        Assert.Equal("4b825dc6", read.GetProperty("commit").GetString());
        Assert.Equal(
            ["build", "approve", "deploy"],
            read.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToArray()
        );
    }

    [Fact]
    public async Task Starting_without_a_ref_with_a_bad_sha_or_without_a_source_is_refused_and_saves_nothing()
    {
        var (tenant, app) = await World.AppAsync();
        var api = await ApiAsync(tenant, TenantRole.Developer);
        var runs = $"/api/v1/tenants/{tenant.Slug}/apps/{app}/pipelines/ship/runs";

        var noSource = await api.PostAsJsonAsync(runs, new { @ref = "main" });
        await World.SourceAsync(tenant, app);
        var noRef = await api.PostAsJsonAsync(runs, new { });
        var badSha = await api.PostAsJsonAsync(runs, new { @ref = "main", sha = "not-a-sha" });
        var noPipeline = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/{app}/pipelines/nope/runs",
            new { @ref = "main" }
        );

        Assert.Equal(HttpStatusCode.BadRequest, noSource.StatusCode);
        Assert.Contains("has no source to build", await DetailAsync(noSource));
        Assert.Equal(HttpStatusCode.BadRequest, noRef.StatusCode);
        Assert.Contains(
            "Say which branch or tag",
            (await noRef.Content.ReadFromJsonAsync<JsonElement>())
                .GetProperty("errors")
                .GetProperty("ref")[0]
                .GetString()
        );
        Assert.Equal(HttpStatusCode.BadRequest, badSha.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noPipeline.StatusCode);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.PipelineRuns.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id)
            )
        );
    }

    [Fact]
    public async Task Runs_are_listed_by_application_and_tenant_with_filters_and_paging()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        await World.FailedAsync(tenant, app);
        var api = await ApiAsync(tenant, TenantRole.Viewer);
        var prefix = $"/api/v1/tenants/{tenant.Slug}";

        var ofApp = await api.GetFromJsonAsync<JsonElement>($"{prefix}/apps/{app}/runs?state=Failed");
        var ofTenant = await api.GetFromJsonAsync<JsonElement>($"{prefix}/runs?size=1&page=2");
        var unknown = await api.GetAsync($"{prefix}/apps/nope/runs");

        var failed = Assert.Single(ofApp.GetProperty("items").EnumerateArray());
        Assert.Equal(2, failed.GetProperty("number").GetInt32());
        Assert.Equal("Failed", failed.GetProperty("stages")[0].GetProperty("state").GetString());
        Assert.Equal(2, ofTenant.GetProperty("total").GetInt32());
        Assert.Equal(1, Assert.Single(ofTenant.GetProperty("items").EnumerateArray()).GetProperty("number").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_log_is_read_after_a_sequence_as_json_and_whole_as_text()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var api = await ApiAsync(tenant, TenantRole.Viewer);
        var run = RunWorld.ApiPath(tenant, app, 1);

        var after = await api.GetFromJsonAsync<JsonElement>($"{run}/log?after=1");
        var whole = await api.GetStringAsync($"{run}/log");

        Assert.Equal(
            ["Pushed the image.", "Waits for approval."],
            after.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("text").GetString()!).ToArray()
        );
        Assert.Equal(3, after.GetProperty("last").GetInt32());
        Assert.False(after.GetProperty("finished").GetBoolean());
        Assert.Contains("[build] Fetching main…", whole);
    }

    [Fact]
    public async Task An_approval_is_decided_once_and_a_second_decision_is_a_conflict()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var admin = await Arrange.UserApiClientAsync(
            await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin))
        );
        var decision = $"{RunWorld.ApiPath(tenant, app, 1)}/stages/approve/decision";

        var approved = await admin.PostAsJsonAsync(decision, new { approve = true, comment = "go" });
        var body = await approved.Content.ReadFromJsonAsync<JsonElement>();
        var twice = await admin.PostAsJsonAsync(decision, new { approve = false, comment = "no, wait" });

        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var stage = body.GetProperty("stages")
            .EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == "approve");
        Assert.Equal("Succeeded", stage.GetProperty("state").GetString());
        Assert.Equal("go", stage.GetProperty("comment").GetString());
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Contains("no longer waits for a decision", await DetailAsync(twice));
        Assert.Equal(RunState.Running, (await World.FindAsync(tenant, app, 1)).State);
    }

    [Fact]
    public async Task A_member_the_approval_does_not_name_gets_403_saying_who_may_and_a_viewer_403()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var developer = await Arrange.UserApiClientAsync(
            await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer))
        );
        var viewer = await ApiAsync(tenant, TenantRole.Viewer);
        var run = RunWorld.ApiPath(tenant, app, 1);

        var notNamed = await developer.PostAsJsonAsync($"{run}/stages/approve/decision", new { approve = true });
        var byViewer = await viewer.PostAsJsonAsync($"{run}/stages/approve/decision", new { approve = true });
        var viewerCancels = await viewer.PostAsync($"{run}/cancel", null);

        Assert.Equal(HttpStatusCode.Forbidden, notNamed.StatusCode);
        Assert.Contains("waits for approval by a TenantAdmin or named@portal.test", await DetailAsync(notNamed));
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewerCancels.StatusCode);
        Assert.Equal(StageState.AwaitingApproval, (await World.FindAsync(tenant, app, 1)).Stage("approve")!.State);
    }

    [Fact]
    public async Task A_run_is_cancelled_once_retried_and_run_again_and_a_manual_stage_started()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        await World.SourceAsync(tenant, app);
        var api = await ApiAsync(tenant, TenantRole.Developer);
        var run = RunWorld.ApiPath(tenant, app, 1);

        var cancelled = await api.PostAsync($"{run}/cancel", null);
        var again = await api.PostAsync($"{run}/cancel", null);
        var retried = await api.PostAsync($"{run}/retry", null);
        var rerun = await api.PostAsync($"{run}/rerun", null);
        var notManual = await api.PostAsync($"{run}/stages/deploy/start", null);

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(
            "Cancelled",
            (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString()
        );
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("there is nothing to cancel", await DetailAsync(again));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(RunState.Queued, (await World.FindAsync(tenant, app, 1)).State);
        Assert.Equal(HttpStatusCode.Accepted, rerun.StatusCode);
        Assert.Equal(RunWorld.ApiPath(tenant, app, 2), rerun.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Conflict, notManual.StatusCode);
    }

    [Fact]
    public async Task A_manual_stage_whose_turn_came_is_started_through_the_api()
    {
        var (tenant, app) = await World.AppAsync(RunWorld.ManualYaml);
        await World.RunAsync(
            tenant,
            app,
            (run, now) =>
            {
                RunWorld.Built(run, now);
                run.DueStages(now);
            },
            []
        );
        var api = await ApiAsync(tenant, TenantRole.Developer);

        var started = await api.PostAsync($"{RunWorld.ApiPath(tenant, app, 1)}/stages/deploy/start", null);

        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.NotNull((await World.FindAsync(tenant, app, 1)).Stage("deploy")!.StartedBy);
    }

    [Fact]
    public async Task An_unknown_run_is_404_as_problem_details()
    {
        var (tenant, app) = await World.AppAsync();
        var api = await ApiAsync(tenant, TenantRole.Viewer);

        var response = await api.GetAsync(RunWorld.ApiPath(tenant, app, 7));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_runs_api()
    {
        var document = await portal.Factory.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/tenants/{tenant}/apps/{app}/pipelines/{pipeline}/runs", paths);
        Assert.Contains("/api/v1/tenants/{tenant}/runs", paths);
        Assert.Contains("/api/v1/tenants/{tenant}/apps/{app}/runs", paths);
        Assert.Contains(
            "/api/v1/tenants/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run}/stages/{stage}/decision",
            paths
        );
        Assert.DoesNotContain(paths, p => p.Contains("/t/", StringComparison.Ordinal));
    }
}

using System.Net;
using System.Text.RegularExpressions;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// The runs lists (of an application, of the tenant) with their stage strips, filters and pages on the server; the
/// tenant's navigation leads to them.
/// </summary>
public sealed partial class RunListScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private RunWorld World => new(portal.Factory);
    private Arrange Arrange => World.Arrange;

    private async Task<BrowserSession> ViewerAsync(Tenant tenant) =>
        await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

    [Fact]
    public async Task The_runs_of_an_application_show_each_run_with_its_stage_strip_and_filter_by_state_and_ref()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        await World.FailedAsync(tenant, app);
        await World.RunAsync(tenant, app, null, [], gitRef: "release/2");
        var viewer = await ViewerAsync(tenant);
        var list = $"/t/{tenant.Slug}/apps/{app}/runs";

        var all = WebUtility.HtmlDecode(await viewer.Http.GetStringAsync(list));
        var failed = await viewer.Http.GetStringAsync($"{list}?state=Failed");
        var release = await viewer.Http.GetStringAsync($"{list}?ref=release/2");
        var otherPipeline = await viewer.Http.GetStringAsync($"{list}?pipeline=other");

        Assert.Equal(3, RunRow().Matches(all).Count);
        Assert.Contains($"href=\"/t/{tenant.Slug}/apps/{app}/pipelines/ship/runs/1\"", all);
        Assert.Contains("data-stage=\"approve\" data-stage-state=\"AwaitingApproval\"", all);
        Assert.Contains("approve: awaiting approval", all);
        Assert.Contains("pipeline-runs-live.js", all);
        Assert.Equal([$"{app}/ship/2"], Runs(failed));
        Assert.Equal([$"{app}/ship/3"], Runs(release));
        Assert.Contains("id=\"no-runs\"", otherPipeline);
    }

    [Fact]
    public async Task The_tenants_runs_list_pages_on_the_server_and_is_in_the_navigation()
    {
        var (tenant, app) = await World.AppAsync();
        for (var i = 0; i < 21; i++)
            await World.RunAsync(tenant, app, null, []);
        var viewer = await ViewerAsync(tenant);

        var first = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/runs");
        var second = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/runs?page=2");
        var byApp = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/runs?app=nope");

        Assert.Equal(20, Runs(first).Count);
        Assert.Equal([$"{app}/ship/1"], Runs(second));
        Assert.Contains($"href=\"/t/{tenant.Slug}/runs\"", first);
        Assert.Contains("id=\"no-runs\"", byApp);
    }

    [Fact]
    public async Task The_runs_of_an_unknown_application_are_not_found()
    {
        var (tenant, _) = await World.AppAsync();
        var viewer = await ViewerAsync(tenant);

        var response = await viewer.GetAsync($"/t/{tenant.Slug}/apps/nope/runs");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static List<string> Runs(string html) => [.. RunRow().Matches(html).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("<tr data-run=\"([^\"]+)\"")]
    private static partial Regex RunRow();
}

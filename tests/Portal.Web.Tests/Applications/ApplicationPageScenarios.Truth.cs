using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// The application page tells what runs in each environment, previews every deploy, and resets the working spec after a
/// rollback.
/// </summary>
public sealed partial class ApplicationPageScenarios
{
    private async Task<(Tenant Tenant, BrowserSession Developer)> DeveloperWithAppAsync(
        string app,
        string image = "nginx:1.27",
        string? host = null
    )
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "8");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "2");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var form = Form(app, image);
        if (host is not null)
            form["IngressHost"] = host;
        Assert.Equal(
            HttpStatusCode.Redirect,
            (await developer.PostFormAsync($"/t/{tenant.Slug}/apps/new", form)).StatusCode
        );
        return (tenant, developer);
    }

    /// <summary>
    /// Posts an action of the page and waits until the tenant has that many finished application operations.
    /// </summary>
    private async Task ActAsync(
        Tenant tenant,
        BrowserSession user,
        string url,
        Dictionary<string, string> fields,
        int finished
    )
    {
        var response = await user.PostFormAsync(url, fields);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await SandboxWorld.EventuallyAsync(
            async () =>
                await Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters()
                        .CountAsync(o =>
                            o.TenantId == tenant.Id
                            && o.TargetType == "application"
                            && o.State == OperationState.Succeeded
                        )
                ) >= finished,
            $"{finished} operations to succeed",
            40
        );
    }

    private async Task<string> PageAsync(BrowserSession user, string url)
    {
        var response = await user.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_deploy_form_previews_what_changes_and_says_it_keeps_the_environments_scale()
    {
        var (tenant, developer) = await DeveloperWithAppAsync("orders");
        var apps = $"/t/{tenant.Slug}/apps/orders";
        await ActAsync(tenant, developer, $"{apps}/environments/dev/deploy", new() { ["note"] = "first" }, 1);
        await ActAsync(tenant, developer, $"{apps}/environments/dev/scale", new() { ["replicas"] = "3" }, 2);
        await developer.PostFormAsync($"{apps}/edit", Form("orders", "nginx:1.28", secrets: "API_KEY="));

        var preview = await PageAsync(developer, $"{apps}/deploy?environment=dev");
        var withReplicas = await PageAsync(developer, $"{apps}/deploy?environment=dev&replicas=5");
        await ActAsync(tenant, developer, $"{apps}/environments/dev/deploy", new() { ["note"] = "1.28" }, 3);

        Assert.Contains("dev: revision 1 → revision 2", preview);
        Assert.Contains("<del>nginx:1.27</del>", preview);
        Assert.Contains("<ins>nginx:1.28</ins>", preview);
        Assert.Contains("Keeps 3 replicas, as scaled on", preview);
        Assert.Contains("The spec says 1", preview);
        Assert.Contains("CPU requests", preview);
        Assert.Contains("id=\"deploy\"", preview);
        Assert.Contains("Runs 5 replicas (now 3)", withReplicas);
        Assert.Contains("name=\"replicas\" value=\"5\"", withReplicas);
        var deployment = await Arrange.QueryAsync(db =>
            db.AppDeployments.IgnoreQueryFilters().AsNoTracking().SingleAsync(d => d.TenantId == tenant.Id)
        );
        Assert.Equal((2, 3), (deployment.Revision, deployment.Replicas));
    }

    [Fact]
    public async Task After_a_rollback_the_application_page_says_the_working_spec_differs_from_what_runs_and_resets_it()
    {
        var (tenant, developer) = await DeveloperWithAppAsync("orders");
        var apps = $"/t/{tenant.Slug}/apps/orders";
        await ActAsync(tenant, developer, $"{apps}/environments/dev/deploy", [], 1);
        await developer.PostFormAsync($"{apps}/edit", Form("orders", "nginx:1.28", secrets: "API_KEY="));
        await ActAsync(tenant, developer, $"{apps}/environments/dev/deploy", [], 2);
        await ActAsync(tenant, developer, $"{apps}/environments/dev/rollback", new() { ["revision"] = "1" }, 3);

        var afterRollback = await PageAsync(developer, apps);
        var reset = await developer.PostFormAsync($"{apps}/environments/dev/reset-spec", []);
        var afterReset = await PageAsync(developer, apps);

        Assert.Contains("The working spec differs from what runs in dev", afterRollback);
        Assert.Contains("<del>nginx:1.27</del>", afterRollback);
        Assert.Contains("<ins>nginx:1.28</ins>", afterRollback);
        Assert.Contains($"action=\"{apps}/environments/dev/reset-spec\"", afterRollback);
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.Contains("The working spec matches what runs in dev", afterReset);
        Assert.Equal(
            "nginx:1.27",
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters()
                    .Where(a => a.TenantId == tenant.Id)
                    .Select(a => a.Image)
                    .SingleAsync()
            )
        );
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a => a.TenantId == tenant.Id && a.Action == "application.spec-reset")
            )
        );
    }

    [Fact]
    public async Task The_application_page_tells_which_revision_runs_its_replicas_against_the_spec_and_where_to_reach_it()
    {
        var host = $"orders-{Guid.NewGuid():N}"[..20] + ".example.com";
        var (tenant, developer) = await DeveloperWithAppAsync("orders", host: host);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var apps = $"/t/{tenant.Slug}/apps/orders";
        await ActAsync(tenant, developer, $"{apps}/environments/dev/deploy", [], 1);
        await ActAsync(tenant, developer, $"{apps}/environments/dev/scale", new() { ["replicas"] = "2" }, 2);

        var page = await PageAsync(viewer, apps);

        Assert.Contains("data-truth=\"dev\"", page);
        Assert.Contains("Revision 1", page);
        Assert.Contains("2 replicas (the spec says 1)", page);
        Assert.Contains($"<a href=\"http://{host}/\"", page);
        Assert.Contains($"data-copy=\"http://{host}/\"", page);
        Assert.Contains("data-copy=\"nginx:1.27\"", page);
        Assert.Contains($"data-copy=\"orders.{tenant.Slug}-dev.svc.cluster.local:80\"", page);
        Assert.Contains("The working spec matches what runs in dev", page);
        Assert.DoesNotContain("reset-spec", page);
        Assert.Contains("/js/copy.js", page);
    }
}

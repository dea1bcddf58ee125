using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// The application pages: create and edit with validation next to the fields, deploy, revisions and promotion with a
/// diff.
/// </summary>
public sealed partial class ApplicationPageScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);
    private SandboxApps Apps => new(portal.Factory);

    private static Dictionary<string, string> Form(string name, string image, string secrets = "API_KEY=k3y-s3cr3t") =>
        new()
        {
            ["Name"] = name,
            ["Owner"] = "team-shop",
            ["Description"] = "orders",
            ["Image"] = image,
            ["Ports"] = "http:8080",
            ["Variables"] = "MODE=prod",
            ["Secrets"] = secrets,
            ["CpuRequest"] = "100m",
            ["CpuLimit"] = "200m",
            ["MemoryRequest"] = "64Mi",
            ["MemoryLimit"] = "128Mi",
            ["Replicas"] = "1",
            ["ServicePort"] = "80",
            ["TargetPort"] = "8080",
        };

    [Fact]
    public async Task The_autoscale_box_of_an_environment_is_checked_only_when_the_revision_running_there_autoscales()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(deployed.Tenant, TenantRole.Developer));
        var page = $"/t/{deployed.Tenant.Slug}/apps/{deployed.App}";

        var without = await developer.Http.GetStringAsync(page);
        var set = await developer.PostFormAsync(
            $"{page}/environments/dev/autoscaling",
            new()
            {
                ["enabled"] = "true",
                ["minReplicas"] = "2",
                ["maxReplicas"] = "5",
                ["cpuUtilizationPercent"] = "60",
            },
            page
        );
        var with = await developer.Http.GetStringAsync(page);

        Assert.DoesNotContain("checked", Input(without, "hpa-dev"));
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        Assert.Contains("checked=\"checked\"", Input(with, "hpa-dev"));
        Assert.Contains("value=\"2\"", Input(with, "min-dev"));
        Assert.Contains("value=\"5\"", Input(with, "max-dev"));
        Assert.Contains("value=\"60\"", Input(with, "hcpu-dev"));
    }

    [Fact]
    public async Task The_banner_of_a_queued_deploy_follows_its_operation_instead_of_saying_success()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1, image: "registry.example.com/shop/crashloop:1.0");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(deployed.Tenant, TenantRole.Developer));
        var page = $"/t/{deployed.Tenant.Slug}/apps/{deployed.App}";

        var queued = await developer.PostFormAsync($"{page}/environments/dev/deploy", new() { ["note"] = "" }, page);
        var shown = await developer.Http.GetStringAsync(queued.Headers.Location!.OriginalString);
        var operation = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters()
                .Where(o => o.TenantId == deployed.Tenant.Id)
                .OrderByDescending(o => o.CreatedAt)
                .FirstAsync()
        );
        var failed = await SandboxApps.EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters()
                        .Where(o => o.Id == operation.Id && o.State == OperationState.Failed)
                        .Select(o => o.Error)
                        .FirstOrDefaultAsync()
                ),
            "the deploy to fail"
        );

        Assert.Equal(HttpStatusCode.Redirect, queued.StatusCode);
        var banner = Regex.Match(shown, "<div[^>]*id=\"operation-banner\"[^>]*>").Value;
        Assert.Contains($"data-operation=\"{operation.Id}\"", banner);
        Assert.Contains($"data-tenant=\"{deployed.Tenant.Slug}\"", banner);
        Assert.Contains("alert-info", banner);
        Assert.DoesNotContain("alert-success", shown);
        Assert.Contains("/js/operation-banner.js", shown);
        Assert.Contains("keeps crashing", failed);
    }

    private static string Input(string page, string id)
    {
        var input = Regex.Match(page, $"<input[^>]*id=\"{id}\"[^>]*>").Value;
        Assert.False(input.Length == 0, $"No input {id} on the page.");
        return input;
    }

    [Fact]
    public async Task The_list_shows_each_application_with_its_environments_and_the_total_even_past_the_last_page()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(deployed.Tenant, TenantRole.Viewer));
        var list = $"/t/{deployed.Tenant.Slug}/apps";

        var first = await viewer.Http.GetStringAsync(list);
        var past = await viewer.Http.GetStringAsync($"{list}?page=3");

        Assert.Contains($"data-application=\"{deployed.App}\"", first);
        Assert.Matches(@"data-environment=""dev""[^>]*><i class=""bi bi-[a-z-]+""[^>]*></i>\s+dev: \w+", first);
        Assert.Matches(@"1 application\(s\),\s+page 1 of 1", first);
        Assert.DoesNotContain("data-application=", past);
        Assert.Matches(@"1 application\(s\),\s+page 3 of 1", past);
    }

    [Fact]
    public async Task A_developer_creates_an_application_from_the_form_and_sees_each_bad_field_explained()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var refused = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/new",
            new Dictionary<string, string>(Form("Orders", "Nginx:Bad"))
            {
                ["Ports"] = "http:99999",
                ["CpuRequest"] = "lots",
            }
        );
        var created = await developer.PostFormAsync($"/t/{tenant.Slug}/apps/new", Form("orders", "nginx:1.27"));
        var byViewer = await viewer.PostFormAsync($"/t/{tenant.Slug}/apps/new", Form("other", "nginx:1.27"));
        var detail = await (await developer.GetAsync($"/t/{tenant.Slug}/apps/orders")).Content.ReadAsStringAsync();
        var list = await (await viewer.GetAsync($"/t/{tenant.Slug}/apps?search=ord")).Content.ReadAsStringAsync();
        var edit = await (await developer.GetAsync($"/t/{tenant.Slug}/apps/orders/edit")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var refusedPage = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains("'lots' is not a CPU amount", refusedPage);
        Assert.DoesNotContain("k3y-s3cr3t", refusedPage);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Contains("nginx:1.27", detail);
        Assert.Contains("API_KEY=••••••", WebUtility.HtmlDecode(detail));
        Assert.DoesNotContain("k3y-s3cr3t", detail);
        Assert.DoesNotContain("k3y-s3cr3t", edit);
        Assert.Contains("value=\"64Mi\"", edit);
        Assert.Contains("value=\"100m\"", edit);
        Assert.Contains("data-application=\"orders\"", list);
        Assert.Contains("not deployed", list);

        var invalid = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/new",
            new Dictionary<string, string>(Form("orders2", "Nginx:Bad")) { ["Ports"] = "http:99999" }
        );
        var invalidPage = WebUtility.HtmlDecode(await invalid.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("field-validation-error", invalidPage);
        Assert.Contains("99999", invalidPage);
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id)
            )
        );
    }

    [Fact]
    public async Task Deploying_from_the_page_then_comparing_revisions_and_previewing_a_promotion()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "8");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "2");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "prod", "2");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        await developer.PostFormAsync($"/t/{tenant.Slug}/apps/new", Form("orders", "nginx:1.27"));

        var deployed = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/orders/environments/dev/deploy",
            new() { ["note"] = "first" }
        );
        await SandboxWorld.EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters()
                        .AnyAsync(o =>
                            o.TenantId == tenant.Id
                            && o.Kind == "application.deploy"
                            && o.State == OperationState.Succeeded
                        )
                ),
            "the deploy to succeed",
            40
        );
        var edited = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/orders/edit",
            Form("orders", "nginx:1.28", secrets: "API_KEY=")
        );
        await developer.PostFormAsync($"/t/{tenant.Slug}/apps/orders/environments/dev/deploy", []);
        var revisions = WebUtility.HtmlDecode(
            await (
                await developer.GetAsync($"/t/{tenant.Slug}/apps/orders/revisions?from=1&to=2")
            ).Content.ReadAsStringAsync()
        );
        var promotion = WebUtility.HtmlDecode(
            await (
                await developer.GetAsync($"/t/{tenant.Slug}/apps/orders/promote?from=dev&to=prod")
            ).Content.ReadAsStringAsync()
        );
        var overQuota = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/orders/environments/dev/scale",
            new() { ["replicas"] = "50" }
        );
        var afterRefusal = WebUtility.HtmlDecode(
            await (await developer.GetAsync(overQuota.Headers.Location!.ToString())).Content.ReadAsStringAsync()
        );

        Assert.Equal(HttpStatusCode.Redirect, deployed.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, edited.StatusCode);
        Assert.Contains("Revision 1 → 2", revisions);
        Assert.Contains("<del>nginx:1.27</del>", revisions);
        Assert.Contains("<ins>nginx:1.28</ins>", revisions);
        Assert.Contains("prod: revision none → revision 2 of dev", promotion);
        Assert.Contains("id=\"promote\"", promotion);
        Assert.Contains("Over quota in environment 'dev'", afterRefusal);
        var spec = await Arrange.QueryAsync(db =>
            db.Applications.IgnoreQueryFilters()
                .Where(a => a.TenantId == tenant.Id)
                .Select(a => a.SealedSpec)
                .SingleAsync()
        );
        Assert.DoesNotContain("k3y-s3cr3t", spec);
        Assert.Equal(
            2,
            await Arrange.QueryAsync(db => db.Revisions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id))
        );
    }
}

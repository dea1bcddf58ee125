using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// The builds pages: a developer builds from the application's builds list (or its source page) and lands on the
/// build; the build page shows its steps, its kept log, the failure in words, and for a success the deploy form; the
/// tenant's list shows every application's builds with filters; Viewers read and cannot act; and what builds lack on
/// this machine is said on the pages.
/// </summary>
public sealed class BuildPageScenarios(SourcesPortal portal) : IClassFixture<SourcesPortal>
{
    private BuildWorld World => new(portal);
    private Arrange Arrange => World.Arrange;

    private async Task<BrowserSession> MemberAsync(Tenant tenant, TenantRole role) =>
        await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, role));

    [SkippableFact]
    public async Task A_developer_builds_from_the_builds_page_and_lands_on_the_queued_build()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var list = $"/t/{tenant.Slug}/apps/{app}/builds";

        var built = await developer.PostFormAsync(list, new() { ["Ref"] = "v1.0" }, list);
        var page = await developer.Http.GetStringAsync(built.Headers.Location!.OriginalString);
        var listed = await developer.Http.GetStringAsync(list);

        Assert.Equal(HttpStatusCode.Redirect, built.StatusCode);
        Assert.Equal($"{list}/1", built.Headers.Location.OriginalString);
        Assert.Contains("Build 1 of " + app, page);
        Assert.Contains("data-build-state=\"Queued\"", page);
        Assert.Contains("id=\"cancel-build\"", page);
        Assert.Contains($"data-build=\"{app}/1\"", listed);
        Assert.Equal("v1.0", (await World.FindAsync(tenant, app, 1)).Ref);
    }

    [SkippableFact]
    public async Task The_source_page_has_a_build_button_that_builds_the_sources_ref()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var source = await developer.Http.GetStringAsync($"/t/{tenant.Slug}/apps/{app}/source");

        var built = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/{app}/builds",
            new(),
            $"/t/{tenant.Slug}/apps/{app}/source"
        );

        Assert.Contains("id=\"build-source\"", source);
        Assert.Equal(HttpStatusCode.Redirect, built.StatusCode);
        Assert.Equal("main", (await World.FindAsync(tenant, app, 1)).Ref);
    }

    [SkippableFact]
    public async Task Building_an_application_without_a_source_is_refused_on_the_page_and_saves_nothing()
    {
        var (tenant, app) = await World.WithoutSourceAsync();
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var list = $"/t/{tenant.Slug}/apps/{app}/builds";
        var shown = await developer.Http.GetStringAsync(list);

        var refused = await developer.PostFormAsync(
            list,
            new() { ["Ref"] = "main" },
            $"/t/{tenant.Slug}/apps/{app}/source"
        );

        Assert.Contains("id=\"no-source\"", shown);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("has no source to build", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()));
        Assert.Equal(0, await World.BuildsOfAsync(tenant));
    }

    [SkippableFact]
    public async Task A_failed_build_says_why_in_words_with_its_kept_log_and_steps()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        await World.FailedAsync(tenant, app, "main.go:3: undefined: x");
        var viewer = await MemberAsync(tenant, TenantRole.Viewer);

        var page = WebUtility.HtmlDecode(await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/apps/{app}/builds/1"));

        Assert.Contains("id=\"build-failure\"", page);
        Assert.Contains("A step of the build failed.", page);
        Assert.Contains("main.go:3: undefined: x", page);
        Assert.Contains("Fetching main…", page);
        Assert.Contains("data-step=\"build\"", page);
        Assert.Contains(BuildWorld.Sha[..12], page);
        Assert.DoesNotContain("build-live.js", page);
        Assert.DoesNotContain("id=\"rebuild\"", page);
        Assert.DoesNotContain("id=\"cancel-build\"", page);
    }

    [SkippableFact]
    public async Task A_succeeded_build_shows_its_pinned_image_and_a_deploy_form_whose_refusals_come_back_to_it()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        await World.SucceededAsync(tenant, app);
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var build = $"/t/{tenant.Slug}/apps/{app}/builds/1";

        var page = await developer.Http.GetStringAsync(build);
        var deployed = await developer.PostFormAsync(
            $"{build}/deploy",
            new()
            {
                ["Environment"] = "env",
                ["Note"] = "first build",
                ["RollBackOnFailure"] = "true",
            },
            build
        );
        var refusal = WebUtility.HtmlDecode(
            await developer.Http.GetStringAsync(deployed.Headers.Location!.OriginalString)
        );
        var unknown = await developer.PostFormAsync($"{build}/deploy", new() { ["Environment"] = "nowhere" }, build);

        Assert.Contains($"127.0.0.1:5000/{tenant.Slug}/{app}@{BuildWorld.Digest}", page);
        Assert.Contains("id=\"deploy-build-form\"", page);
        Assert.Contains("<option value=\"env\"", page);
        Assert.Equal(HttpStatusCode.Redirect, deployed.StatusCode);
        // The environment of this world has no quota: the deploy is refused with the words of the deploy itself.
        Assert.Equal(build, deployed.Headers.Location.OriginalString);
        Assert.Contains("Over quota in environment 'env'", refusal);
        Assert.Equal(HttpStatusCode.Redirect, unknown.StatusCode);
        Assert.Equal(build, unknown.Headers.Location!.OriginalString);
    }

    [SkippableFact]
    public async Task The_log_downloads_as_a_text_file_from_the_page()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        await World.SucceededAsync(tenant, app);
        var viewer = await MemberAsync(tenant, TenantRole.Viewer);

        var log = await viewer.GetAsync($"/t/{tenant.Slug}/apps/{app}/builds/1/log");

        Assert.Equal("text/plain", log.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", log.Content.Headers.ContentDisposition?.DispositionType);
        Assert.StartsWith("Fetching main…\n", await log.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_developer_cancels_a_queued_build_and_rebuilds_a_finished_one_from_the_pages()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        await World.SucceededAsync(tenant, app);
        await World.BuildAsync(tenant, app, "main", null, []);
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var builds = $"/t/{tenant.Slug}/apps/{app}/builds";

        var cancelled = await developer.PostFormAsync($"{builds}/2/cancel", new(), builds);
        var cancelledAgain = await developer.PostFormAsync($"{builds}/2/cancel", new(), builds);
        var rebuilt = await developer.PostFormAsync($"{builds}/1/rebuild", new(), builds);
        var refusal = await developer.Http.GetStringAsync($"{builds}/2");

        Assert.Equal($"{builds}/2", cancelled.Headers.Location!.OriginalString);
        Assert.Equal(Domain.Builds.BuildState.Cancelled, (await World.FindAsync(tenant, app, 2)).State);
        Assert.Equal($"{builds}/2", cancelledAgain.Headers.Location!.OriginalString);
        Assert.Equal($"{builds}/3", rebuilt.Headers.Location!.OriginalString);
        Assert.Equal(BuildWorld.Sha, (await World.FindAsync(tenant, app, 3)).Ref);
        Assert.Contains("cancelled", refusal);
    }

    [SkippableFact]
    public async Task The_tenants_builds_page_lists_every_applications_builds_and_filters_them()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        var other = (await Arrange.ApplicationAsync(tenant, "env")).App;
        await World.SucceededAsync(tenant, app);
        await World.FailedAsync(tenant, other, "no");
        var viewer = await MemberAsync(tenant, TenantRole.Viewer);
        var builds = $"/t/{tenant.Slug}/builds";

        var all = await viewer.Http.GetStringAsync(builds);
        var failed = await viewer.Http.GetStringAsync($"{builds}?state=Failed");
        var ofApp = await viewer.Http.GetStringAsync($"{builds}?app={app}");

        Assert.Contains($"data-build=\"{app}/1\"", all);
        Assert.Contains($"data-build=\"{other}/1\"", all);
        Assert.Contains($"href=\"{builds}\"", all);
        Assert.DoesNotContain($"data-build=\"{app}/1\"", failed);
        Assert.Contains($"data-build=\"{other}/1\"", failed);
        Assert.DoesNotContain($"data-build=\"{other}/1\"", ofApp);
        Assert.DoesNotContain("id=\"build-form\"", all);
        Assert.DoesNotContain("Rebuild", all);
    }

    [SkippableFact]
    public async Task A_viewer_sees_no_build_form_and_cannot_build_cancel_rebuild_or_deploy()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        await World.SucceededAsync(tenant, app);
        var viewer = await MemberAsync(tenant, TenantRole.Viewer);
        var builds = $"/t/{tenant.Slug}/apps/{app}/builds";

        var list = await viewer.Http.GetStringAsync(builds);
        var page = await viewer.Http.GetStringAsync($"{builds}/1");
        var posts = new[]
        {
            await viewer.PostFormAsync(builds, new(), builds),
            await viewer.PostFormAsync($"{builds}/1/cancel", new(), builds),
            await viewer.PostFormAsync($"{builds}/1/rebuild", new(), builds),
            await viewer.PostFormAsync($"{builds}/1/deploy", new() { ["Environment"] = "env" }, builds),
        };

        Assert.DoesNotContain("id=\"build-form\"", list);
        Assert.DoesNotContain("id=\"deploy-build-form\"", page);
        Assert.DoesNotContain("id=\"rebuild\"", page);
        Assert.All(posts, p => Assert.Equal(HttpStatusCode.Forbidden, p.StatusCode));
        Assert.Equal(1, await World.BuildsOfAsync(tenant));
    }

    [SkippableFact]
    public async Task The_builds_pages_say_what_is_missing_for_builds_and_how_to_get_it()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        await World.BuildAsync(tenant, app, "main", null, []);
        var viewer = await MemberAsync(tenant, TenantRole.Viewer);

        var list = WebUtility.HtmlDecode(await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/apps/{app}/builds"));
        var page = WebUtility.HtmlDecode(await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/apps/{app}/builds/1"));

        // The test portal runs no registry: the pages say so, and how to configure one.
        foreach (var html in new[] { list, page })
        {
            Assert.Contains("id=\"builds-unavailable\"", html);
            Assert.Contains("No image registry is configured", html);
            Assert.Contains("Portal:Builds:Registry:Url", html);
        }
    }

    [SkippableFact]
    public void A_missing_buildah_is_named_with_the_package_that_brings_it()
    {
        var services = portal.Factory.Services;
        var prerequisites = new Portal.Web.Builds.BuildPrerequisites(
            services.GetRequiredService<IImageBuilder>(),
            Options.Create(new BuildahOptions { Executable = "/nowhere/buildah" }),
            services.GetRequiredService<RegistryConnection>()
        );

        var missing = prerequisites.Missing();

        Assert.Contains(missing, m =>
            m.Contains("'/nowhere/buildah' is not installed") && m.Contains("apt-get install buildah")
        );
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Builds;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// An archive uploaded as a one-off source, through the API and the page: queued with its archive kept, or refused
/// with a clear message (not an archive, a path climbing out, a link out, over the limit) keeping nothing.
/// </summary>
public sealed class ArchiveUploadScenarios(UploadPortal portal) : IClassFixture<UploadPortal>
{
    private Arrange Arrange => new(portal.Factory);

    private async Task<(Tenant Tenant, string App)> AppAsync()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        return (tenant, app);
    }

    private static string ApiUrl(Tenant tenant, string app) =>
        $"/api/v1/tenants/{tenant.Slug}/apps/{app}/builds/archive";

    private static string PageUrl(Tenant tenant, string app) => $"/t/{tenant.Slug}/apps/{app}/builds/upload";

    private async Task<HttpClient> DeveloperApiAsync(Tenant tenant) =>
        await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));

    private Task<int> BuildsOfAsync(Tenant tenant) =>
        Arrange.QueryAsync(db => db.Builds.IgnoreQueryFilters().CountAsync(b => b.TenantId == tenant.Id));

    private async Task AssertNothingSavedAsync(Tenant tenant, string[] filesBefore)
    {
        Assert.Equal(0, await BuildsOfAsync(tenant));
        Assert.Equal(filesBefore.Order(), portal.StoredFiles().Order());
    }

    [Fact]
    public async Task An_archive_posted_to_the_api_queues_a_build_answered_202_with_its_address_and_keeps_the_archive()
    {
        var (tenant, app) = await AppAsync();
        var api = await DeveloperApiAsync(tenant);

        var answer = await api.PostAsync(ApiUrl(tenant, app), UploadPortal.Form(UploadPortal.Site(), "site.tar.gz"));

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal($"/api/v1/tenants/{tenant.Slug}/apps/{app}/builds/1", answer.Headers.Location?.OriginalString);
        var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        var sha = body.GetProperty("archiveSha256").GetString()!;
        Assert.Equal($"archive-{sha[..12]}", body.GetProperty("imageTag").GetString());
        Assert.Equal("site.tar.gz", body.GetProperty("archiveFileName").GetString());
        var build = await Arrange.QueryAsync(db =>
            db.Builds.IgnoreQueryFilters().SingleAsync(b => b.TenantId == tenant.Id)
        );
        Assert.Equal((BuildState.Queued, sha), (build.State, build.Archive!.Sha256));
        Assert.Contains(Path.Combine(portal.ArchivesFolder, $"{build.Id:N}.archive"), portal.StoredFiles());
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.AuditEvents.IgnoreQueryFilters()
                    .AnyAsync(e => e.TenantId == tenant.Id && e.Action == BuildAuditActions.ArchiveBuildQueued)
            )
        );
    }

    [Theory]
    [MemberData(nameof(UploadPortal.Refused), MemberType = typeof(UploadPortal))]
    public async Task A_refused_archive_is_answered_400_in_words_and_nothing_is_kept(string kind, string words)
    {
        var (tenant, app) = await AppAsync();
        var api = await DeveloperApiAsync(tenant);
        var before = portal.StoredFiles();

        var answer = await api.PostAsync(ApiUrl(tenant, app), UploadPortal.Form(UploadPortal.RefusedArchive(kind)));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.Contains(words, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNothingSavedAsync(tenant, before);
    }

    [Fact]
    public async Task A_2_gib_upload_announced_is_refused_413_before_its_body_is_read()
    {
        var (tenant, app) = await AppAsync();
        // Without the redirect handler of the default client, which copies a request's body to send it again.
        var api = portal.Factory.CreateDefaultClient(PortalFactory.Origin);
        api.DefaultRequestHeaders.Authorization = (await DeveloperApiAsync(tenant)).DefaultRequestHeaders.Authorization;
        var before = portal.StoredFiles();
        var zeros = new ZerosContent(2L << 30);
        zeros.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");

        var answer = await api.PostAsync(ApiUrl(tenant, app), zeros);

        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)answer.StatusCode} {body}");
        Assert.Contains("larger than 64 KiB", body, StringComparison.Ordinal);
        Assert.True(zeros.Sent < 64L << 20, $"{zeros.Sent} bytes were sent before the refusal.");
        await AssertNothingSavedAsync(tenant, before);
    }

    [Fact]
    public async Task An_upload_streamed_past_the_limit_without_a_length_is_refused_413_at_the_limit()
    {
        var (tenant, app) = await AppAsync();
        var api = await DeveloperApiAsync(tenant);
        var before = portal.StoredFiles();
        var zeros = new ZerosContent(8L << 20);
        var form = new MultipartFormDataContent { { zeros, "archive", "zeros.tar.gz" } };
        var request = new HttpRequestMessage(HttpMethod.Post, ApiUrl(tenant, app)) { Content = form };
        request.Headers.TransferEncodingChunked = true;

        var answer = await api.SendAsync(request);

        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)answer.StatusCode} {body}");
        Assert.Contains("larger than 64 KiB", body, StringComparison.Ordinal);
        await AssertNothingSavedAsync(tenant, before);
    }

    [Fact]
    public async Task A_viewer_may_not_upload_an_archive()
    {
        var (tenant, app) = await AppAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));

        var answer = await api.PostAsync(ApiUrl(tenant, app), UploadPortal.Form(UploadPortal.Site()));

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Equal(0, await BuildsOfAsync(tenant));
    }

    [Fact]
    public async Task The_upload_page_queues_a_build_of_the_archive_with_the_recipe_chosen()
    {
        var (tenant, app) = await AppAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var html = await developer.Http.GetStringAsync(PageUrl(tenant, app));

        var answer = await developer.PostMultipartAsync(
            PageUrl(tenant, app),
            UploadPortal.Form(UploadPortal.TarGz(("notes.txt", "no recipe would be found")), "notes.tgz", "static"),
            PageUrl(tenant, app)
        );

        Assert.Contains("id=\"archive-form\"", html);
        Assert.Contains("enctype=\"multipart/form-data\"", html);
        Assert.Contains("<option value=\"static\"", html);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var build = await Arrange.QueryAsync(db =>
            db.Builds.IgnoreQueryFilters().SingleAsync(b => b.TenantId == tenant.Id)
        );
        Assert.Equal(("notes.tgz", "static"), (build.Archive!.FileName, build.RequestedRecipe!.Recipe));
        var page = await developer.Http.GetStringAsync(answer.Headers.Location!.OriginalString);
        Assert.Contains($"Build 1 of {app} is queued from notes.tgz", page);
    }

    [Fact]
    public async Task The_upload_page_shows_a_refused_archive_next_to_its_field_and_keeps_nothing()
    {
        var (tenant, app) = await AppAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var before = portal.StoredFiles();

        var answer = await developer.PostMultipartAsync(
            PageUrl(tenant, app),
            UploadPortal.Form(UploadPortal.RefusedArchive("link-out")),
            PageUrl(tenant, app)
        );

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Contains("points to &#x27;/etc/shadow&#x27;", html);
        Assert.Contains("id=\"archive-error\"", html);
        await AssertNothingSavedAsync(tenant, before);
    }

    [Fact]
    public async Task The_upload_page_refuses_an_archive_over_the_limit_as_a_form_error()
    {
        var (tenant, app) = await AppAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var before = portal.StoredFiles();

        var answer = await developer.PostMultipartAsync(
            PageUrl(tenant, app),
            UploadPortal.Form(new byte[UploadPortal.Limit + 1], "big.tar.gz"),
            PageUrl(tenant, app)
        );

        var html = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{(int)answer.StatusCode} {html}");
        Assert.Contains("The archive is larger than 64 KiB", html);
        await AssertNothingSavedAsync(tenant, before);
    }

    [Fact]
    public async Task The_page_without_an_antiforgery_token_is_refused()
    {
        var (tenant, app) = await AppAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var answer = await developer.Http.PostAsync(PageUrl(tenant, app), UploadPortal.Form(UploadPortal.Site()));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal(0, await BuildsOfAsync(tenant));
    }
}

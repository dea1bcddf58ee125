using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Builds;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// An application's image retention rule, set on the images page and through the API and applied at once; the
/// registry's own deletion is proven against the real registry in the infrastructure tests.
/// </summary>
public sealed class RetentionScenarios(SourcesPortal portal) : IClassFixture<SourcesPortal>
{
    private Arrange Arrange => new(portal.Factory);

    private async Task<(Tenant Tenant, string App)> AppWithImagesAsync(int images)
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        for (var i = 1; i <= images; i++)
            portal.Registry.Push($"{tenant.Slug}/{app}", $"v{i}", "sha256:" + new string((char)('0' + i), 64), 100);
        return (tenant, app);
    }

    [SkippableFact]
    public async Task A_rule_put_through_the_api_is_kept_and_deletes_the_images_beyond_the_newest_at_once()
    {
        var (tenant, app) = await AppWithImagesAsync(3);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var url = $"/api/v1/tenants/{tenant.Slug}/apps/{app}/images/retention";

        var put = await api.PutAsJsonAsync(url, new { keepLast = 2 });
        var got = await api.GetFromJsonAsync<JsonElement>(url);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var outcome = await put.Content.ReadFromJsonAsync<JsonElement>();
        var deleted = Assert.Single(outcome.GetProperty("deleted").EnumerateArray());
        Assert.Equal("v1", deleted.GetProperty("tags")[0].GetString());
        Assert.Equal(2, got.GetProperty("keepLast").GetInt32());
        var tags = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/apps/{app}/images");
        Assert.Equal(
            ["v3", "v2"],
            tags.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("tag").GetString())
        );
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.AuditEvents.IgnoreQueryFilters()
                    .AnyAsync(e => e.TenantId == tenant.Id && e.Action == BuildAuditActions.ImagesDeleted)
            )
        );
    }

    [SkippableFact]
    public async Task A_rule_of_no_image_is_refused_at_its_field_and_nothing_is_deleted()
    {
        var (tenant, app) = await AppWithImagesAsync(2);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));

        var put = await api.PutAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/{app}/images/retention",
            new { keepLast = 0 }
        );

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var problem = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("keepLast", out _));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.ImageRetentions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task The_images_page_sets_the_rule_says_what_was_deleted_and_shows_the_rule()
    {
        var (tenant, app) = await AppWithImagesAsync(2);
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var images = $"/t/{tenant.Slug}/apps/{app}/images";

        var before = await developer.Http.GetStringAsync(images);
        var posted = await developer.PostFormAsync($"{images}/retention", new() { ["keepLast"] = "1" }, images);
        var after = await developer.Http.GetStringAsync(images);

        Assert.Contains("Every image is kept", before);
        Assert.Contains("id=\"retention-form\"", before);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Contains("Deleted: v1.", after);
        Assert.Contains("The newest 1 images and any image an environment runs are kept", after);
        Assert.DoesNotContain("data-tag=\"v1\"", after);
    }

    [SkippableFact]
    public async Task A_viewer_sees_the_rule_but_cannot_set_it()
    {
        var (tenant, app) = await AppWithImagesAsync(2);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var images = $"/t/{tenant.Slug}/apps/{app}/images";

        var html = await viewer.Http.GetStringAsync(images);
        var posted = await viewer.PostFormAsync($"{images}/retention", new() { ["keepLast"] = "1" }, images);

        Assert.DoesNotContain("id=\"retention-form\"", html);
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.ImageRetentions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id)
            )
        );
    }
}

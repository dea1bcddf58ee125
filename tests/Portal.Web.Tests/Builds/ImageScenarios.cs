using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>The images of an application, "{tenant}/{app}" in the registry, on its page and through the API.</summary>
public sealed class ImageScenarios(SourcesPortal portal) : IClassFixture<SourcesPortal>
{
    private Arrange Arrange => new(portal.Factory);

    private async Task<(Tenant Tenant, string App)> AppAsync()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        return (tenant, app);
    }

    private static string Digest(char c) => "sha256:" + new string(c, 64);

    [SkippableFact]
    public async Task The_images_page_lists_the_tags_with_a_short_digest_and_size()
    {
        var (tenant, app) = await AppAsync();
        portal.Registry.Push($"{tenant.Slug}/{app}", "3f2a9c1b7d4e", Digest('a'), 52_428_800);
        portal.Registry.Push($"{tenant.Slug}/{app}", "main", Digest('a'), 52_428_800);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var html = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/apps/{app}/images");

        Assert.Contains("data-tag=\"3f2a9c1b7d4e\"", html);
        Assert.Contains("data-tag=\"main\"", html);
        Assert.Contains($">sha256:{new string('a', 12)}<", html);
        Assert.Contains("50 MiB", html);
    }

    [SkippableFact]
    public async Task An_application_never_built_says_it_has_no_image_yet()
    {
        var (tenant, app) = await AppAsync();
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var html = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/apps/{app}/images");

        Assert.Contains("id=\"no-images\"", html);
    }

    [SkippableFact]
    public async Task A_registry_that_is_not_available_is_said_so_with_how_to_install_it()
    {
        var (tenant, app) = await AppAsync();
        portal.Registry.Unreachable($"{tenant.Slug}/{app}");
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));

        var page = await viewer.Http.GetAsync($"/t/{tenant.Slug}/apps/{app}/images");
        var html = await page.Content.ReadAsStringAsync();
        var answer = await api.GetAsync($"/api/v1/tenants/{tenant.Slug}/apps/{app}/images");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("id=\"registry-unavailable\"", html);
        Assert.Contains("apt-get install docker-registry", html);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
    }

    [SkippableFact]
    public async Task The_api_lists_the_tags_with_digest_and_size()
    {
        var (tenant, app) = await AppAsync();
        portal.Registry.Push($"{tenant.Slug}/{app}", "v1", Digest('b'), 1234);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));

        var answer = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/apps/{app}/images");

        var tag = Assert.Single(answer.GetProperty("tags").EnumerateArray());
        Assert.Equal("v1", tag.GetProperty("tag").GetString());
        Assert.Equal(Digest('b'), tag.GetProperty("digest").GetString());
        Assert.Equal(1234, tag.GetProperty("sizeBytes").GetInt64());
        Assert.Equal($"{tenant.Slug}/{app}", answer.GetProperty("repository").GetString());
    }

    [SkippableFact]
    public async Task A_repository_of_many_tags_shows_the_newest_fifty_and_says_how_many_there_are()
    {
        var (tenant, app) = await AppAsync();
        for (var i = 0; i < 60; i++)
            portal.Registry.Push($"{tenant.Slug}/{app}", $"build-{i:D3}", Digest('c'), 1000 + i);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var answer = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/apps/{app}/images");
        var html = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/apps/{app}/images");

        var tags = answer.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("tag").GetString()).ToList();
        Assert.Equal(50, tags.Count);
        Assert.Equal("build-059", tags[0]);
        Assert.DoesNotContain("build-009", tags);
        Assert.Equal(60, answer.GetProperty("totalTags").GetInt32());
        Assert.Contains("The newest 50 of 60 tags.", html);
    }
}

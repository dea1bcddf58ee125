using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Builds;
using Portal.Domain.Tenancy;

namespace Portal.Web.Tests.Applications;

public sealed partial class ApplicationPageScenarios
{
    [Fact]
    public async Task The_application_page_links_to_its_builds_its_source_and_its_images()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(deployed.Tenant, TenantRole.Viewer));

        var html = await viewer.Http.GetStringAsync($"/t/{deployed.Tenant.Slug}/apps/{deployed.App}");

        Assert.Contains($"href=\"/t/{deployed.Tenant.Slug}/apps/{deployed.App}/builds\"", html);
        Assert.Contains($"href=\"/t/{deployed.Tenant.Slug}/apps/{deployed.App}/source\"", html);
        Assert.Contains($"href=\"/t/{deployed.Tenant.Slug}/apps/{deployed.App}/images\"", html);
    }

    [Fact]
    public async Task Deploying_a_build_from_its_page_queues_the_deploy_and_goes_on_to_the_application()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var slug = deployed.Tenant.Slug;
        var digest = "sha256:" + new string('5', 64);
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Infrastructure.Persistence.PortalDbContext>();
            var appId = await db
                .Applications.IgnoreQueryFilters()
                .Where(a => a.TenantId == deployed.Tenant.Id && a.Name == deployed.App)
                .Select(a => a.Id)
                .SingleAsync();
            var build = Build.Queue(deployed.Tenant.Id, appId, 0, "main", "ada", DateTime.UtcNow).Value;
            build.Start(DateTime.UtcNow);
            build.Fetched(new SourceCommit(new string('5', 40), "Ship it", "Ada", DateTime.UtcNow));
            build.Succeed(
                new PushedImage($"127.0.0.1:5000/{slug}/{deployed.App}", "555555555555", digest, 1),
                DateTime.UtcNow
            );
            db.Builds.Add(build);
            await db.SaveChangesAsync();
        }
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(deployed.Tenant, TenantRole.Developer));
        var page = $"/t/{slug}/apps/{deployed.App}/builds/1";

        var posted = await developer.PostFormAsync($"{page}/deploy", new() { ["Environment"] = "dev" }, page);

        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal($"/t/{slug}/apps/{deployed.App}", posted.Headers.Location!.OriginalString);
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters()
                    .AnyAsync(a => a.TenantId == deployed.Tenant.Id && a.Image.EndsWith(digest))
            )
        );
    }
}

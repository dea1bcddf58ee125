using Portal.Domain.Tenancy;

namespace Portal.Web.Tests.Applications;

public sealed partial class ApplicationPageScenarios
{
    [Fact]
    public async Task The_application_page_links_to_its_source_and_its_images()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(deployed.Tenant, TenantRole.Viewer));

        var html = await viewer.Http.GetStringAsync($"/t/{deployed.Tenant.Slug}/apps/{deployed.App}");

        Assert.Contains($"href=\"/t/{deployed.Tenant.Slug}/apps/{deployed.App}/source\"", html);
        Assert.Contains($"href=\"/t/{deployed.Tenant.Slug}/apps/{deployed.App}/images\"", html);
    }
}

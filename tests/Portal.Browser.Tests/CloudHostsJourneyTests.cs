using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Domain.Audit;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Quotas;
using Portal.Web.Clouds;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the cloud hosts journey: the embedded sandbox cluster and sandbox cloud, quick boots.
/// </summary>
public sealed class CloudHostsPortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Sandbox:PodStartDelay"] = "00:00:00.5",
            ["Portal:Clusters:FlushInterval"] = "00:00:00.2",
            ["Portal:SandboxCloud:BootDelay"] = "00:00:01",
            ["Portal:Clouds:PollEvery"] = "00:00:00.300",
        }
    );

/// <summary>
/// A platform admin adds an Alibaba account (the sandbox cloud's), defines a template from what the account offers,
/// grows a pool by three hosts, watches them become Ready, finds them in the hosts inventory with where they came from,
/// and decommissions one.
/// </summary>
public sealed class CloudHostsJourneyTests(CloudHostsPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<CloudHostsPortalFixture>
{
    [SkippableFact]
    public async Task A_platform_admin_grows_a_pool_by_three_alibaba_hosts_and_decommissions_one()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");
        var cloud = portal.Services.GetRequiredService<EmbeddedSandboxCloud>().Cloud!;
        var pool = await PoolAsync("journey-pool");
        var admin = await portal.NewSignedInAdminPageAsync();
        admin.Dialog += (_, dialog) => dialog.AcceptAsync();

        // The account: its kind's fields, then the credentials, checked with the provider before it is kept.
        await admin.GotoAsync("/admin/clouds");
        await admin.Locator("#kind-switch").SelectOptionAsync("Alibaba");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Show its fields" }).ClickAsync();
        await admin.Locator("#Name").FillAsync("journey-alibaba");
        await admin.Locator("#Regions").FillAsync("sandbox-1");
        await admin.Locator("#Endpoint").FillAsync(cloud.EndpointOf("Alibaba").ToString());
        await admin.Locator("#Field_AccessKeyId").FillAsync(cloud.Options.AccessKey);
        await admin.Locator("#Field_AccessKeySecret").FillAsync(cloud.Options.Secret);
        await admin.SaveScreenshotAsync("80-cloud-account");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Check and add" }).ClickAsync();
        await Expect(admin.Locator("#account-facts")).ToBeVisibleAsync();
        Assert.DoesNotContain(cloud.Options.Secret, await admin.ContentAsync());

        // The template, chosen from what the account lists in its region.
        await admin.GotoAsync($"/admin/pools/{pool}/templates");
        await admin.Locator("#catalog-account").SelectOptionAsync("journey-alibaba");
        await admin.GetByRole(AriaRole.Button, new() { Name = "List what it offers" }).ClickAsync();
        await admin.Locator("#Form_Name").FillAsync("small");
        await admin.Locator("#Form_Zone").SelectOptionAsync("sandbox-1a");
        await admin.Locator("#Form_InstanceType").SelectOptionAsync("small.2c4g");
        await admin.Locator("#Form_Image").SelectOptionAsync("img-debian-12");
        await admin.Locator("#Form_Labels").FillAsync("team=journey");
        await admin.SaveScreenshotAsync("81-host-template");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save template" }).ClickAsync();
        await Expect(admin.Locator("#host-templates tr[data-template='small']")).ToContainTextAsync("2 vCPU");

        // Three hosts: each an operation of its own, followed on the page until Ready.
        await admin.Locator("#Grow_Template").SelectOptionAsync("small");
        await admin.Locator("#Grow_Count").FillAsync("3");
        await admin.Locator("#grow-pool").GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(admin.Locator("#cloud-hosts tbody tr[data-host]")).ToHaveCountAsync(3);
        await admin.ReloadUntilCountAsync(
            admin.Locator("#cloud-hosts td[data-field='state']:text-is('Ready')"),
            3,
            timeoutMs: 90_000
        );
        await admin.SaveScreenshotAsync("82-hosts-ready");
        var names = await admin.Locator("#cloud-hosts tbody tr[data-host] td:first-child a").AllInnerTextsAsync();

        // The hosts inventory knows them as nodes, and says where each came from.
        await admin.GotoAsync("/admin/clusters/sandbox/hosts?search=" + pool);
        foreach (var name in names)
        {
            var row = admin.Locator($"tr[data-host='{name.Trim()}']");
            await admin.ReloadUntilCountAsync(row, 1, timeoutMs: 20_000);
            await Expect(row.Locator("td[data-field='provenance']")).ToContainTextAsync("Alibaba · journey-alibaba");
        }
        await admin.SaveScreenshotAsync("83-inventory-provenance");

        // One is decommissioned from its page: drained, its node deleted, its instance terminated.
        await admin.GotoAsync($"/admin/pools/{pool}/templates");
        await admin.Locator("#cloud-hosts tbody tr[data-host] td:first-child a").First.ClickAsync();
        await Expect(admin.Locator("#host-provenance")).ToContainTextAsync("journey-alibaba");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Decommission" }).ClickAsync();
        await admin.ReloadUntilTextAsync(admin.Locator("#host-state"), "Decommissioned", timeoutMs: 60_000);
        await admin.SaveScreenshotAsync("84-host-decommissioned");
        Assert.Equal(
            2,
            cloud["Alibaba"]
                .Instances.Count(i =>
                    i.State == SandboxCloud.Hosting.EmulatedState.Running
                    && i.Tags.GetValueOrDefault("portal-pool") == pool
                )
        );
    }

    private async Task<string> PoolAsync(string name)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(Actor.System);
        var created = await scope
            .ServiceProvider.GetRequiredService<PoolCatalog>()
            .CreateAsync(
                new CreatePool(name, "Journey pool", "sandbox", $"pool={name}", "sandbox-1", 1m, 1m, false),
                default
            );
        Assert.True(created.Succeeded, created.Problem?.Message);
        return name;
    }
}

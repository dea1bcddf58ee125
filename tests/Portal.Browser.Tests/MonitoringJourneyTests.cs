using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Web.Clusters;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// A platform admin opens the ops dashboard and sees the sandbox cluster's charts drawn with data: samples of the last
/// two minutes are taken while the page is open (the test drives the sampling job rather than waiting for its next
/// minute), and the page hears of them over SignalR, so the charts fill in while it is open.
/// </summary>
public sealed class MonitoringJourneyTests(PortalFixture portal, ITestOutputHelper output)
    : IClassFixture<PortalFixture>
{
    private const int FirstSamplesTimeout = 20_000;

    [SkippableFact]
    public async Task A_platform_admin_sees_the_cluster_charts_drawn_with_sampled_data()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");
        var page = await portal.NewSignedInAdminPageAsync();

        await page.GotoAsync("/admin/monitoring");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Platform monitoring");
        await Expect(page.Locator("[data-tile=clusters]")).ToContainTextAsync("Sandbox cluster");
        var panel = page.Locator(
            $"section.chart-panel[data-source='/api/v1/platform/metrics/clusters/{EmbeddedSandboxOptions.ClusterName}']"
        );
        await Expect(panel).ToHaveAttributeAsync("data-loaded", "true");
        var now = DateTime.UtcNow;
        foreach (var minute in new[] { -1, 0 })
        {
            await using var scope = portal.Services.CreateAsyncScope();
            await scope
                .ServiceProvider.GetRequiredService<Portal.Infrastructure.Monitoring.MetricsSampler>()
                .SampleAtAsync(now.AddMinutes(minute), default);
        }
        var cpu = panel.Locator("figure[data-chart-id=cpu]");
        await Expect(cpu)
            .ToHaveAttributeAsync("data-points", new Regex("^[1-9][0-9]*$"), new() { Timeout = FirstSamplesTimeout });

        Assert.True(await cpu.Locator("canvas").CountAsync() > 0, "the CPU chart is drawn on a canvas");
        await Expect(panel.Locator("figure[data-chart-id=nodes]"))
            .ToHaveAttributeAsync("data-points", new Regex("^[1-9][0-9]*$"));
        await page.SaveScreenshotAsync("45-platform-monitoring");
    }
}

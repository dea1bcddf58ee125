using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Persistence;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the alerts journey: rollouts called failed after two seconds of trouble, pod changes flushed quickly.
/// </summary>
public sealed class AlertsPortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Clusters:FlushInterval"] = "00:00:00.2",
            ["Portal:Applications:FailFastAfter"] = "00:00:02",
            ["Portal:Applications:RecheckEvery"] = "00:00:00.300",
        }
    );

/// <summary>
/// A developer has the alerts page open when an application starts crash-looping: the built-in rule fires on the
/// samples of the next minutes and the alert appears on the open page, live; its page charts the crash-looping pods
/// around the firing time, and the developer silences it. The sampling minutes are driven by the test (the job's clock,
/// not the wall clock), so that three minutes of samples take a moment: the samples of the last three minutes are taken
/// at once.
/// </summary>
public sealed class AlertsJourneyTests(AlertsPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<AlertsPortalFixture>
{
    private const string Tenant = "opsco";
    private const int ExpectTimeout = 20_000;
    private const int RolloutTimeout = 60_000;

    [SkippableFact]
    public async Task A_crash_looping_application_raises_an_alert_that_appears_live_and_is_silenced()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");
        var page = await portal.NewSignedInAdminPageAsync();
        await page.ArrangeTenantWithEnvironmentsAsync(
            portal.BaseAddress,
            Tenant,
            new EnvironmentShare("4", "2Gi", "4Gi", "10Gi", "10"),
            RolloutTimeout,
            "dev"
        );

        // 1. An application whose container exits at once, deployed to dev.
        await page.GotoAsync($"/t/{Tenant}/apps/new");
        await page.Locator("#Name").FillAsync("worker");
        await page.Locator("#Owner").FillAsync("team-ops");
        await page.Locator("#Image").FillAsync("registry.example.com/ops/crashloop:1.0");
        await page.OpenFormSectionsAsync();
        await page.Locator("#CpuRequest").FillAsync("100m");
        await page.Locator("#CpuLimit").FillAsync("200m");
        await page.Locator("#MemoryRequest").FillAsync("64Mi");
        await page.Locator("#MemoryLimit").FillAsync("128Mi");
        await page.Locator("#Replicas").FillAsync("1");
        await page.Locator("#save-application").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/t/{Tenant}/apps/worker$"), new() { Timeout = ExpectTimeout });
        await page.Locator("#deploy-environment").SelectOptionAsync("dev");
        // The deploy form previews first: what changes in dev, the replicas it keeps, the quota; the deploy button is
        // there.
        await page.Locator("#deploy-preview-button").ClickAsync();
        await page.Locator("#deploy").ClickAsync();
        await EventuallyAsync(
            db => db.WorkloadPods.AnyAsync(p => p.App == "worker" && p.Reason == "CrashLoopBackOff"),
            "the pod to crash-loop"
        );

        // 2. The alerts page, open and listening, with nothing firing yet.
        await page.GotoAsync($"/t/{Tenant}/alerts?state=firing");
        await Expect(page.Locator("#no-alerts")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-alerts-list]"))
            .ToHaveAttributeAsync("data-live-state", "connected", new() { Timeout = ExpectTimeout });
        await page.EvaluateAsync("() => { window.journeyMark = 'still the same page'; }");

        // 3. Samples of the last three minutes, then the rules: the built-in "Pod crash-looping" fires, and the open
        //    page shows it.
        var now = DateTime.UtcNow;
        for (var minute = -2; minute <= 0; minute++)
            await RunAsync<MetricsSampler>(sampler => sampler.SampleAtAsync(now.AddMinutes(minute), default));
        await RunAsync<AlertEvaluator>(evaluator => evaluator.EvaluateAtAsync(now, default));

        var row = page.Locator("tr[data-rule='Pod crash-looping'][data-subject='dev/worker']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = ExpectTimeout });
        await Expect(row).ToContainTextAsync("critical");
        await Expect(row).ToContainTextAsync("firing");
        Assert.Equal("still the same page", await page.EvaluateAsync<string?>("() => window.journeyMark ?? null"));
        await page.SaveScreenshotAsync("46-alert-appears-live");

        // 4. The alert's page charts the crash-looping pods around the firing time.
        await row.Locator("a").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Pod crash-looping");
        var panel = page.Locator("section.chart-panel");
        await Expect(panel).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = ExpectTimeout });
        await Expect(panel.Locator("figure[data-chart-id]"))
            .ToHaveAttributeAsync("data-points", new Regex("^[1-9][0-9]*$"));
        Assert.True(await panel.Locator("canvas").CountAsync() > 0, "the chart is drawn on a canvas");
        await page.SaveScreenshotAsync("47-alert-detail-chart");

        // 5. Silenced for an hour, with a reason the audit trail keeps.
        await page.Locator("#Minutes").SelectOptionAsync("60");
        await page.Locator("#Reason").FillAsync("fix is being deployed");
        await page.Locator("#silence-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#alert-state")).ToContainTextAsync("silenced until");
        await Expect(page.Locator("main")).ToContainTextAsync("fix is being deployed");
        await page.SaveScreenshotAsync("48-alert-silenced");
        await page.GotoAsync($"/t/{Tenant}/audit");
        await Expect(page.Locator("main")).ToContainTextAsync("alert.silenced");
    }

    private async Task RunAsync<T>(Func<T, Task> run)
        where T : notnull
    {
        await using var scope = portal.Services.CreateAsyncScope();
        await run(scope.ServiceProvider.GetRequiredService<T>());
    }

    private async Task EventuallyAsync(Func<PortalDbContext, Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(RolloutTimeout);
        while (true)
        {
            await using var scope = portal.Services.CreateAsyncScope();
            if (await condition(scope.ServiceProvider.GetRequiredService<PortalDbContext>()))
                return;
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(250);
        }
    }
}

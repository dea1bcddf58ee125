using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the environments journey: the embedded sandbox cluster (cluster <c>sandbox</c>, 3 nodes of 4 CPU)
/// with pods that start almost at once, and observed host changes flushed five times a second.
/// </summary>
public sealed class EnvironmentsPortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Sandbox:PodStartDelay"] = "00:00:00.05",
            ["Portal:Clusters:FlushInterval"] = "00:00:00.2",
        }
    );

/// <summary>
/// A platform admin makes a pool of the sandbox cluster and grants a tenant quota in it (a grant beyond what the pool
/// can promise is refused); then, as the tenant's admin, creates two environments, sees their operations succeed
/// live, sees them Ready and their shares counted against the quota, and a third one that does not fit refused.
/// </summary>
public sealed class EnvironmentsJourneyTests(EnvironmentsPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<EnvironmentsPortalFixture>
{
    private const int ExpectTimeout = 20_000;

    /// <summary>
    /// An operation runs four steps against the cluster; on a loaded 2-core CI machine that can take a while.
    /// </summary>
    private const int OperationTimeout = 60_000;

    [SkippableFact]
    public async Task A_platform_admin_grants_a_tenant_quota_in_a_pool_and_the_tenant_admin_creates_environments_within_it()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");

        var admin = await portal.NewSignedInAdminPageAsync();

        // 1. The admin makes the pool bj-prod of the whole sandbox cluster, in region bj.
        await admin.GotoAsync("/admin/pools");
        await admin.Locator("#Form_Name").FillAsync("bj-prod");
        await admin.Locator("#Form_DisplayName").FillAsync("Beijing production");
        await admin.Locator("#Form_Cluster").SelectOptionAsync("sandbox");
        await admin.Locator("#Form_Region").FillAsync("bj");
        await admin.Locator("#Form_CpuOvercommit").FillAsync("1");
        await admin.Locator("#Form_MemoryOvercommit").FillAsync("1");
        await admin.SaveScreenshotAsync("19-new-pool");
        await admin.Locator("#create-pool").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/admin/pools/bj-prod"), new() { Timeout = ExpectTimeout });

        // Its capacity is the sandbox's 3 nodes of 4 CPU, once the portal has seen the hosts.
        var cpuCapacity = admin.Locator("#pool-figures tbody tr").First.Locator("td").First;
        await admin.ReloadUntilTextAsync(cpuCapacity, "12");
        await admin.SaveScreenshotAsync("20-pool-created");

        // 2. A tenant to grant quota to.
        await admin.GotoAsync("/admin/tenants");
        await admin.Locator("#Form_Slug").FillAsync("acme");
        await admin.Locator("#Form_DisplayName").FillAsync("Acme Corp");
        await admin.Locator("#create-tenant").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/admin/tenants/acme"), new() { Timeout = ExpectTimeout });

        // A grant beyond what the pool can promise is refused, next to the form.
        await admin.GotoAsync("/admin/pools/bj-prod");
        await FillGrantAsync(admin, cpuRequests: "40", cpuLimits: "40");
        await admin.Locator("#grant-quota").ClickAsync();
        await Expect(admin.Locator("#quota-refusal"))
            .ToContainTextAsync("cannot promise", new() { Timeout = ExpectTimeout });
        await Expect(admin.Locator("#grants tbody")).Not.ToContainTextAsync("acme");
        await admin.SaveScreenshotAsync("21-grant-refused");

        // The grant that fits: 8 CPU requests of the 12.
        await admin.GotoAsync("/admin/pools/bj-prod");
        await FillGrantAsync(admin, cpuRequests: "8", cpuLimits: "12");
        await admin.Locator("#grant-quota").ClickAsync();
        await Expect(admin.Locator("#grants tbody tr").Filter(new() { HasText = "acme" }))
            .ToHaveCountAsync(1, new() { Timeout = ExpectTimeout });
        await admin.SaveScreenshotAsync("22-quota-granted");

        // 3. The platform admin reaches the tenant as its admin, and creates dev with 2 CPU.
        await CreateEnvironmentAsync(admin, "dev", "2");
        await admin.SaveScreenshotAsync("23-dev-created");
        await CreateEnvironmentAsync(admin, "prod", "4");
        await Expect(OperationState(admin, "dev"))
            .ToHaveTextAsync(new Regex(@"^\s*Succeeded\s*$"), new() { Timeout = OperationTimeout });
        await admin.SaveScreenshotAsync("24-operations");

        // 4. Both environments are Ready, and the quota page counts their shares.
        await admin.GotoAsync("/t/acme/environments");
        foreach (var name in new[] { "dev", "prod" })
            await admin.ReloadUntilTextAsync(
                admin.Locator($"#environments tr[data-environment='{name}'] td").Nth(1),
                "Ready"
            );
        await admin.SaveScreenshotAsync("25-environments-ready");

        await admin.GotoAsync("/t/acme/quotas");
        await Expect(admin.Locator("main"))
            .ToContainTextAsync("Allocated to environments6 of 8", new() { Timeout = ExpectTimeout });
        await admin.SaveScreenshotAsync("26-tenant-quotas");

        // 5. A third environment needing 4 CPU does not fit in the 2 left, and is refused with the numbers.
        await admin.GotoAsync("/t/acme/environments");
        await FillEnvironmentAsync(admin, "big", "4");
        await admin.Locator("#create-environment").ClickAsync();
        // (The message names the pool before the numbers: "Over quota in pool 'bj-prod': needs …, 2 left of 8.")
        await Expect(admin.GetByText("needs 4 CPU requests, 2 left of 8"))
            .ToHaveTextAsync(
                new Regex(@"Over quota in pool 'bj-prod': needs 4 CPU requests, 2 left of 8\."),
                new() { Timeout = ExpectTimeout }
            );
        await Expect(admin).Not.ToHaveURLAsync(Url("/t/acme/operations"));
        await admin.SaveScreenshotAsync("27-environment-refused");
        await admin.GotoAsync("/t/acme/environments");
        await Expect(admin.Locator("#environments tr[data-environment='big']")).ToHaveCountAsync(0);
    }

    private static async Task FillGrantAsync(IPage page, string cpuRequests, string cpuLimits)
    {
        await page.Locator("#Form_Tenant").SelectOptionAsync("acme");
        await page.Locator("#Form_CpuRequests").FillAsync(cpuRequests);
        await page.Locator("#Form_CpuLimits").FillAsync(cpuLimits);
        await page.Locator("#Form_MemoryRequests").FillAsync("16Gi");
        await page.Locator("#Form_MemoryLimits").FillAsync("32Gi");
        await page.Locator("#Form_Storage").FillAsync("100Gi");
        await page.Locator("#Form_Pods").FillAsync("50");
        await page.Locator("#Form_MiddlewareInstances").FillAsync("3");
    }

    private static async Task FillEnvironmentAsync(IPage page, string name, string cpu)
    {
        await page.Locator("#Form_Name").FillAsync(name);
        await page.Locator("#Form_Pool").SelectOptionAsync("bj-prod");
        await page.Locator("#Share_CpuRequests").FillAsync(cpu);
        await page.Locator("#Share_CpuLimits").FillAsync(cpu);
        await page.Locator("#Share_MemoryRequests").FillAsync("2Gi");
        await page.Locator("#Share_MemoryLimits").FillAsync("4Gi");
        await page.Locator("#Share_Storage").FillAsync("10Gi");
        await page.Locator("#Share_Pods").FillAsync("10");
    }

    /// <summary>
    /// Creates the environment on the environments page and follows its operation to Succeeded, live.
    /// </summary>
    private async Task CreateEnvironmentAsync(IPage page, string name, string cpu)
    {
        await page.GotoAsync("/t/acme/environments");
        await FillEnvironmentAsync(page, name, cpu);
        await page.Locator("#create-environment").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url("/t/acme/operations"), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("#live-state"))
            .ToHaveTextAsync(new Regex("^live"), new() { Timeout = ExpectTimeout });
        // No reload: the state arrives over SignalR (or from Follow's catch-up of what changed before it joined).
        await Expect(OperationState(page, name))
            .ToHaveTextAsync(new Regex(@"^\s*Succeeded\s*$"), new() { Timeout = OperationTimeout });
    }

    /// <summary>The state cell of the environment.create operation of <paramref name="environment"/>.</summary>
    private static ILocator OperationState(IPage page, string environment) =>
        page.Locator("#operations tr[data-operation]")
            .Filter(new() { HasTextRegex = new Regex($@"environment\.create\s+{Regex.Escape(environment)}\b") })
            .Locator("[data-field=state]");

    private string Url(string path) => new Uri(portal.BaseAddress, path).ToString();
}

using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>An environment's share as the environments page takes it.</summary>
public sealed record EnvironmentShare(
    string Cpu,
    string MemoryRequests,
    string MemoryLimits,
    string Storage,
    string Pods
);

/// <summary>
/// What the environments journey shows step by step, done for the later journeys as quickly as the pages allow.
/// </summary>
public static class JourneyArrangement
{
    private const int ExpectTimeout = 20_000;

    /// <summary>
    /// The pool bj-prod of the whole sandbox cluster, the tenant with 8 CPU requests (12 limits) and 3 middleware
    /// instances granted in it, and environments with this share, followed until Ready.
    /// </summary>
    public static async Task ArrangeTenantWithEnvironmentsAsync(
        this IPage admin,
        Uri baseAddress,
        string tenant,
        EnvironmentShare share,
        int readyTimeout,
        params string[] environments
    )
    {
        string Url(string path) => new Uri(baseAddress, path).ToString();

        await admin.GotoAsync("/admin/pools");
        await admin.Locator("#Form_Name").FillAsync("bj-prod");
        await admin.Locator("#Form_DisplayName").FillAsync("Beijing production");
        await admin.Locator("#Form_Cluster").SelectOptionAsync("sandbox");
        await admin.Locator("#Form_Region").FillAsync("bj");
        await admin.Locator("#create-pool").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/admin/pools/bj-prod"), new() { Timeout = ExpectTimeout });
        // A grant needs the pool's capacity, known once the portal has seen the sandbox's 3 nodes of 4 CPU.
        await admin.ReloadUntilTextAsync(admin.Locator("#pool-figures tbody tr").First.Locator("td").First, "12");

        await admin.GotoAsync("/admin/tenants");
        await admin.Locator("#Form_Slug").FillAsync(tenant);
        await admin.Locator("#Form_DisplayName").FillAsync("Acme Corp");
        await admin.Locator("#create-tenant").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url($"/admin/tenants/{tenant}"), new() { Timeout = ExpectTimeout });

        await admin.GotoAsync("/admin/pools/bj-prod");
        await admin.Locator("#Form_Tenant").SelectOptionAsync(tenant);
        await admin.Locator("#Form_CpuRequests").FillAsync("8");
        await admin.Locator("#Form_CpuLimits").FillAsync("12");
        await admin.Locator("#Form_MemoryRequests").FillAsync("16Gi");
        await admin.Locator("#Form_MemoryLimits").FillAsync("32Gi");
        await admin.Locator("#Form_Storage").FillAsync("100Gi");
        await admin.Locator("#Form_Pods").FillAsync("50");
        await admin.Locator("#Form_MiddlewareInstances").FillAsync("3");
        await admin.Locator("#grant-quota").ClickAsync();
        await Expect(admin.Locator("#grants tbody tr").Filter(new() { HasText = tenant }))
            .ToHaveCountAsync(1, new() { Timeout = ExpectTimeout });

        foreach (var environment in environments)
        {
            await admin.GotoAsync($"/t/{tenant}/environments");
            await admin.Locator("#Form_Name").FillAsync(environment);
            await admin.Locator("#Form_Pool").SelectOptionAsync("bj-prod");
            await admin.Locator("#Share_CpuRequests").FillAsync(share.Cpu);
            await admin.Locator("#Share_CpuLimits").FillAsync(share.Cpu);
            await admin.Locator("#Share_MemoryRequests").FillAsync(share.MemoryRequests);
            await admin.Locator("#Share_MemoryLimits").FillAsync(share.MemoryLimits);
            await admin.Locator("#Share_Storage").FillAsync(share.Storage);
            await admin.Locator("#Share_Pods").FillAsync(share.Pods);
            await admin.Locator("#create-environment").ClickAsync();
            await Expect(admin).ToHaveURLAsync(Url($"/t/{tenant}/operations"), new() { Timeout = ExpectTimeout });
        }
        await admin.GotoAsync($"/t/{tenant}/environments");
        foreach (var environment in environments)
            await admin.ReloadUntilTextAsync(
                admin.Locator($"#environments tr[data-environment='{environment}'] td").Nth(1),
                "Ready",
                readyTimeout
            );
    }
}

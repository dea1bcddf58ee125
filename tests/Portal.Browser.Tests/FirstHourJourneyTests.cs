using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Persistence;
using Portal.Sandbox.Hosting;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the first hour: nothing set up, not even a cluster (the journey registers its own sandbox cluster by
/// its kubeconfig), observed changes flushed five times a second, and a rollout followed closely.
/// </summary>
public sealed class FirstHourPortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Sandbox:Enabled"] = "false",
            ["Portal:Clusters:FlushInterval"] = "00:00:00.2",
            ["Portal:Applications:FailFastAfter"] = "00:00:02",
            ["Portal:Applications:RecheckEvery"] = "00:00:00.300",
        }
    );

/// <summary>
/// The first hour, as a platform admin and then a developer live it: the admin's home is a checklist that offers each
/// next step — cluster, pool, tenant, quota, environment — and follows it; the developer's home in the new tenant
/// offers to deploy the first app, which they do; then the admin's checklist is complete. Every page on the way fits
/// 1366×768 and 1920×1080 without horizontal overflow, with a sidebar that fits the window and scrolls on its own.
/// </summary>
public sealed class FirstHourJourneyTests(FirstHourPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<FirstHourPortalFixture>
{
    private const string Tenant = "acme";
    private const string Pool = "lab-pool";
    private const string App = "hello";
    private const string DeveloperPassword = "Dev-Passw0rd-1";

    private const int ExpectTimeout = 20_000;

    /// <summary>
    /// Operations and rollouts run as jobs against the sandbox; on a loaded 2-core CI machine that can take a while.
    /// </summary>
    private const int JobTimeout = 60_000;

    private static readonly ViewportSize Small = new() { Width = 1366, Height = 768 };
    private static readonly ViewportSize Large = new() { Width = 1920, Height = 1080 };

    [SkippableFact]
    public async Task A_platform_admin_follows_the_home_checklist_from_nothing_to_a_first_app_and_every_page_fits_the_window()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");

        // The cluster the admin was handed a kubeconfig for: a sandbox started apart from the portal.
        await using var sandbox = await SandboxCluster.StartAsync(
            new SandboxOptions
            {
                ClusterName = "lab",
                NodeCount = 3,
                PodStartDelay = TimeSpan.FromMilliseconds(300),
            }
        );

        var admin = await portal.NewSignedInAdminPageAsync();
        var wide = await portal.NewSignedInAdminPageAsync();
        await admin.SetViewportSizeAsync(Small.Width, Small.Height);
        await wide.SetViewportSizeAsync(Large.Width, Large.Height);

        // 1. Nothing is set up: the home page is the checklist, with the cluster as the next step.
        foreach (var (page, size) in new[] { (admin, "1366x768"), (wide, "1920x1080") })
        {
            await page.GotoAsync("/");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Get started");
            await ExpectStepsAsync(page, "next", "todo", "todo", "todo", "todo", "todo");
            await Expect(page.Locator("#setup-progress")).ToHaveTextAsync("0 of 6 done");
            await Expect(page.Locator("#next-step")).ToHaveTextAsync("Register a cluster");
            await AssertFitsAsync(page);
            await page.SaveScreenshotAsync($"60-first-hour-home-empty-{size}");
        }

        // 2. Cluster: the next step's button leads to the register form.
        await admin.Locator("#next-step").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/admin/clusters"));
        await admin.Locator("#Form_Name").FillAsync("lab");
        await admin.Locator("#Form_DisplayName").FillAsync("Lab cluster");
        await admin.Locator("#Form_Kubeconfig").FillAsync(sandbox.Kubeconfig);
        await admin.Locator("#register-cluster").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/admin/clusters/lab"), new() { Timeout = ExpectTimeout });
        await AssertFitsAsync(admin);

        // 3. Pool: the whole cluster, once the portal has seen its 3 nodes of 4 CPU.
        await NextStepAsync(admin, "Create a pool", "/admin/pools", "done", "next", "todo", "todo", "todo", "todo");
        await admin.Locator("#Form_Name").FillAsync(Pool);
        await admin.Locator("#Form_DisplayName").FillAsync("Lab");
        await admin.Locator("#Form_Cluster").SelectOptionAsync("lab");
        await admin.Locator("#Form_Region").FillAsync("bj");
        await admin.Locator("#create-pool").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url($"/admin/pools/{Pool}"), new() { Timeout = ExpectTimeout });
        await admin.ReloadUntilTextAsync(admin.Locator("#pool-figures tbody tr").First.Locator("td").First, "12");

        // 4. Tenant.
        await NextStepAsync(admin, "Create a tenant", "/admin/tenants", "done", "done", "next", "todo", "todo", "todo");
        await admin.Locator("#Form_Slug").FillAsync(Tenant);
        await admin.Locator("#Form_DisplayName").FillAsync("Acme Corp");
        await admin.Locator("#create-tenant").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url($"/admin/tenants/{Tenant}"), new() { Timeout = ExpectTimeout });

        // 5. Quota: the button leads to the pool's grant form.
        await NextStepAsync(
            admin,
            $"Grant quota in {Pool}",
            $"/admin/pools/{Pool}",
            "done",
            "done",
            "done",
            "next",
            "todo",
            "todo"
        );
        await admin.Locator("#Form_Tenant").SelectOptionAsync(Tenant);
        await admin.Locator("#Form_CpuRequests").FillAsync("8");
        await admin.Locator("#Form_CpuLimits").FillAsync("12");
        await admin.Locator("#Form_MemoryRequests").FillAsync("16Gi");
        await admin.Locator("#Form_MemoryLimits").FillAsync("32Gi");
        await admin.Locator("#Form_Storage").FillAsync("100Gi");
        await admin.Locator("#Form_Pods").FillAsync("50");
        await admin.Locator("#Form_MiddlewareInstances").FillAsync("3");
        await admin.Locator("#grant-quota").ClickAsync();
        await Expect(admin.Locator("#grants tbody tr").Filter(new() { HasText = Tenant }))
            .ToHaveCountAsync(1, new() { Timeout = ExpectTimeout });

        // The pools list shows the grant as gauges of the pool's capacity.
        foreach (var (page, size) in new[] { (admin, "1366x768"), (wide, "1920x1080") })
        {
            await page.GotoAsync("/admin/pools");
            var cpu = page.Locator($"#pools tr[data-pool='{Pool}'] [data-field=cpu]");
            await Expect(cpu.Locator("progress.usage-bar")).ToHaveCountAsync(2);
            await Expect(cpu).ToContainTextAsync("(67%)"); // 8 of 12 CPU granted
            await AssertFitsAsync(page);
            await page.SaveScreenshotAsync($"61-first-hour-pools-{size}");
        }

        // 6. Environment: the button leads to the tenant's environments; dev is created and followed until Ready.
        await NextStepAsync(
            admin,
            $"Create an environment in {Tenant}",
            $"/t/{Tenant}/environments",
            "done",
            "done",
            "done",
            "done",
            "next",
            "todo"
        );
        await admin.Locator("#Form_Name").FillAsync("dev");
        await admin.Locator("#Form_Pool").SelectOptionAsync(Pool);
        await admin.Locator("#Share_CpuRequests").FillAsync("4");
        await admin.Locator("#Share_CpuLimits").FillAsync("4");
        await admin.Locator("#Share_MemoryRequests").FillAsync("2Gi");
        await admin.Locator("#Share_MemoryLimits").FillAsync("4Gi");
        await admin.Locator("#Share_Storage").FillAsync("10Gi");
        await admin.Locator("#Share_Pods").FillAsync("10");
        await admin.Locator("#create-environment").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url($"/t/{Tenant}/operations"), new() { Timeout = ExpectTimeout });
        await admin.GotoAsync($"/t/{Tenant}/environments");
        await admin.ReloadUntilTextAsync(
            admin.Locator("#environments tr[data-environment='dev'] td").Nth(1),
            "Ready",
            JobTimeout
        );

        // The environments table keeps all its columns, Workloads the last, at 1366, 1440 and 1920 px.
        foreach (var (page, size) in new[] { (admin, "1366x768"), (wide, "1920x1080") })
        {
            await page.GotoAsync($"/t/{Tenant}/environments");
            await AssertEnvironmentsTableFitsAsync(page);
            await AssertFitsAsync(page);
            if (page == admin)
            {
                // An admin on a tenant's page has both sections in the sidebar: more than 768 px hold, so it scrolls.
                await AssertSidebarScrollsOnItsOwnAsync(page);
                await page.SetViewportSizeAsync(1440, 900);
                await AssertEnvironmentsTableFitsAsync(page);
                await AssertFitsAsync(page);
                await page.SaveScreenshotAsync("62-first-hour-environments-1440x900");
                await page.SetViewportSizeAsync(Small.Width, Small.Height);
            }
            await page.SaveScreenshotAsync($"62-first-hour-environments-{size}");
        }

        // The last step waits for a first application, in the tenant that has an environment.
        await admin.GotoAsync("/");
        await ExpectStepsAsync(admin, "done", "done", "done", "done", "done", "next");
        await Expect(admin.Locator("#next-step")).ToHaveAttributeAsync("href", $"/t/{Tenant}/apps/new");
        await admin.SaveScreenshotAsync("63-first-hour-home-next-app-1366x768");

        // 7. A developer of the tenant signs in: their home is the tenant's dashboard, offering to deploy the first
        //    app.
        var email = await DeveloperAsync();
        var developer = await portal.NewSignedOutPageAsync();
        await developer.SetViewportSizeAsync(Small.Width, Small.Height);
        await developer.GotoAsync("/account/login");
        await developer.SignInAsync(email, DeveloperPassword);
        await Expect(developer).ToHaveURLAsync(Url($"/t/{Tenant}"), new() { Timeout = ExpectTimeout });
        await Expect(developer.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Acme Corp");
        await Expect(developer.Locator("#first-step")).ToHaveTextAsync("Deploy your first app");
        await Expect(developer.Locator("#platform-navigation")).ToHaveCountAsync(0);
        await AssertFitsAsync(developer);
        await developer.SaveScreenshotAsync("64-first-hour-tenant-home-empty-1366x768");

        await developer.Locator("#first-step").ClickAsync();
        await Expect(developer).ToHaveURLAsync(Url($"/t/{Tenant}/apps/new"), new() { Timeout = ExpectTimeout });
        await developer.Locator("#Name").FillAsync(App);
        await developer.Locator("#Owner").FillAsync("team-hello");
        await developer.Locator("#Image").FillAsync("nginx:1.27");
        await developer.Locator("#save-application").ClickAsync();
        await Expect(developer).ToHaveURLAsync(Url($"/t/{Tenant}/apps/{App}"), new() { Timeout = ExpectTimeout });
        await developer.Locator("#deploy-environment").SelectOptionAsync("dev");
        // Every deploy is previewed first: the revision, what changes in dev, the replicas and the quota it needs.
        await developer.Locator("#deploy-preview-button").ClickAsync();
        await Expect(developer.Locator("#deploy-scale")).ToContainTextAsync("First deploy to dev");
        await AssertFitsAsync(developer);
        await developer.SaveScreenshotAsync("66a-first-hour-deploy-preview-1366x768");
        await developer.Locator("#deploy").ClickAsync();
        var dev = developer.Locator("#app-status section[data-environment='dev']");
        await Expect(dev.Locator(".card-header [data-field=state]"))
            .ToHaveTextAsync(new Regex(@"^\s*Running\s*$"), new() { Timeout = JobTimeout });
        await AssertFitsAsync(developer);

        // 8. The admin's checklist is complete; the developer's home is the dashboard without first steps.
        foreach (var (page, size) in new[] { (admin, "1366x768"), (wide, "1920x1080") })
        {
            await page.GotoAsync("/");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Home");
            await Expect(page.Locator("#setup")).ToHaveAttributeAsync("data-complete", "true");
            await page.Locator("#setup > summary").ClickAsync(); // the steps, folded away once done, open on demand
            await ExpectStepsAsync(page, "done", "done", "done", "done", "done", "done");
            await Expect(page.Locator("#next-step")).ToHaveCountAsync(0);
            await Expect(page.Locator("#home-tenants")).ToContainTextAsync("Acme Corp");
            await AssertFitsAsync(page);
            await page.SaveScreenshotAsync($"65-first-hour-home-checklist-done-{size}");
        }
        await developer.GotoAsync("/");
        await Expect(developer).ToHaveURLAsync(Url($"/t/{Tenant}"));
        await Expect(developer.Locator("#first-steps")).ToHaveCountAsync(0);
        await Expect(developer.Locator("[data-tile=apps] [data-count]")).ToHaveTextAsync("1");
        await AssertFitsAsync(developer);
        await developer.SaveScreenshotAsync("66-first-hour-tenant-home-1366x768");

        // The app page and the ops dashboard, at both sizes.
        foreach (var (page, size) in new[] { (admin, "1366x768"), (wide, "1920x1080") })
        {
            await page.GotoAsync($"/t/{Tenant}/apps/{App}");
            await Expect(page.Locator("#app-status section[data-environment='dev'] .card-header [data-field=state]"))
                .ToHaveTextAsync(new Regex(@"^\s*Running\s*$"), new() { Timeout = ExpectTimeout });
            await AssertFitsAsync(page);
            await page.SaveScreenshotAsync($"67-first-hour-app-page-{size}");

            await page.GotoAsync("/admin/monitoring");
            await AssertFitsAsync(page);
            await page.SaveScreenshotAsync($"68-first-hour-ops-dashboard-{size}");
        }
    }

    /// <summary>
    /// Opens the home page, checks the steps' states, and follows the next step's button to where it leads.
    /// </summary>
    private async Task NextStepAsync(IPage page, string action, string path, params string[] states)
    {
        await page.GotoAsync("/");
        await ExpectStepsAsync(page, states);
        await Expect(page.Locator("#next-step")).ToHaveTextAsync(action);
        await AssertFitsAsync(page);
        await page.Locator("#next-step").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url(path), new() { Timeout = ExpectTimeout });
        await AssertFitsAsync(page);
    }

    private static async Task ExpectStepsAsync(IPage page, params string[] states)
    {
        string[] steps = ["cluster", "pool", "tenant", "quota", "environment", "application"];
        for (var i = 0; i < steps.Length; i++)
            await Expect(page.Locator($"#setup-steps [data-step='{steps[i]}']"))
                .ToHaveAttributeAsync("data-state", states[i]);
    }

    /// <summary>
    /// The page is no wider than the window, and the sidebar runs from below the header to the bottom of the window, no
    /// further, scrolling on its own (overflow auto) when its links need more room.
    /// </summary>
    private static async Task AssertFitsAsync(IPage page)
    {
        var layout = await page.EvaluateAsync<JsonElement>(
            """
            () => {
                const doc = document.documentElement;
                const sidebar = document.getElementById("sidebar").getBoundingClientRect();
                const header = document.querySelector("header.navbar").getBoundingClientRect();
                const wide = [...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1
                    && !e.closest(".table-responsive")).map(e => e.tagName + (e.id ? "#" + e.id : "")).slice(0, 5);
                return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, top: sidebar.top, bottom: sidebar.bottom,
                         header: header.bottom, height: window.innerHeight, scrollY: window.scrollY,
                         overflowY: getComputedStyle(document.getElementById("sidebar")).overflowY, wide: wide.join(", ") };
            }
            """
        );
        var where = $"{page.Url} at {page.ViewportSize?.Width}×{page.ViewportSize?.Height}";
        Assert.True(
            layout.GetProperty("scrollWidth").GetInt32() <= layout.GetProperty("clientWidth").GetInt32(),
            $"{where} overflows horizontally: {layout.GetProperty("scrollWidth")} px "
                + $"in {layout.GetProperty("clientWidth")} px "
                + $"({layout.GetProperty("wide")})."
        );
        Assert.True(
            Math.Abs(layout.GetProperty("top").GetDouble() - layout.GetProperty("header").GetDouble()) <= 1,
            $"{where}: the sidebar does not start below the header."
        );
        Assert.True(
            layout.GetProperty("bottom").GetDouble() <= layout.GetProperty("height").GetDouble() + 1,
            $"{where}: the sidebar runs past the bottom of the window "
                + $"({layout.GetProperty("bottom")} > {layout.GetProperty("height")})."
        );
        Assert.Contains(layout.GetProperty("overflowY").GetString(), new[] { "auto", "scroll" });
    }

    /// <summary>
    /// The sidebar holds more than fits: the wheel over it scrolls it, not the page, down to its last link.
    /// </summary>
    private static async Task AssertSidebarScrollsOnItsOwnAsync(IPage page)
    {
        var sidebar = page.Locator("#sidebar");
        var (scrollHeight, clientHeight) = (
            await sidebar.EvaluateAsync<int>("s => s.scrollHeight"),
            await sidebar.EvaluateAsync<int>("s => s.clientHeight")
        );
        Assert.True(
            scrollHeight > clientHeight,
            $"The sidebar fits without scrolling ({scrollHeight} ≤ {clientHeight} px): this check proves nothing."
        );
        var last = sidebar.Locator("a.nav-link").Last;
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await sidebar.HoverAsync(
            new()
            {
                Position = new() { X = 40, Y = 200 },
            }
        );
        await page.Mouse.WheelAsync(0, 2_000);
        await Expect(last).ToBeInViewportAsync();
        Assert.True(
            await sidebar.EvaluateAsync<double>("s => s.scrollTop") > 0,
            "The wheel did not scroll the sidebar."
        );
        Assert.Equal(0, await page.EvaluateAsync<double>("() => window.scrollY"));
        var box = (await sidebar.BoundingBoxAsync())!;
        var lastBox = (await last.BoundingBoxAsync())!;
        Assert.True(
            lastBox.Y + lastBox.Height <= box.Y + box.Height + 1,
            "The sidebar's last link is cut off below the window."
        );
        await sidebar.EvaluateAsync("s => { s.scrollTop = 0; }");
    }

    /// <summary>
    /// The environments table shows every column, Workloads the last, without scrolling inside its frame.
    /// </summary>
    private static async Task AssertEnvironmentsTableFitsAsync(IPage page)
    {
        var frame = page.Locator(".table-responsive").Filter(new() { Has = page.Locator("#environments") });
        var (scrollWidth, clientWidth) = (
            await frame.EvaluateAsync<int>("f => f.scrollWidth"),
            await frame.EvaluateAsync<int>("f => f.clientWidth")
        );
        Assert.True(
            scrollWidth <= clientWidth,
            $"At {page.ViewportSize?.Width} px the environments table needs "
                + $"{scrollWidth} px in {clientWidth} px: its last columns are hidden."
        );
        await Expect(page.Locator("#environments thead th").Last).ToContainTextAsync("Workloads");
        await Expect(page.Locator("#environments thead th").Last).ToBeInViewportAsync();
    }

    /// <summary>A developer of the tenant, as its admin would have added them.</summary>
    private async Task<string> DeveloperAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        const string email = "dev@acme.test";
        var user = new PortalUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = "Dana Developer",
            CreatedAt = DateTime.UtcNow,
        };
        var created = await users.CreateAsync(user, DeveloperPassword);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        var tenant = await db.Tenants.IgnoreQueryFilters().SingleAsync(t => t.Slug == Tenant);
        db.Memberships.Add(new TenantMembership(tenant.Id, user.Id, TenantRole.Developer, DateTime.UtcNow));
        await db.SaveChangesAsync();
        return email;
    }

    private string Url(string path) => new Uri(portal.BaseAddress, path).ToString();
}

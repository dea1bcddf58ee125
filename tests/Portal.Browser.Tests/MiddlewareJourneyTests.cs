using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the middleware journey: the embedded sandbox cluster with pods that start quickly and observed pod
/// changes flushed five times a second.
/// </summary>
public sealed class MiddlewarePortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Sandbox:PodStartDelay"] = "00:00:00.5",
            ["Portal:Clusters:FlushInterval"] = "00:00:00.2",
            ["Portal:Applications:RecheckEvery"] = "00:00:00.300",
        }
    );

/// <summary>
/// A developer browses the middleware catalog, provisions Redis into dev and waits for it to be Ready, binds it to an
/// application through the binding preview (its password reaches the application by reference to a Secret, never as a
/// value) and reveals the instance's credentials, which the audit trail records.
/// </summary>
public sealed class MiddlewareJourneyTests(MiddlewarePortalFixture portal, ITestOutputHelper output)
    : IClassFixture<MiddlewarePortalFixture>
{
    private const string Tenant = "acme";
    private const string App = "shop";
    private const string AppPath = "/t/acme/apps/shop";
    private const string Image = "nginx:1.27";
    private const string Instance = "cache";
    private const string InstancePath = "/t/acme/middleware/dev/cache";

    private const int ExpectTimeout = 20_000;

    /// <summary>
    /// A provision or a deploy runs as a job and then a rollout in the sandbox; on a loaded CI machine that can take a
    /// while.
    /// </summary>
    private const int RolloutTimeout = 60_000;

    [SkippableFact]
    public async Task A_developer_provisions_Redis_from_the_catalog_binds_it_to_an_application_and_reveals_its_credentials()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");

        // 1. A pool, a quota for the tenant with room for middleware, and its environment dev, Ready.
        var page = await portal.NewSignedInAdminPageAsync();
        await page.ArrangeTenantWithEnvironmentsAsync(
            portal.BaseAddress,
            Tenant,
            new EnvironmentShare("4", "4Gi", "8Gi", "20Gi", "20"),
            RolloutTimeout,
            "dev"
        );

        // 2. The catalog: all 8 templates, one category, then Redis's own page.
        await page.GotoAsync($"/t/{Tenant}/middleware/catalog");
        var cards = page.Locator("#catalog [data-template]");
        await Expect(cards).ToHaveCountAsync(8, new() { Timeout = ExpectTimeout });
        await page.Locator("#categories a[data-category='Cache']").ClickAsync();
        await Expect(page)
            .ToHaveURLAsync(new Regex(@"/middleware/catalog\?category=Cache$"), new() { Timeout = ExpectTimeout });
        await Expect(cards).ToHaveCountAsync(1);
        await Expect(page.Locator("#catalog [data-template='redis']")).ToBeVisibleAsync();
        await page.Locator("#catalog [data-template='redis'] a").ClickAsync();
        await Expect(page)
            .ToHaveURLAsync(Url($"/t/{Tenant}/middleware/catalog/redis"), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("h1")).ToHaveTextAsync("Redis");
        await Expect(page.Locator("#versions tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#plans tr[data-plan='small']")).ToBeVisibleAsync();
        await Expect(page.Locator("#binding-variables")).ToContainTextAsync("REDIS_PASSWORD");
        await page.SaveScreenshotAsync("39-middleware-catalog-redis");

        // 3. Provision Redis into dev: the first version, the small plan; the instance page shows it Ready.
        await page.Locator("#provision").ClickAsync();
        await Expect(page)
            .ToHaveURLAsync(Url($"/t/{Tenant}/middleware/new?template=redis"), new() { Timeout = ExpectTimeout });
        await page.Locator("#Name").FillAsync(Instance);
        await page.Locator("#Environment").SelectOptionAsync("dev");
        await page.Locator("#Version").SelectOptionAsync(new SelectOptionValue { Index = 0 });
        await page.Locator("#plan-small").CheckAsync();
        await page.Locator("#instance-form #provision").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url(InstancePath), new() { Timeout = ExpectTimeout });
        await page.ReloadUntilTextAsync(page.Locator("[data-instance-state]"), "ready", RolloutTimeout);
        await Expect(page.Locator("#endpoint")).Not.ToHaveTextAsync("not ready yet");
        await Expect(page.Locator("main")).ToContainTextAsync("plan small");
        await page.SaveScreenshotAsync("40-redis-ready");

        // 4. An application, deployed to dev.
        await page.GotoAsync($"/t/{Tenant}/apps/new");
        await FillApplicationAsync(page);
        await page.Locator("#save-application").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url(AppPath), new() { Timeout = ExpectTimeout });
        await page.Locator("#deploy-environment").SelectOptionAsync("dev");
        // The deploy form previews first: what changes in dev, the replicas it keeps, the quota; the deploy button is
        // there.
        await page.Locator("#deploy-preview-button").ClickAsync();
        await page.Locator("#deploy-note").FillAsync("first deploy");
        await page.Locator("#deploy").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url(AppPath), new() { Timeout = ExpectTimeout });
        var dev = page.Locator("#app-status section[data-environment='dev']");
        await Expect(dev.Locator(".card-header [data-field=state]"))
            .ToHaveTextAsync(new Regex(@"^\s*Running\s*$"), new() { Timeout = RolloutTimeout });

        // 5. Bind the instance to it: the preview names the variables, the secret ones by reference.
        await page.GotoAsync($"{InstancePath}/bindings/new?app={App}");
        await Expect(page.Locator("#app")).ToHaveValueAsync(App);
        var variables = page.Locator("#binding-variables tbody tr");
        await Expect(page.Locator("#name-REDIS_HOST")).ToHaveValueAsync("REDIS_HOST");
        await Expect(page.Locator("#name-REDIS_PORT")).ToHaveValueAsync("REDIS_PORT");
        await Expect(page.Locator("#name-REDIS_PASSWORD")).ToHaveValueAsync("REDIS_PASSWORD");
        await Expect(page.Locator("#name-REDIS_URL")).ToHaveValueAsync("REDIS_URL");
        var passwordRow = variables.Filter(new() { Has = page.Locator("#name-REDIS_PASSWORD") });
        await Expect(passwordRow).ToContainTextAsync(new Regex($@"from Secret {Instance}-credentials, key password"));
        await page.SaveScreenshotAsync("41-binding-preview");

        await page.Locator("#confirm-binding").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url(InstancePath), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator($"#bindings li[data-binding='{App}']")).ToContainTextAsync("REDIS_PASSWORD");

        // 6. The application's new revision: REDIS_PASSWORD comes from the Secret, no value is shown.
        await page.GotoAsync($"{AppPath}/revisions");
        await page.ReloadUntilCountAsync(page.Locator("#revisions tbody tr[data-revision]"), 2, RolloutTimeout);
        await page.Locator("#from").SelectOptionAsync("1");
        await page.Locator("#to").SelectOptionAsync("2");
        await page.Locator("#compare").ClickAsync();
        await Expect(page.Locator("#diff-title")).ToHaveTextAsync("Revision 1 → 2", new() { Timeout = ExpectTimeout });
        var passwordChange = page.Locator("#revision-diff table.spec-diff tbody tr")
            .Filter(
                new() { Has = page.Locator("th", new() { HasTextString = "Environment variable REDIS_PASSWORD" }) }
            );
        await Expect(passwordChange).ToHaveCountAsync(1);
        await Expect(passwordChange.Locator(".diff-after"))
            .ToHaveTextAsync(new Regex(@"^\s*from secret \S+, key password\s*$"));
        await Expect(passwordChange.Locator(".diff-before")).ToHaveTextAsync("—");
        await page.SaveScreenshotAsync("42-binding-revision-diff");

        // 7. Reveal the credentials on the instance page: shown once, and recorded in the audit trail.
        await page.GotoAsync(InstancePath);
        await Expect(page.Locator("#credentials")).ToHaveCountAsync(0);
        await page.Locator("#reveal").ClickAsync();
        await Expect(page.Locator("#revealed")).ToBeVisibleAsync(new() { Timeout = ExpectTimeout });
        var password = page.Locator("#credentials dt", new() { HasTextString = "password" })
            .Locator("xpath=following-sibling::dd[1]/code");
        await Expect(password).ToHaveTextAsync(new Regex(@"^\S{32}$"));
        var revealedPassword = (await password.TextContentAsync())!.Trim();
        await Expect(page.Locator("#connection-strings")).ToContainTextAsync($"password={revealedPassword}");
        await Expect(page.Locator("#reveal")).ToHaveCountAsync(0);
        await page.SaveScreenshotAsync("43-credentials-revealed");

        await page.GotoAsync($"/t/{Tenant}/audit");
        var revealedRow = page.AuditRow("middleware.credentials-revealed");
        await Expect(revealedRow).ToHaveCountAsync(1, new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("main")).Not.ToContainTextAsync(revealedPassword);
        await page.SaveScreenshotAsync("44-credentials-reveal-audited");

        // Not shown again without another reveal.
        await page.GotoAsync(InstancePath);
        await Expect(page.Locator("#credentials")).ToHaveCountAsync(0);
        await Expect(page.Locator("main")).Not.ToContainTextAsync(revealedPassword);
    }

    private static async Task FillApplicationAsync(IPage page)
    {
        await page.Locator("#Name").FillAsync(App);
        await page.Locator("#Owner").FillAsync("team-shop");
        await page.Locator("#Description").FillAsync("The shop's storefront");
        await page.Locator("#Image").FillAsync(Image);
        await page.Locator("#Port").FillAsync("http:8080");
        await page.OpenFormSectionsAsync();
        await page.Locator("#Variables").FillAsync("LOG_LEVEL=info");
        await page.Locator("#CpuRequest").FillAsync("100m");
        await page.Locator("#CpuLimit").FillAsync("500m");
        await page.Locator("#MemoryRequest").FillAsync("128Mi");
        await page.Locator("#MemoryLimit").FillAsync("256Mi");
        await page.Locator("#Replicas").FillAsync("1");
        await page.Locator("#ServicePort").FillAsync("80");
    }

    private string Url(string path) => new Uri(portal.BaseAddress, path).ToString();
}

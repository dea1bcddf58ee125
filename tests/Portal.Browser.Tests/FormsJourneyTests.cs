using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// A developer's first application from the form: the basic fields first, several mistakes answered at once next to
/// their fields (with the advanced section that holds one opened), then the same application imported from a
/// Deployment's YAML, where bad YAML is refused at its line.
/// </summary>
public sealed class FormsJourneyTests(ApplicationsPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<ApplicationsPortalFixture>
{
    private const string Tenant = "forms";
    private const int ExpectTimeout = 20_000;

    private const string DeploymentYaml = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: orders-api
        spec:
          replicas: 2
          template:
            spec:
              containers:
                - name: orders-api
                  image: registry.example.com/shop/orders-api:1.4.2
                  ports: [{name: http, containerPort: 8080}]
                  env: [{name: LOG_LEVEL, value: info}]
        """;

    [SkippableFact]
    public async Task A_developer_corrects_every_mistake_of_the_application_form_at_once_and_imports_a_deployment()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");
        var page = await portal.NewSignedInAdminPageAsync();
        await page.SetViewportSizeAsync(1366, 768);
        await page.ArrangeTenantWithEnvironmentsAsync(
            portal.BaseAddress,
            Tenant,
            new EnvironmentShare("2", "1Gi", "2Gi", "10Gi", "10"),
            60_000,
            "dev"
        );

        // 1. The new application's form: name, image, port and replicas first; the rest closed in advanced sections.
        await page.GotoAsync($"/t/{Tenant}/apps/new");
        await Expect(page.Locator("#section-basic #Image")).ToBeVisibleAsync();
        await Expect(page.Locator("#CpuRequest")).Not.ToBeVisibleAsync();
        await Expect(page.Locator("label[for='Image'] .text-danger")).ToHaveTextAsync("*");
        await Expect(page.Locator("#application-form [placeholder]")).ToHaveCountAsync(0);
        await page.SaveScreenshotAsync("91-application-form-basic");

        // 2. Several mistakes: every one is answered at once, next to its field; the section that holds one opens.
        await page.Locator("#Name").FillAsync("Shop!");
        await page.Locator("#Owner").FillAsync("team-shop");
        await page.Locator("#Image").FillAsync("Nginx:Bad");
        await page.Locator("#Replicas").FillAsync("many");
        await page.Locator("#section-resources > summary").ClickAsync();
        await page.Locator("#CpuRequest").FillAsync("lots");
        await page.Locator("#save-application").ClickAsync();
        await Expect(page.Locator("[data-valmsg-for='Name']"))
            .ToContainTextAsync("lowercase", new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("[data-valmsg-for='Image']")).ToContainTextAsync("lowercase");
        await Expect(page.Locator("[data-valmsg-for='Replicas']")).ToContainTextAsync("'many' is not a whole number");
        await Expect(page.Locator("[data-valmsg-for='CpuRequest']")).ToContainTextAsync("'lots' is not a CPU amount");
        await Expect(page.Locator("#section-resources")).ToHaveAttributeAsync("open", "open");
        await Expect(page.Locator("#form-problems")).ToContainTextAsync("4 problems need attention");
        await page.SaveScreenshotAsync("92-application-form-every-error-at-once");

        // 3. Corrected, it is created.
        await page.Locator("#Name").FillAsync("shop");
        await page.Locator("#Image").FillAsync("nginx:1.27");
        await page.Locator("#Replicas").FillAsync("1");
        await page.Locator("#CpuRequest").FillAsync("100m");
        await page.Locator("#save-application").ClickAsync();
        await Expect(page)
            .ToHaveURLAsync(
                new Uri(portal.BaseAddress, $"/t/{Tenant}/apps/shop").ToString(),
                new() { Timeout = ExpectTimeout }
            );

        // 4. Import: bad YAML is refused at its line, a Deployment fills in the form and nothing is saved until it is
        //    created.
        await page.GotoAsync($"/t/{Tenant}/apps/new");
        await page.Locator("#import-application").ClickAsync();
        await page.Locator("#Yaml")
            .FillAsync("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\n spec: {}\n");
        await page.Locator("#import").ClickAsync();
        await Expect(page.Locator("#yaml-refusal")).ToContainTextAsync("Line 5", new() { Timeout = ExpectTimeout });
        await page.SaveScreenshotAsync("93-import-bad-yaml");
        await page.Locator("#Yaml").FillAsync(DeploymentYaml);
        await page.Locator("#import").ClickAsync();
        await Expect(page.Locator("#import-report"))
            .ToContainTextAsync("Filled in from Deployment 'orders-api'", new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("#Image")).ToHaveValueAsync("registry.example.com/shop/orders-api:1.4.2");
        await Expect(page.Locator("#Port")).ToHaveValueAsync("http:8080");
        await Expect(page.Locator("#Replicas")).ToHaveValueAsync("2");
        await page.SaveScreenshotAsync("94-import-filled-in");
        await page.Locator("#Owner").FillAsync("team-shop");
        await page.Locator("#save-application").ClickAsync();
        await Expect(page)
            .ToHaveURLAsync(
                new Uri(portal.BaseAddress, $"/t/{Tenant}/apps/orders-api").ToString(),
                new() { Timeout = ExpectTimeout }
            );
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Persistence;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// A developer defines a pipeline in the editor: starts from the form, switches to the YAML tab and finds the same
/// definition there, adds a stage in the YAML, switches back and finds it in the form, saves and is shown the webhook
/// secret once; then types a YAML with a mistake and is told its line, both on switching tabs and on saving, with the
/// text typed kept.
/// </summary>
public sealed class PipelineEditorJourneyTests(PortalFixture portal, ITestOutputHelper output)
    : IClassFixture<PortalFixture>
{
    private const string Tenant = "pipes";
    private const string App = "shop";
    private const string Pipelines = "/t/pipes/apps/shop/pipelines";
    private const int ExpectTimeout = 20_000;

    private const string SmokeStage = """
          - name: smoke
            kind: test
            probe:
              environment: dev
              path: /health

        """;

    [SkippableFact]
    public async Task A_developer_makes_a_pipeline_in_the_form_edits_its_yaml_and_is_told_a_mistake_at_its_line()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");
        var page = await portal.NewSignedInAdminPageAsync();
        await page.GotoAsync("/admin/tenants");
        await page.Locator("#Form_Slug").FillAsync(Tenant);
        await page.Locator("#Form_DisplayName").FillAsync("Pipes Corp");
        await page.Locator("#create-tenant").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(portal.BaseAddress, $"/admin/tenants/{Tenant}").ToString());
        await ApplicationAsync();

        // 1. The editor opens on its form: build, then deploy to dev.
        await page.GotoAsync(Pipelines);
        await page.Locator("#new-pipeline").ClickAsync();
        await Expect(page.Locator("#tab-form")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#yaml-panel")).ToBeHiddenAsync();
        await page.Locator("#Branches").FillAsync("main, release/*");
        await Expect(page.Locator("#stage-1-environment")).ToHaveValueAsync("dev");

        // 2. The YAML tab shows the same definition.
        await page.Locator("#tab-yaml").ClickAsync();
        var yaml = page.Locator("#Yaml");
        await Expect(yaml).ToBeVisibleAsync(new() { Timeout = ExpectTimeout });
        await Expect(yaml)
            .ToHaveValueAsync(new System.Text.RegularExpressions.Regex("branches: \\[main, \"release/\\*\"\\]"));
        await Expect(yaml).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("environment: dev"));

        // 3. A stage added in the YAML is in the form after switching back.
        await yaml.FillAsync(await yaml.InputValueAsync() + SmokeStage);
        await page.Locator("#tab-form").ClickAsync();
        await Expect(page.Locator("#stages > li")).ToHaveCountAsync(3, new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("#stage-2-name")).ToHaveValueAsync("smoke");
        await Expect(page.Locator("#stage-2-kind")).ToHaveValueAsync("test");
        await Expect(page.Locator("#stage-2-probeenvironment")).ToHaveValueAsync("dev");
        await Expect(page.Locator("#stage-2-probepath")).ToHaveValueAsync("/health");
        await Expect(page.Locator("#stage-2-environment")).ToBeHiddenAsync();
        await page.SaveScreenshotAsync("pipeline-editor-form");

        // 4. Saved from the form: the pipeline's page shows the webhook secret this once.
        await page.Locator("#Name").FillAsync("main");
        await page.Locator("#save-form").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(portal.BaseAddress, $"{Pipelines}/main").ToString());
        await Expect(page.Locator("#new-secret")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-stage='smoke']")).ToBeVisibleAsync();
        await page.SaveScreenshotAsync("pipeline-page-secret");
        await page.ReloadAsync();
        await Expect(page.Locator("#new-secret")).ToHaveCountAsync(0);

        // 5. A mistake in the YAML is told at its line, on switching to the form and on saving; the text stays.
        await page.Locator("#edit-pipeline").ClickAsync();
        await page.Locator("#tab-yaml").ClickAsync();
        await Expect(yaml).ToBeVisibleAsync(new() { Timeout = ExpectTimeout });
        var mistaken = (await yaml.InputValueAsync()).Replace("kind: test", "kind: test\n    colour: blue");
        await yaml.FillAsync(mistaken);
        await page.Locator("#tab-form").ClickAsync();
        var problems = page.Locator("#yaml-problems");
        await Expect(problems).ToContainTextAsync("Unknown key 'colour'", new() { Timeout = ExpectTimeout });
        await Expect(problems).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Line \\d+:"));
        await Expect(page.Locator("#tab-yaml")).ToHaveAttributeAsync("aria-selected", "true");
        await page.Locator("#save-yaml").ClickAsync();
        await Expect(problems).ToContainTextAsync("Unknown key 'colour'", new() { Timeout = ExpectTimeout });
        await Expect(yaml).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("colour: blue"));
        await page.SaveScreenshotAsync("pipeline-editor-yaml-problem");
    }

    /// <summary>The tenant's application, written as the portal keeps it: the editor needs no cluster.</summary>
    private async Task ApplicationAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<SpecVault>();
        var tenant = await db.Tenants.SingleAsync(t => t.Slug == Tenant);
        var spec = new Portal.Domain.Applications.DeploymentSpec
        {
            Image = "nginx:1.27",
            Resources = new(100, 200, 64L << 20, 128L << 20),
        };
        var app = Portal
            .Domain.Applications.Application.Create(tenant, App, "the shop", "admin", spec, vault.Seal, DateTime.UtcNow)
            .Value;
        db.Applications.Add(app);
        await db.SaveChangesAsync();
    }
}

using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Webhooks;
using Portal.Infrastructure.Tenancy;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// A tenant admin watches a pipeline run on its page: the build stage ends and the approval starts waiting while the
/// page is open (the stage graph and the log change live, and the approve form appears without a reload); the admin
/// approves with a comment through the page and sees the stage approved, with who decided and why.
/// </summary>
public sealed class PipelineRunJourneyTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    private const string Tenant = "runs-journey";
    private const string App = "shop";
    private const string Yaml = """
        stages:
          - name: build
            kind: build
          - name: approve
            kind: approval
            approvers:
              roles: [TenantAdmin]
        """;

    [SkippableFact]
    public async Task An_admin_watches_a_run_reach_its_approval_live_and_approves_it_with_a_comment()
    {
        PortalFixture.RequireChromium();
        var runId = await ArrangeRunWithItsBuildGoingAsync();
        var runPath = $"/t/{Tenant}/apps/{App}/pipelines/ship/runs/1";

        // 1. The run page: the build stage runs, the approval is still to come.
        var page = await portal.NewSignedInAdminPageAsync();
        await page.GotoAsync(runPath);
        await Expect(page.Locator("#live-state")).ToHaveTextAsync(new Regex("^live"));
        await page.EvaluateAsync("() => window.__notReloaded = true");
        var build = page.Locator("#run-graph [data-stage=build]");
        var approve = page.Locator("#run-graph [data-stage=approve]");
        await Expect(build).ToContainTextAsync("running");
        await Expect(approve).ToContainTextAsync("pending");
        await page.SaveScreenshotAsync("80-run-building");

        // 2. The build ends and the approval starts waiting: graph and log change without a reload.
        await MoveOnAsync(runId);
        await Expect(build).ToContainTextAsync("succeeded", new() { Timeout = 20_000 });
        await Expect(approve).ToContainTextAsync("awaiting approval");
        await Expect(page.Locator("#run-log")).ToContainTextAsync("[approve] Waits for approval by a TenantAdmin.");
        await Expect(page.Locator("#approve-approve")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "The page was reloaded.");
        await page.SaveScreenshotAsync("81-run-awaits-approval");

        // 3. Approve with a comment: the stage is approved, saying by whom and why.
        await page.Locator("#comment-approve").FillAsync("QA signed off on staging.");
        await page.Locator("#approve-approve").ClickAsync();
        await Expect(page.Locator("main")).ToContainTextAsync("is approved");
        var decided = page.Locator("#run-graph [data-stage=approve]");
        await Expect(decided).ToContainTextAsync("succeeded");
        await Expect(decided).ToContainTextAsync("QA signed off on staging.");
        await Expect(decided).ToContainTextAsync($"Decided by {PortalServer.AdminEmail}");
        await page.SaveScreenshotAsync("82-run-approved");
    }

    /// <summary>
    /// The tenant, its application and pipeline, the platform admin a TenantAdmin of it, and run 1 with its build
    /// stage running; its next look put off, so that only this test moves it.
    /// </summary>
    private async Task<Guid> ArrangeRunWithItsBuildGoingAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        services.GetRequiredService<CurrentActor>().ActAs(new Actor(null, "journey-setup", "127.0.0.1", true));
        var tenant = (
            await services.GetRequiredService<TenantAdministration>().CreateAsync(Tenant, "Runs", default)
        ).Value;
        var db = services.GetRequiredService<PortalDbContext>();
        var admin = await services
            .GetRequiredService<UserManager<PortalUser>>()
            .FindByEmailAsync(PortalServer.AdminEmail);
        db.Memberships.Add(new TenantMembership(tenant.Id, admin!.Id, TenantRole.TenantAdmin, DateTime.UtcNow));
        var vault = services.GetRequiredService<Portal.Infrastructure.Applications.SpecVault>();
        var now = DateTime.UtcNow;
        var spec = new Portal.Domain.Applications.DeploymentSpec
        {
            Image = "nginx:1.27",
            Resources = new(100, 200, 64L << 20, 128L << 20),
        };
        var app = Portal
            .Domain.Applications.Application.Create(tenant, App, "shop", "team", spec, vault.Seal, now)
            .Value;
        db.Applications.Add(app);
        var definition = PipelineYaml.Parse(Yaml).Value;
        var pipeline = Pipeline
            .Create(
                tenant.Id,
                app.Id,
                "ship",
                Yaml,
                definition,
                services.GetRequiredService<WebhookSecrets>().New().Sealed,
                "journey",
                now
            )
            .Value;
        db.Pipelines.Add(pipeline);
        var run = PipelineRun.Queue(
            tenant.Id,
            pipeline.Id,
            app.Id,
            0,
            Yaml,
            definition,
            new RunTrigger(TriggerKind.Push, "main", null, "dev@portal.test"),
            now
        );
        run.Admit(now);
        run.DueStages(now);
        run.StageStarted("build", now.AddHours(1), now);
        run.CheckAgainAt(now.AddHours(1));
        db.PipelineRuns.Add(run);
        db.PipelineRunLogLines.Add(new PipelineRunLogLine(tenant.Id, run.Id, 1, "build", "Building main…", now));
        await db.SaveChangesAsync();
        return run.Id;
    }

    /// <summary>What the run's job does next: the build succeeds, the approval starts waiting and says so.</summary>
    private async Task MoveOnAsync(Guid runId)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<PortalDbContext>();
        var run = await db.PipelineRuns.IgnoreQueryFilters().SingleAsync(r => r.Id == runId);
        var now = DateTime.UtcNow;
        run.Built(1, new string('a', 40), "127.0.0.1:5000/runs-journey/shop@sha256:" + new string('7', 64), now);
        run.StageSucceeded("build", "Built and pushed.", now);
        run.DueStages(now);
        run.AwaitApproval("approve", now.AddDays(1), now);
        run.CheckAgainAt(now.AddHours(1));
        await db.SaveChangesAsync();
        var progress = services.GetRequiredService<IRunProgress>();
        await progress.RunChangedAsync(run, default);
        await new RunLog(
            services.GetRequiredService<IServiceScopeFactory>(),
            progress,
            TimeProvider.System,
            run
        ).WriteAsync("approve", "Waits for approval by a TenantAdmin.", default);
    }
}

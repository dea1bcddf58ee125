using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Pipelines.Webhooks;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// Arranges pipeline runs for the runs pages, API and hub: an application with a pipeline (build, an approval, a
/// deploy), and runs as the engine leaves them, moved along by the run's own domain methods and written straight to
/// the database with their log.
/// </summary>
public sealed class RunWorld(PortalFactory factory)
{
    public const string Pipeline = "ship";
    public const string Sha = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    public static readonly string Image = "127.0.0.1:5000/shop@sha256:" + new string('7', 64);

    public Arrange Arrange => new(factory);

    /// <summary>Build, an approval by a TenantAdmin or <paramref name="approver"/>, a deploy.</summary>
    public static string Yaml(string approver = "named@portal.test", string environment = "env") =>
        $"""
            stages:
              - name: build
                kind: build
              - name: approve
                kind: approval
                approvers:
                  roles: [TenantAdmin]
                  members: [{approver}]
              - name: deploy
                kind: deploy
                environment: {environment}
            """;

    /// <summary>Build, then a manual deploy to env.</summary>
    public const string ManualYaml = """
        stages:
          - name: build
            kind: build
          - name: deploy
            kind: deploy
            environment: env
            manual: true
        """;

    /// <summary>A tenant with an environment "env", an application deployed there, and its pipeline.</summary>
    public async Task<(Tenant Tenant, string App)> AppAsync(string? yaml = null)
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        await PipelineAsync(tenant, app, yaml ?? Yaml());
        return (tenant, app);
    }

    public async Task PipelineAsync(Tenant tenant, string app, string yaml, string name = Pipeline)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var appId = await AppIdAsync(db, tenant, app);
        var definition = PipelineYaml.Parse(yaml);
        Assert.True(definition.Succeeded, definition.Problem?.Message);
        var sealedSecret = scope.ServiceProvider.GetRequiredService<WebhookSecrets>().New().Sealed;
        db.Pipelines.Add(
            Domain
                .Pipelines.Pipeline.Create(
                    tenant.Id,
                    appId,
                    name,
                    yaml,
                    definition.Value,
                    sealedSecret,
                    "ada@portal.test",
                    DateTime.UtcNow
                )
                .Value
        );
        await db.SaveChangesAsync();
    }

    /// <summary>A connected source, written directly: runs started through the portal need one.</summary>
    public async Task SourceAsync(Tenant tenant, string app)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var address = Domain.Builds.GitSourceAddress.Parse("https://git.example.com/shop.git", "main", "").Value;
        db.AppSources.Add(
            Domain.Builds.AppSource.Connect(
                tenant.Id,
                await AppIdAsync(db, tenant, app),
                address,
                Domain.Builds.GitCredentialKind.None,
                "",
                new string('c', 40),
                "",
                DateTime.UtcNow
            )
        );
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// A run of the pipeline moved along by <paramref name="progress"/> (none: queued), with <paramref name="log"/>
    /// as its log; its next look is put off, so that no job of the portal moves it meanwhile.
    /// </summary>
    public async Task<PipelineRun> RunAsync(
        Tenant tenant,
        string app,
        Action<PipelineRun, DateTime>? progress,
        IReadOnlyList<(string Stage, string Text)> log,
        string gitRef = "main",
        string pipeline = Pipeline
    )
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var appId = await AppIdAsync(db, tenant, app);
        var found = await db
            .Pipelines.IgnoreQueryFilters()
            .SingleAsync(p => p.ApplicationId == appId && p.Name == pipeline);
        var last = await db.PipelineRuns.IgnoreQueryFilters().CountAsync(r => r.PipelineId == found.Id);
        var now = DateTime.UtcNow;
        var run = PipelineRun.Queue(
            tenant.Id,
            found.Id,
            appId,
            last,
            found.Yaml,
            PipelineYaml.Parse(found.Yaml).Value,
            new RunTrigger(TriggerKind.Push, gitRef, null, "ada@portal.test"),
            now
        );
        progress?.Invoke(run, now);
        run.CheckAgainAt(now.AddHours(1));
        db.PipelineRuns.Add(run);
        var sequence = 0;
        foreach (var (stage, text) in log)
            db.PipelineRunLogLines.Add(new PipelineRunLogLine(tenant.Id, run.Id, ++sequence, stage, text, now));
        await db.SaveChangesAsync();
        return run;
    }

    /// <summary>A run whose build succeeded (build 1, the image pinned) and whose approval waits.</summary>
    public Task<PipelineRun> AwaitingApprovalAsync(Tenant tenant, string app) =>
        RunAsync(
            tenant,
            app,
            (run, now) =>
            {
                Built(run, now);
                run.DueStages(now);
                run.AwaitApproval("approve", now.AddDays(1), now);
            },
            [("build", "Fetching main…"), ("build", "Pushed the image."), ("approve", "Waits for approval.")]
        );

    /// <summary>A run that failed at its build.</summary>
    public Task<PipelineRun> FailedAsync(Tenant tenant, string app) =>
        RunAsync(
            tenant,
            app,
            (run, now) =>
            {
                run.Admit(now);
                run.DueStages(now);
                run.StageStarted("build", now.AddHours(1), now);
                run.StageFailed("build", "main.go:3: undefined: x", now);
            },
            [("build", "main.go:3: undefined: x")]
        );

    /// <summary>The run admitted, its build stage run as build 1 and succeeded with the image.</summary>
    public static void Built(PipelineRun run, DateTime now)
    {
        run.Admit(now);
        run.DueStages(now);
        run.StageStarted("build", now.AddHours(1), now);
        run.StageQueuedBuild("build", 1, now);
        run.Built(1, Sha, Image, now);
        run.StageSucceeded("build", "Built and pushed.", now);
    }

    public Task<PipelineRun> FindAsync(Tenant tenant, string app, int number, string pipeline = Pipeline) =>
        Arrange.QueryAsync(db =>
            (
                from r in db.PipelineRuns.IgnoreQueryFilters().AsNoTracking()
                join p in db.Pipelines.IgnoreQueryFilters() on r.PipelineId equals p.Id
                join a in db.Applications.IgnoreQueryFilters() on r.ApplicationId equals a.Id
                where r.TenantId == tenant.Id && a.Name == app && p.Name == pipeline && r.Number == number
                select r
            ).SingleAsync()
        );

    /// <summary>A member of the tenant with this e-mail address (as an approval stage names its approvers).</summary>
    public async Task<TestUser> MemberAsync(Tenant tenant, TenantRole role, string email)
    {
        var user = await Arrange.UserAsync(email);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        db.Memberships.Add(new TenantMembership(tenant.Id, user.Id, role, DateTime.UtcNow));
        await db.SaveChangesAsync();
        return user;
    }

    public static string RunPath(Tenant tenant, string app, int run) =>
        $"/t/{tenant.Slug}/apps/{app}/pipelines/{Pipeline}/runs/{run}";

    public static string ApiPath(Tenant tenant, string app, int run) =>
        $"/api/v1/tenants/{tenant.Slug}/apps/{app}/pipelines/{Pipeline}/runs/{run}";

    private static Task<Guid> AppIdAsync(PortalDbContext db, Tenant tenant, string app) =>
        db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == app)
            .Select(a => a.Id)
            .SingleAsync();
}

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
/// Arranges pipelines for their pages and API: an application, pipelines, their runs and webhook deliveries, written
/// straight to the database as the run engine and the webhook would leave them.
/// </summary>
public sealed class PipelineArrangement(PortalFactory factory)
{
    /// <summary>
    /// Build, then deploy to dev, on a push to main: as <see cref="PipelineYaml.Write"/> lays it out.
    /// </summary>
    public const string Yaml = """
        triggers:
          branches: [main]
          tags: []
        supersedeWaiting: true
        stages:
          - name: build
            kind: build
          - name: deploy-dev
            kind: deploy
            environment: dev
            rollbackOnFailure: true

        """;

    public Arrange Arrange => new(factory);

    public async Task<(Tenant Tenant, string App)> AppAsync(string? slug = null, string? displayName = null)
    {
        var tenant = await Arrange.TenantAsync(slug, displayName);
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        return (tenant, app);
    }

    /// <summary>A pipeline of the application, with a sealed webhook secret it returns in clear.</summary>
    public async Task<(Guid Id, string Secret)> PipelineAsync(
        Tenant tenant,
        string app,
        string name = "main",
        string yaml = Yaml
    )
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var secret = scope.ServiceProvider.GetRequiredService<WebhookSecrets>().New();
        var applicationId = await ApplicationIdAsync(db, tenant, app);
        var pipeline = Pipeline
            .Create(
                tenant.Id,
                applicationId,
                name,
                yaml,
                PipelineYaml.Parse(yaml).Value,
                secret.Sealed,
                "dev@portal.test",
                DateTime.UtcNow
            )
            .Value;
        db.Pipelines.Add(pipeline);
        await db.SaveChangesAsync();
        return (pipeline.Id, secret.Secret);
    }

    /// <summary>A run of the pipeline, queued or (<paramref name="admitted"/>) going, or then cancelled.</summary>
    public async Task<int> RunAsync(Tenant tenant, Guid pipelineId, bool admitted, bool cancelled = false)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var pipeline = await db.Pipelines.IgnoreQueryFilters().SingleAsync(p => p.Id == pipelineId);
        var last = await db
            .PipelineRuns.IgnoreQueryFilters()
            .Where(r => r.PipelineId == pipelineId)
            .MaxAsync(r => (int?)r.Number);
        var now = DateTime.UtcNow;
        var run = PipelineRun.Queue(
            tenant.Id,
            pipelineId,
            pipeline.ApplicationId,
            last ?? 0,
            pipeline.Yaml,
            PipelineYaml.Parse(pipeline.Yaml).Value,
            new RunTrigger(TriggerKind.Manual, "main", null, "dev@portal.test"),
            now
        );
        if (admitted)
            run.Admit(now);
        if (cancelled)
            run.Cancel("dev@portal.test", now);
        db.PipelineRuns.Add(run);
        await db.SaveChangesAsync();
        return run.Number;
    }

    /// <summary>A Git source of the application, written directly: no repository is contacted.</summary>
    public async Task SourceAsync(Tenant tenant, string app)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var address = Portal.Domain.Builds.GitSourceAddress.Parse("https://git.example.com/acme/shop.git", "main", "");
        db.AppSources.Add(
            Portal.Domain.Builds.AppSource.Connect(
                tenant.Id,
                await ApplicationIdAsync(db, tenant, app),
                address.Value,
                Portal.Domain.Builds.GitCredentialKind.None,
                "",
                new string('c', 40),
                "",
                DateTime.UtcNow
            )
        );
        await db.SaveChangesAsync();
    }

    public Task<List<PipelineRun>> RunsOfAsync(Tenant tenant) =>
        Arrange.QueryAsync(db =>
            db.PipelineRuns.IgnoreQueryFilters().Where(r => r.TenantId == tenant.Id).ToListAsync()
        );

    public async Task DeliveryAsync(Tenant tenant, Guid pipelineId, string outcome)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var delivery = new WebhookDelivery(
            tenant.Id,
            pipelineId,
            WebhookProvider.GitHub,
            Guid.NewGuid().ToString(),
            "push",
            "refs/heads/main",
            new string('a', 40),
            DateTime.UtcNow
        );
        delivery.Came(outcome, null);
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync();
    }

    public Task<List<Pipeline>> PipelinesOfAsync(Tenant tenant) =>
        Arrange.QueryAsync(db => db.Pipelines.IgnoreQueryFilters().Where(p => p.TenantId == tenant.Id).ToListAsync());

    public Task<int> AuditCountAsync(Tenant tenant, string action) =>
        Arrange.QueryAsync(db =>
            db.AuditEvents.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id && a.Action == action)
        );

    public string OpenSecret(string sealedSecret)
    {
        using var scope = factory.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<WebhookSecrets>().Open(sealedSecret);
    }

    private static Task<Guid> ApplicationIdAsync(PortalDbContext db, Tenant tenant, string app) =>
        db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == app)
            .Select(a => a.Id)
            .SingleAsync();
}

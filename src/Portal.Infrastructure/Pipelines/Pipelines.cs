using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Webhooks;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Pipelines;

/// <summary>A pipeline asked for: its application, its name and its definition as YAML.</summary>
public sealed record CreatePipeline(string AppName, string? Name, string? Yaml);

/// <summary>A pipeline's definition replaced by <paramref name="Yaml"/>.</summary>
public sealed record ChangePipeline(string AppName, string Name, string? Yaml);

/// <summary>
/// A pipeline as a row of a list: what its stages and triggers are, in words, and its last run.
/// </summary>
public sealed record PipelineRow(
    Guid Id,
    string App,
    string Name,
    string Stages,
    string Triggers,
    int? LastRunNumber,
    RunState? LastRunState,
    DateTime? LastRunAt,
    DateTime ChangedAt
);

/// <summary>
/// A pipeline with its YAML and the definition read from it (null, with why, when the YAML no longer reads, as after a
/// rule was tightened).
/// </summary>
public sealed record PipelineDetails(
    Guid Id,
    string App,
    string Name,
    string Yaml,
    PipelineDefinition? Definition,
    Problem? DefinitionProblem,
    DateTime WebhookSecretSetAt,
    string CreatedBy,
    DateTime CreatedAt,
    string ChangedBy,
    DateTime ChangedAt
)
{
    internal static PipelineDetails Of(Pipeline pipeline, string app)
    {
        var definition = PipelineYaml.Parse(pipeline.Yaml);
        return new(
            pipeline.Id,
            app,
            pipeline.Name,
            pipeline.Yaml,
            definition.Succeeded ? definition.Value : null,
            definition.Problem,
            pipeline.WebhookSecretSetAt,
            pipeline.CreatedBy,
            pipeline.CreatedAt,
            pipeline.ChangedBy,
            pipeline.ChangedAt
        );
    }
}

/// <summary>A pipeline just made, with its webhook secret in clear: shown this once, never again.</summary>
public sealed record CreatedPipeline(PipelineDetails Pipeline, string WebhookSecret);

/// <summary>A webhook delivery as the pipeline's page lists it.</summary>
public sealed record WebhookDeliveryRow(
    DateTime ReceivedAt,
    WebhookProvider Provider,
    string Event,
    string? Ref,
    string? Sha,
    string Outcome
);

/// <summary>
/// The pipelines of the current tenant's applications: made from YAML (a refusal keeps nothing), changed, deleted,
/// their webhook secrets made and rotated (shown once, kept sealed), listed with their last run, every change audited.
/// </summary>
public sealed class Pipelines(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    WebhookSecrets secrets,
    TimeProvider clock
)
{
    public const int DeliveriesShown = 20;

    /// <summary>Names the pages of an application's pipelines take for themselves.</summary>
    private static readonly string[] ReservedNames = ["new", "convert"];

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Result<CreatedPipeline>> CreateAsync(CreatePipeline request, CancellationToken ct)
    {
        var app = await ChangeableAppAsync(request.AppName, ct);
        if (!app.Succeeded)
            return app.Problem!;
        var name = PipelineName.Check(request.Name);
        if (name.Succeeded && ReservedNames.Contains(name.Value))
            name = Problem.Invalid(
                "Name",
                $"'{name.Value}' names a page of the pipelines (new, convert): choose another name."
            );
        var definition = PipelineYaml.Parse(request.Yaml);
        var problems = new[] { name.Problem, definition.Problem }.OfType<Problem>().ToList();
        if (problems.Count > 0)
            return Problem.Invalid([.. problems.SelectMany(p => p.Causes.Count > 0 ? p.Causes : [p])]);
        var (appId, appName) = app.Value;
        if (await db.Pipelines.AnyAsync(p => p.ApplicationId == appId && p.Name == name.Value, ct))
            return Taken(appName, name.Value);
        var secret = secrets.New();
        var made = Pipeline.Create(
            currentTenant.Required.Id,
            appId,
            name.Value,
            request.Yaml!,
            definition.Value,
            secret.Sealed,
            currentActor.Actor.Name,
            Now
        );
        if (!made.Succeeded)
            return made.Problem!;
        db.Pipelines.Add(made.Value);
        Audit(PipelineAuditActions.PipelineCreated, appName, name.Value, Summary(definition.Value));
        if (!await db.TrySaveUniqueAsync(ct))
            return Taken(appName, name.Value);
        return new CreatedPipeline(PipelineDetails.Of(made.Value, appName), secret.Secret);
    }

    public async Task<Result<PipelineDetails>> ChangeAsync(ChangePipeline request, CancellationToken ct)
    {
        var found = await ChangeableAsync(request.AppName, request.Name, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var definition = PipelineYaml.Parse(request.Yaml);
        if (!definition.Succeeded)
            return definition.Problem!;
        var (pipeline, appName) = found.Value;
        pipeline.Change(request.Yaml!, definition.Value, currentActor.Actor.Name, Now);
        Audit(PipelineAuditActions.PipelineChanged, appName, pipeline.Name, Summary(definition.Value));
        await db.SaveChangesAsync(ct);
        return PipelineDetails.Of(pipeline, appName);
    }

    /// <summary>
    /// Deletes the pipeline with its runs and deliveries; refused while one of its runs waits or goes.
    /// </summary>
    public async Task<Result> DeleteAsync(string appName, string name, CancellationToken ct)
    {
        var found = await ChangeableAsync(appName, name, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (pipeline, app) = found.Value;
        var going = await db.PipelineRuns.CountAsync(
            r => r.PipelineId == pipeline.Id && (r.State == RunState.Queued || r.State == RunState.Running),
            ct
        );
        if (going > 0)
            return Problem.Conflict(
                $"Pipeline '{name}' has {going} run(s) queued or going: cancel them first, then delete it."
            );
        db.Pipelines.Remove(pipeline);
        Audit(PipelineAuditActions.PipelineDeleted, app, name);
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    /// <summary>A new webhook secret for the pipeline, in clear this once; the old one stops working at once.</summary>
    public async Task<Result<string>> RotateWebhookSecretAsync(string appName, string name, CancellationToken ct)
    {
        var found = await ChangeableAsync(appName, name, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (pipeline, app) = found.Value;
        var secret = secrets.New();
        pipeline.RotateWebhookSecret(secret.Sealed, currentActor.Actor.Name, Now);
        Audit(PipelineAuditActions.WebhookSecretRotated, app, name);
        await db.SaveChangesAsync(ct);
        return secret.Secret;
    }

    /// <summary>
    /// The pipelines of one application, by name, each with its last run; not found when the app is not.
    /// </summary>
    public async Task<Result<IReadOnlyList<PipelineRow>>> ListAsync(string appName, CancellationToken ct)
    {
        if (!await ApplicationExistsAsync(appName, ct))
            return Problem.NotFound($"Application '{appName}'");
        return Result<IReadOnlyList<PipelineRow>>.Ok(await RowsAsync(appName, ct));
    }

    /// <summary>The pipelines of every application of the tenant, by application and name.</summary>
    public Task<IReadOnlyList<PipelineRow>> ListOfTenantAsync(CancellationToken ct) => RowsAsync(null, ct);

    public async Task<PipelineDetails?> FindAsync(string appName, string name, CancellationToken ct)
    {
        var found = await (
            from p in db.Pipelines.AsNoTracking()
            join a in db.Applications on p.ApplicationId equals a.Id
            where a.Name == appName && p.Name == name
            select p
        ).FirstOrDefaultAsync(ct);
        return found is null ? null : PipelineDetails.Of(found, appName);
    }

    /// <summary>The newest deliveries the pipeline's webhook accepted, with what came of each.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryRow>> DeliveriesAsync(Guid pipelineId, CancellationToken ct) =>
        await db
            .WebhookDeliveries.AsNoTracking()
            .Where(d => d.PipelineId == pipelineId)
            .OrderByDescending(d => d.ReceivedAt)
            .Take(DeliveriesShown)
            .Select(d => new WebhookDeliveryRow(d.ReceivedAt, d.Provider, d.Event, d.Ref, d.Sha, d.Outcome))
            .ToListAsync(ct);

    public Task<bool> ApplicationExistsAsync(string appName, CancellationToken ct) =>
        db.Applications.AsNoTracking().AnyAsync(a => a.Name == appName, ct);

    /// <summary>The stages in order, in words: parallel stages joined by '+', steps by '→'.</summary>
    public static string StagesSummary(PipelineDefinition definition) =>
        string.Join(
            " → ",
            definition.Steps.Select(step =>
                string.Join(
                    " + ",
                    step.Select(s => s.Name == PipelineYaml.KindName(s.Kind) ? s.Name : $"{s.Name} ({Kind(s)})")
                )
            )
        );

    /// <summary>What starts a run besides a person, in words.</summary>
    public static string TriggersSummary(PipelineTriggers triggers)
    {
        var parts = new List<string>();
        if (triggers.Branches.Count > 0)
            parts.Add($"push to {string.Join(", ", triggers.Branches)}");
        if (triggers.Tags.Count > 0)
            parts.Add($"tags {string.Join(", ", triggers.Tags)}");
        if (triggers.Schedule is { } schedule)
            parts.Add($"schedule {schedule} (UTC)");
        if (triggers.PollEvery is { } poll)
            parts.Add($"polling every {Durations.Format(poll)}");
        return parts.Count == 0 ? "started by hand only" : string.Join("; ", parts);
    }

    private static string Kind(PipelineStage stage) =>
        stage switch
        {
            DeployStage deploy => $"deploy {deploy.Environment}",
            PromoteStage promote => $"promote {promote.From} → {promote.To}",
            CanaryStage canary => $"canary {canary.Percent}% in {canary.Environment}",
            _ => PipelineYaml.KindName(stage.Kind),
        };

    private static string Summary(PipelineDefinition definition) =>
        $"{StagesSummary(definition)}; {TriggersSummary(definition.Triggers)}";

    private async Task<IReadOnlyList<PipelineRow>> RowsAsync(string? appName, CancellationToken ct)
    {
        var pipelines =
            from p in db.Pipelines.AsNoTracking()
            join a in db.Applications on p.ApplicationId equals a.Id
            select new { p, App = a.Name };
        if (appName is not null)
            pipelines = pipelines.Where(x => x.App == appName);
        // One query: the last run's number, state and time are scalar subqueries on (PipelineId, Number).
        var rows = await pipelines
            .OrderBy(x => x.App)
            .ThenBy(x => x.p.Name)
            .Select(x => new
            {
                x.p.Id,
                x.App,
                x.p.Name,
                x.p.Yaml,
                x.p.ChangedAt,
                LastNumber = db
                    .PipelineRuns.Where(r => r.PipelineId == x.p.Id)
                    .OrderByDescending(r => r.Number)
                    .Select(r => (int?)r.Number)
                    .FirstOrDefault(),
                LastState = db
                    .PipelineRuns.Where(r => r.PipelineId == x.p.Id)
                    .OrderByDescending(r => r.Number)
                    .Select(r => (RunState?)r.State)
                    .FirstOrDefault(),
                LastAt = db
                    .PipelineRuns.Where(r => r.PipelineId == x.p.Id)
                    .OrderByDescending(r => r.Number)
                    .Select(r => (DateTime?)r.CreatedAt)
                    .FirstOrDefault(),
            })
            .ToListAsync(ct);
        return
        [
            .. rows.Select(r =>
            {
                var definition = PipelineYaml.Parse(r.Yaml);
                return new PipelineRow(
                    r.Id,
                    r.App,
                    r.Name,
                    definition.Succeeded ? StagesSummary(definition.Value) : "the YAML no longer reads: open it",
                    definition.Succeeded ? TriggersSummary(definition.Value.Triggers) : "",
                    r.LastNumber,
                    r.LastState,
                    r.LastAt,
                    r.ChangedAt
                );
            }),
        ];
    }

    /// <summary>The application, when the current tenant may change its pipelines at all.</summary>
    private async Task<Result<(Guid Id, string Name)>> ChangeableAppAsync(string appName, CancellationToken ct)
    {
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden(
                $"Tenant '{tenant.Slug}' is {tenant.ReadOnlyReason}: its pipelines cannot change."
            );
        var app = await db
            .Applications.AsNoTracking()
            .Where(a => a.Name == appName)
            .Select(a => new { a.Id, a.Name })
            .FirstOrDefaultAsync(ct);
        return app is null ? Problem.NotFound($"Application '{appName}'") : (app.Id, app.Name);
    }

    private async Task<Result<(Pipeline Pipeline, string App)>> ChangeableAsync(
        string appName,
        string name,
        CancellationToken ct
    )
    {
        var app = await ChangeableAppAsync(appName, ct);
        if (!app.Succeeded)
            return app.Problem!;
        var pipeline = await db.Pipelines.FirstOrDefaultAsync(
            p => p.ApplicationId == app.Value.Id && p.Name == name,
            ct
        );
        return pipeline is null ? Problem.NotFound($"Pipeline '{name}' of '{appName}'") : (pipeline, app.Value.Name);
    }

    private static Problem Taken(string app, string name) =>
        Problem.Conflict($"'{app}' already has a pipeline named '{name}': choose another name.", "Name");

    private void Audit(string action, string app, string name, string? summary = null) =>
        audit.Record(currentActor.Actor, currentTenant.Required, action, "pipeline", $"{app}/{name}", summary);
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Pipelines.Runs;

/// <summary>A run asked for: of which pipeline of which application, and what triggered it.</summary>
public sealed record StartRun(string AppName, string Pipeline, RunTrigger Trigger);

/// <summary>Which runs a list shows: of one application (and pipeline) or the whole tenant, by state and ref.</summary>
public sealed record RunQuery(
    string? AppName = null,
    string? Pipeline = null,
    RunState? State = null,
    string? Ref = null,
    int? Page = null,
    int? PageSize = null
);

/// <summary>A stage as a list shows it: its name and state.</summary>
public sealed record StageBadge(string Name, StageKind Kind, StageState State);

/// <summary>A run as a row of the runs lists.</summary>
public sealed record RunRow(
    Guid Id,
    string App,
    string Pipeline,
    int Number,
    RunState State,
    TriggerKind Trigger,
    string Ref,
    string? ShortSha,
    string By,
    IReadOnlyList<StageBadge> Stages,
    string? WaitingReason,
    string? Error,
    DateTime CreatedAt,
    TimeSpan? Duration
);

/// <summary>A run with its definition, for its page.</summary>
public sealed record RunDetails(PipelineRun Run, string App, string Pipeline, PipelineDefinition? Definition);

/// <summary>A decision on an approval stage of a run.</summary>
public sealed record DecideApproval(
    string AppName,
    string Pipeline,
    int Number,
    string Stage,
    bool Approve,
    string? Comment
);

/// <summary>
/// What runs in an environment of an application, from which commit, and the last run that went there.
/// </summary>
public sealed record EnvironmentRun(
    string Environment,
    int? Revision,
    string? Commit,
    string? Subject,
    string? Pipeline,
    int? Run,
    RunState? RunState,
    DateTime? RunAt
);

/// <summary>
/// The runs of the current tenant's pipelines: started (numbered per pipeline, a newer push superseding the queued run
/// of its ref when the pipeline says so, audited), listed with filters and paging on the server, cancelled, retried
/// from the stage that stopped them, run again, a manual stage started, an approval decided by someone allowed to.
/// </summary>
public sealed class PipelineRuns(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    IRunQueue queue,
    IRunProgress progress,
    IServiceScopeFactory scopes,
    MemberDirectory members,
    PipelineRunAdvancer advancer,
    TimeProvider clock
)
{
    public const int CommentMaxLength = 1000;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Result<PipelineRun>> StartAsync(StartRun request, CancellationToken ct)
    {
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is {tenant.ReadOnlyReason}: no pipeline can run.");
        var found = await PipelineAsync(request.AppName, request.Pipeline, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var pipeline = found.Value;
        var trigger = request.Trigger;
        var gitRef = trigger.Ref.Trim();
        if (gitRef.Length == 0)
            return Problem.Invalid("Ref", "Say which branch or tag to run.");
        if (trigger.Sha is { } sha && !IsSha(sha))
            return Problem.Invalid("Sha", $"'{sha}' is not a commit id: 7 to 64 hexadecimal characters.");
        var definition = PipelineYaml.Parse(pipeline.Yaml);
        if (!definition.Succeeded)
            return Problem.Conflict(
                $"Pipeline '{pipeline.Name}' does not read any more ({definition.Problem!.Message}): fix it first."
            );
        if (!await db.AppSources.AnyAsync(s => s.ApplicationId == pipeline.ApplicationId, ct))
            return Problem.Invalid(
                "Source",
                $"'{request.AppName}' has no source to build: connect a Git repository to it first."
            );
        var actor = currentActor.Actor;
        for (var attempt = 0; ; attempt++)
        {
            var last = await db.PipelineRuns.Where(r => r.PipelineId == pipeline.Id).MaxAsync(r => (int?)r.Number, ct)
                ?? 0;
            var run = PipelineRun.Queue(
                tenant.Id,
                pipeline.Id,
                pipeline.ApplicationId,
                last,
                pipeline.Yaml,
                definition.Value,
                trigger with
                {
                    Ref = gitRef,
                    Sha = trigger.Sha?.Trim().ToLowerInvariant(),
                },
                Now
            );
            var superseded = new List<PipelineRun>();
            if (definition.Value.SupersedeWaiting && trigger.Kind is not (TriggerKind.Manual or TriggerKind.Rerun))
            {
                superseded = await db
                    .PipelineRuns.Where(r =>
                        r.PipelineId == pipeline.Id && r.State == RunState.Queued && r.Trigger.Ref == gitRef
                    )
                    .ToListAsync(ct);
                foreach (var older in superseded)
                    older.Supersede(run.Number, Now);
            }
            db.PipelineRuns.Add(run);
            audit.Record(
                actor,
                tenant,
                PipelineAuditActions.RunStarted,
                "pipeline-run",
                $"{request.AppName}/{pipeline.Name}/{run.Number}",
                $"{Describe(trigger.Kind)} of {gitRef}{(trigger.Sha is null ? "" : $" at {trigger.Sha[..7]}")}"
                    + (
                        superseded.Count == 0
                            ? ""
                            : $", superseding run {string.Join(", ", superseded.Select(s => s.Number))}"
                    )
            );
            if (await db.TrySaveUniqueAsync(ct))
            {
                foreach (var older in superseded)
                    await progress.RunChangedAsync(older, ct);
                await progress.RunChangedAsync(run, ct);
                queue.Dispatch();
                return run;
            }
            db.ChangeTracker.Clear();
            if (attempt == 2)
                return Problem.Conflict($"Runs of '{pipeline.Name}' were started at once; try again.");
        }
    }

    public async Task<Page<RunRow>> ListAsync(RunQuery query, CancellationToken ct)
    {
        var page = new PageRequest(query.Page, query.PageSize);
        var runs =
            from r in db.PipelineRuns.AsNoTracking()
            join p in db.Pipelines on r.PipelineId equals p.Id
            join a in db.Applications on r.ApplicationId equals a.Id
            select new
            {
                r,
                Pipeline = p.Name,
                App = a.Name,
            };
        if (!string.IsNullOrWhiteSpace(query.AppName))
            runs = runs.Where(x => x.App == query.AppName);
        if (!string.IsNullOrWhiteSpace(query.Pipeline))
            runs = runs.Where(x => x.Pipeline == query.Pipeline);
        if (query.State is { } state)
            runs = runs.Where(x => x.r.State == state);
        if (!string.IsNullOrWhiteSpace(query.Ref))
            runs = runs.Where(x => x.r.Trigger.Ref == query.Ref);
        var total = await runs.CountAsync(ct);
        var rows = await runs.OrderByDescending(x => x.r.CreatedAt)
            .ThenByDescending(x => x.r.Number)
            .Skip(page.Skip)
            .Take(page.Size)
            .Select(x => new
            {
                x.r.Id,
                x.App,
                x.Pipeline,
                x.r.Number,
                x.r.State,
                x.r.Trigger,
                x.r.CommitSha,
                Stages = EF.Property<List<RunStage>>(x.r, "_stages"),
                x.r.WaitingReason,
                x.r.Error,
                x.r.CreatedAt,
                x.r.StartedAt,
                x.r.FinishedAt,
            })
            .ToListAsync(ct);
        return new Page<RunRow>(
            [
                .. rows.Select(r => new RunRow(
                    r.Id,
                    r.App,
                    r.Pipeline,
                    r.Number,
                    r.State,
                    r.Trigger.Kind,
                    r.Trigger.Ref,
                    r.CommitSha is null ? null : r.CommitSha[..Math.Min(12, r.CommitSha.Length)],
                    r.Trigger.By,
                    [.. r.Stages.Select(s => new StageBadge(s.Name, s.Kind, s.State))],
                    r.WaitingReason,
                    r.Error,
                    r.CreatedAt,
                    r.StartedAt is { } s && r.FinishedAt is { } f ? f - s : null
                )),
            ],
            page.Number,
            page.Size,
            total
        );
    }

    public async Task<RunDetails?> FindAsync(string appName, string pipeline, int number, CancellationToken ct)
    {
        var found = await (
            from r in db.PipelineRuns.AsNoTracking()
            join p in db.Pipelines on r.PipelineId equals p.Id
            join a in db.Applications on r.ApplicationId equals a.Id
            where a.Name == appName && p.Name == pipeline && r.Number == number
            select r
        ).FirstOrDefaultAsync(ct);
        if (found is null)
            return null;
        var definition = PipelineYaml.Parse(found.DefinitionYaml);
        return new RunDetails(found, appName, pipeline, definition.Succeeded ? definition.Value : null);
    }

    /// <summary>The run's log written after <paramref name="afterSequence"/>, in order, at most a page of it.</summary>
    public async Task<IReadOnlyList<PipelineRunLogLine>> LogAsync(
        Guid runId,
        int afterSequence,
        CancellationToken ct,
        int max = 1000
    ) =>
        await db
            .PipelineRunLogLines.AsNoTracking()
            .Where(l => l.RunId == runId && l.Sequence > afterSequence)
            .OrderBy(l => l.Sequence)
            .Take(Math.Clamp(max, 1, 5000))
            .ToListAsync(ct);

    /// <summary>
    /// Cancels the run: its going stages stop (a build is cancelled; a deploy already under way finishes, as a deploy
    /// cannot be half undone) and the rest is skipped.
    /// </summary>
    public Task<Result> CancelAsync(string appName, string pipeline, int number, CancellationToken ct) =>
        WhileTheRunMovesAsync(() => CancelOnceAsync(appName, pipeline, number, ct));

    private async Task<Result> CancelOnceAsync(string appName, string pipeline, int number, CancellationToken ct)
    {
        var found = await RunAsync(appName, pipeline, number, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var run = found.Value;
        var actor = currentActor.Actor;
        var cancelled = run.Cancel(actor.Name, Now);
        if (!cancelled.Succeeded)
            return cancelled;
        audit.Record(
            actor,
            currentTenant.Required,
            PipelineAuditActions.RunCancelled,
            "pipeline-run",
            $"{appName}/{pipeline}/{number}"
        );
        await db.SaveChangesAsync(ct);
        await progress.RunChangedAsync(run, ct);
        var definition = PipelineYaml.Parse(run.DefinitionYaml);
        if (definition.Succeeded)
        {
            var log = new RunLog(scopes, progress, clock, run);
            await log.WriteAsync("run", $"Cancelled by {actor.Name}.", ct);
            foreach (var stage in PipelineRunAdvancer.Cancelled(run))
                await advancer.CancelChildAsync(run, stage, definition.Value, log, ct);
        }
        queue.Dispatch();
        return Result.Ok();
    }

    /// <summary>Runs a failed or cancelled run again from the stage that stopped it, keeping what succeeded.</summary>
    public async Task<Result<PipelineRun>> RetryAsync(string appName, string pipeline, int number, CancellationToken ct)
    {
        var found = await RunAsync(appName, pipeline, number, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var run = found.Value;
        if (currentTenant.Required.IsReadOnly)
            return Problem.Forbidden($"Tenant '{currentTenant.Required.Slug}' is suspended: no pipeline can run.");
        var retried = run.RetryFromFailed(Now);
        if (!retried.Succeeded)
            return retried.Problem!;
        audit.Record(
            currentActor.Actor,
            currentTenant.Required,
            PipelineAuditActions.RunRetried,
            "pipeline-run",
            $"{appName}/{pipeline}/{number}"
        );
        await db.SaveChangesAsync(ct);
        await progress.RunChangedAsync(run, ct);
        queue.Dispatch();
        return run;
    }

    /// <summary>A new run of the same pipeline, ref and commit (the one the run built, when it built).</summary>
    public async Task<Result<PipelineRun>> RerunAsync(string appName, string pipeline, int number, CancellationToken ct)
    {
        var found = await RunAsync(appName, pipeline, number, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var run = found.Value;
        return await StartAsync(
            new StartRun(
                appName,
                pipeline,
                new RunTrigger(TriggerKind.Rerun, run.Trigger.Ref, run.CommitSha, currentActor.Actor.Name)
            ),
            ct
        );
    }

    /// <summary>Starts a manual stage whose turn came.</summary>
    public Task<Result> StartStageAsync(
        string appName,
        string pipeline,
        int number,
        string stage,
        CancellationToken ct
    ) => WhileTheRunMovesAsync(() => StartStageOnceAsync(appName, pipeline, number, stage, ct));

    private async Task<Result> StartStageOnceAsync(
        string appName,
        string pipeline,
        int number,
        string stage,
        CancellationToken ct
    )
    {
        var found = await RunAsync(appName, pipeline, number, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var run = found.Value;
        var actor = currentActor.Actor;
        var started = run.StartManually(stage, actor.Name, Now);
        if (!started.Succeeded)
            return started;
        audit.Record(
            actor,
            currentTenant.Required,
            PipelineAuditActions.StageStartedManually,
            "pipeline-run",
            $"{appName}/{pipeline}/{number}",
            $"stage {stage}"
        );
        await db.SaveChangesAsync(ct);
        await progress.RunChangedAsync(run, ct);
        queue.Advance(run.Id);
        return Result.Ok();
    }

    /// <summary>
    /// Approves or rejects an approval stage that waits, with a comment: only a member the stage names, or one holding
    /// a role it names (or a higher one), may; a rejection fails the run. Audited with the comment.
    /// </summary>
    public Task<Result> DecideAsync(DecideApproval request, CancellationToken ct) =>
        WhileTheRunMovesAsync(() => DecideOnceAsync(request, ct));

    private async Task<Result> DecideOnceAsync(DecideApproval request, CancellationToken ct)
    {
        var found = await RunAsync(request.AppName, request.Pipeline, request.Number, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var run = found.Value;
        var comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim();
        if (comment?.Length > CommentMaxLength)
            return Problem.Invalid("Comment", $"A comment has at most {CommentMaxLength} characters.");
        // It is written into the run's log and the audit, where an escape sequence would redraw a reader's terminal.
        if (comment is not null && comment.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            return Problem.Invalid("Comment", "A comment holds text and line breaks, no control characters.");
        var allowed = await MayDecideAsync(run, request.Stage, ct);
        if (!allowed.Succeeded)
            return allowed;
        var actor = currentActor.Actor;
        var decided = run.Decide(request.Stage, request.Approve, actor.Name, comment, Now);
        if (!decided.Succeeded)
            return decided;
        audit.Record(
            actor,
            currentTenant.Required,
            request.Approve ? PipelineAuditActions.Approved : PipelineAuditActions.Rejected,
            "pipeline-run",
            $"{request.AppName}/{request.Pipeline}/{request.Number}",
            $"stage {request.Stage}{(comment is null ? "" : $": {comment}")}"
        );
        await db.SaveChangesAsync(ct);
        await progress.RunChangedAsync(run, ct);
        await new RunLog(scopes, progress, clock, run).WriteAsync(
            request.Stage,
            $"{(request.Approve ? "Approved" : "Rejected")} by {actor.Name}{(comment is null ? "." : $": {comment}")}",
            ct
        );
        if (run.IsFinished)
            queue.Dispatch();
        else
            queue.Advance(run.Id);
        return Result.Ok();
    }

    /// <summary>Whether the current actor may decide the approval stage <paramref name="stage"/> of the run.</summary>
    public async Task<Result> MayDecideAsync(PipelineRun run, string stage, CancellationToken ct)
    {
        var definition = PipelineYaml.Parse(run.DefinitionYaml);
        if (!definition.Succeeded || definition.Value.Stage(stage) is not ApprovalStage approval)
            return Problem.NotFound($"Approval '{stage}' of run {run.Number}");
        var actor = currentActor.Actor;
        var member = actor.UserId is { } userId ? await members.FindAsync(userId, ct) : null;
        if (member is null)
            return Problem.Forbidden($"Only a member of the tenant named by '{stage}' may decide it.");
        var byRole = approval.Roles.Any(role => member.Role.Allows(role));
        var byName = approval.Members.Contains(member.Email.ToLowerInvariant());
        return byRole || byName
            ? Result.Ok()
            : Problem.Forbidden(
                $"'{stage}' waits for approval by {Stages.ApprovalStageExecutor.Approvers(approval)}: "
                    + $"{member.Email} ({member.Role}) may not decide it."
            );
    }

    /// <summary>
    /// Per environment of the tenant where the application runs or a run went: the revision running and its commit,
    /// and the last run of the application whose stage went there.
    /// </summary>
    public async Task<IReadOnlyList<EnvironmentRun>> ByEnvironmentAsync(string appName, CancellationToken ct)
    {
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return [];
        var running = await (
            from d in db.AppDeployments.AsNoTracking()
            join e in db.Environments on d.EnvironmentId equals e.Id
            join r in db.Revisions
                on new { d.ApplicationId, Number = d.Revision } equals new { r.ApplicationId, r.Number }
            where d.ApplicationId == app.Id
            select new
            {
                e.Name,
                d.Revision,
                r.Source,
            }
        ).ToListAsync(ct);
        var recent = await (
            from r in db.PipelineRuns.AsNoTracking()
            join p in db.Pipelines on r.PipelineId equals p.Id
            where r.ApplicationId == app.Id && r.State != RunState.Queued && r.State != RunState.Superseded
            orderby r.CreatedAt descending
            select new
            {
                Pipeline = p.Name,
                r.Number,
                r.State,
                r.CreatedAt,
                r.DefinitionYaml,
                Stages = EF.Property<List<RunStage>>(r, "_stages"),
            }
        )
            .Take(50)
            .ToListAsync(ct);
        var lastRun = new Dictionary<string, (string Pipeline, int Number, RunState State, DateTime At)>();
        var definitions = new Dictionary<string, PipelineDefinition?>(StringComparer.Ordinal);
        foreach (var run in recent)
        {
            if (!definitions.TryGetValue(run.DefinitionYaml, out var definition))
                definitions[run.DefinitionYaml] = definition = PipelineYaml.Parse(run.DefinitionYaml)
                    is { Succeeded: true } parsed
                    ? parsed.Value
                    : null;
            foreach (var stage in run.Stages.Where(s => s.State is not (StageState.Pending or StageState.Skipped)))
            {
                var environment = definition?.Stage(stage.Name) switch
                {
                    DeployStage d => d.Environment,
                    PromoteStage p => p.To,
                    CanaryStage c => c.Environment,
                    _ => null,
                };
                if (environment is not null)
                    lastRun.TryAdd(environment, (run.Pipeline, run.Number, run.State, run.CreatedAt));
            }
        }
        return
        [
            .. running
                .Select(r => r.Name)
                .Union(lastRun.Keys)
                .Order(StringComparer.Ordinal)
                .Select(name =>
                {
                    var here = running.FirstOrDefault(r => r.Name == name);
                    var hasRun = lastRun.TryGetValue(name, out var last);
                    return new EnvironmentRun(
                        name,
                        here?.Revision,
                        here?.Source?.Commit,
                        here?.Source?.Subject,
                        hasRun ? last.Pipeline : null,
                        hasRun ? last.Number : null,
                        hasRun ? last.State : null,
                        hasRun ? last.At : null
                    );
                }),
        ];
    }

    /// <summary>
    /// Does what a person asked of a run, read afresh and done again when the run's job saved the run meanwhile: the
    /// person's change is made on what the job saved, never refused for the job's sake.
    /// </summary>
    private async Task<Result> WhileTheRunMovesAsync(Func<Task<Result>> change)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await change();
            }
            catch (DbUpdateConcurrencyException) when (attempt < 4)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<Result<Pipeline>> PipelineAsync(string appName, string pipeline, CancellationToken ct)
    {
        var found = await (
            from p in db.Pipelines
            join a in db.Applications on p.ApplicationId equals a.Id
            where a.Name == appName && p.Name == pipeline
            select p
        ).FirstOrDefaultAsync(ct);
        return found is null ? Problem.NotFound($"Pipeline '{pipeline}' of '{appName}'") : found;
    }

    private async Task<Result<PipelineRun>> RunAsync(string appName, string pipeline, int number, CancellationToken ct)
    {
        var found = await (
            from r in db.PipelineRuns
            join p in db.Pipelines on r.PipelineId equals p.Id
            join a in db.Applications on r.ApplicationId equals a.Id
            where a.Name == appName && p.Name == pipeline && r.Number == number
            select r
        ).FirstOrDefaultAsync(ct);
        return found is null ? Problem.NotFound($"Run {number} of pipeline '{pipeline}' of '{appName}'") : found;
    }

    private static bool IsSha(string sha) =>
        sha.Trim().Length is >= 7 and <= 64 && sha.Trim().All(char.IsAsciiHexDigit);

    private static string Describe(TriggerKind kind) =>
        kind switch
        {
            TriggerKind.Push => "push",
            TriggerKind.Tag => "tag push",
            TriggerKind.Schedule => "schedule",
            TriggerKind.Poll => "new commit found by polling",
            TriggerKind.Rerun => "re-run",
            _ => "manual run",
        };
}

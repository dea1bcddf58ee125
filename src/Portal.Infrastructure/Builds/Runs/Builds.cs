using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Builds.Runs;

/// <summary>A build asked for: the ref (the source's own when empty), and a recipe with its values, or none.</summary>
public sealed record QueueBuild(
    string AppName,
    string? Ref = null,
    string? Recipe = null,
    IReadOnlyDictionary<string, string?>? Values = null
)
{
    /// <summary>
    /// Runs in the build's transaction once the build and its operation are saved, before the commit: what the caller
    /// saves there (a pipeline run noting the build its stage queued) is kept with the build or not at all.
    /// </summary>
    public Func<Build, Task>? BeforeCommit { get; init; }
}

/// <summary>Which builds a list shows: of one application or the whole tenant, by state and ref, one page.</summary>
public sealed record BuildQuery(
    string? AppName = null,
    BuildState? State = null,
    string? Ref = null,
    int? Page = null,
    int? PageSize = null
);

/// <summary>A build as a row of the builds list.</summary>
public sealed record BuildRow(
    Guid Id,
    int Number,
    string App,
    BuildState State,
    string Ref,
    string? ShortSha,
    string? Subject,
    string RequestedBy,
    TimeSpan? Duration,
    string? ImageTag,
    long? ImageSizeBytes,
    DateTime CreatedAt
);

/// <summary>A build with the steps of its operation, for its page.</summary>
public sealed record BuildDetails(Build Build, string App, IReadOnlyList<OperationStep> Steps);

/// <summary>
/// The builds of the current tenant's applications: queued (numbered per application, saved with their operation in
/// one transaction, audited), cancelled, rebuilt from the same commit, listed with filters and paging on the server,
/// and their logs read from a sequence on.
/// </summary>
public sealed partial class Builds(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    RecipeCatalog catalog,
    IOperationQueue queue,
    BuildArchives archives,
    TimeProvider clock
)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Result<Build>> QueueAsync(QueueBuild request, CancellationToken ct)
    {
        var buildable = await BuildableAsync(request.AppName, ct);
        if (!buildable.Succeeded)
            return buildable.Problem!;
        var app = buildable.Value;
        var source = await db.AppSources.AsNoTracking().FirstOrDefaultAsync(s => s.ApplicationId == app.Id, ct);
        if (source is null)
            return Problem.Invalid(
                "Source",
                $"'{app.Name}' has no source to build: connect a Git repository to it first."
            );
        var choice = Choose(request.Recipe, request.Values);
        if (!choice.Succeeded)
            return choice.Problem!;
        var gitRef = string.IsNullOrWhiteSpace(request.Ref) ? source.Ref : request.Ref.Trim();
        return await SaveAsync(app.Id, app.Name, gitRef, choice.Value, ct, request.BeforeCommit);
    }

    /// <summary>The application to build, when the current tenant may build at all.</summary>
    private async Task<Result<Domain.Applications.Application>> BuildableAsync(string appName, CancellationToken ct)
    {
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is {tenant.ReadOnlyReason}: nothing can be built.");
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == appName, ct);
        return app is null ? Problem.NotFound($"Application '{appName}'") : app;
    }

    /// <summary>The recipe asked for with its values checked, or none to take the inspector's proposal.</summary>
    private Result<RecipeChoice?> Choose(string? recipe, IReadOnlyDictionary<string, string?>? values)
    {
        if (string.IsNullOrWhiteSpace(recipe))
            return Result<RecipeChoice?>.Ok(null);
        var name = recipe.Trim();
        if (catalog.Find(name) is null)
            return Problem.Invalid(
                "Recipe",
                $"There is no recipe '{name}': choose one of {string.Join(", ", catalog.Recipes.Select(r => r.Name))}."
            );
        var chosen = catalog.Choose(name, values ?? new Dictionary<string, string?>());
        if (!chosen.Succeeded)
            return chosen.Problem!;
        return chosen.Value;
    }

    /// <summary>Builds the commit of build <paramref name="number"/> again, with the same recipe choice.</summary>
    public async Task<Result<Build>> RebuildAsync(string appName, int number, CancellationToken ct)
    {
        var found = await FindBuildAsync(appName, number, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (build, name) = found.Value;
        var commit = build.CommitToRebuild();
        if (!commit.Succeeded)
            return commit.Problem!;
        if (!await db.AppSources.AnyAsync(s => s.ApplicationId == build.ApplicationId, ct))
            return Problem.Invalid("Source", $"'{name}' has no source to build: connect a Git repository to it first.");
        return await SaveAsync(build.ApplicationId, name, commit.Value, build.RequestedRecipe, ct);
    }

    public async Task<Result> CancelAsync(string appName, int number, CancellationToken ct)
    {
        var found = await FindBuildAsync(appName, number, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (build, name) = found.Value;
        var actor = currentActor.Actor;
        var asked = build.RequestCancel(actor.Name, Now);
        if (!asked.Succeeded)
            return asked;
        audit.Record(
            actor,
            currentTenant.Required,
            BuildAuditActions.BuildCancelRequested,
            "build",
            $"{name}/{number}"
        );
        if (build.IsFinished)
            archives.Delete(build.Id);
        if (build.IsFinished && build.OperationId is { } operationId)
        {
            // A queued build ends at once; its operation, not yet run, ends with it.
            var operation = await db.Operations.FirstOrDefaultAsync(o => o.Id == operationId, ct);
            if (operation is { IsFinished: false })
                operation.Fail(build.Reason!, Now);
        }
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    public async Task<Page<BuildRow>> ListAsync(BuildQuery query, CancellationToken ct)
    {
        var page = new PageRequest(query.Page, query.PageSize);
        var builds =
            from b in db.Builds.AsNoTracking()
            join a in db.Applications on b.ApplicationId equals a.Id
            select new { b, a.Name };
        if (!string.IsNullOrWhiteSpace(query.AppName))
            builds = builds.Where(x => x.Name == query.AppName);
        if (query.State is { } state)
            builds = builds.Where(x => x.b.State == state);
        if (!string.IsNullOrWhiteSpace(query.Ref))
            builds = builds.Where(x => x.b.Ref == query.Ref);
        var total = await builds.CountAsync(ct);
        var rows = await builds
            .OrderByDescending(x => x.b.CreatedAt)
            .ThenByDescending(x => x.b.Number)
            .Skip(page.Skip)
            .Take(page.Size)
            .Select(x => new
            {
                x.b.Id,
                x.b.Number,
                x.Name,
                x.b.State,
                x.b.Ref,
                Sha = x.b.Commit == null ? null : x.b.Commit.Sha,
                Subject = x.b.Commit == null ? null : x.b.Commit.Subject,
                x.b.RequestedBy,
                x.b.StartedAt,
                x.b.FinishedAt,
                Tag = x.b.Image == null ? null : x.b.Image.Tag,
                Size = x.b.Image == null ? (long?)null : x.b.Image.SizeBytes,
                x.b.CreatedAt,
            })
            .ToListAsync(ct);
        return new Page<BuildRow>(
            [
                .. rows.Select(r => new BuildRow(
                    r.Id,
                    r.Number,
                    r.Name,
                    r.State,
                    r.Ref,
                    r.Sha is null ? null : r.Sha[..Math.Min(SourceCommit.ShortLength, r.Sha.Length)],
                    r.Subject,
                    r.RequestedBy,
                    r.StartedAt is { } s && r.FinishedAt is { } f ? f - s : null,
                    r.Tag,
                    r.Size,
                    r.CreatedAt
                )),
            ],
            page.Number,
            page.Size,
            total
        );
    }

    public async Task<BuildDetails?> FindAsync(string appName, int number, CancellationToken ct)
    {
        var found = await (
            from b in db.Builds.AsNoTracking()
            join a in db.Applications on b.ApplicationId equals a.Id
            where a.Name == appName && b.Number == number
            select b
        ).FirstOrDefaultAsync(ct);
        if (found is null)
            return null;
        var operation = found.OperationId is { } id
            ? await db.Operations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct)
            : null;
        return new BuildDetails(found, appName, operation?.Steps ?? []);
    }

    /// <summary>The build's log written after <paramref name="afterSequence"/>, in order.</summary>
    public async Task<IReadOnlyList<BuildLogChunk>> LogAsync(Guid buildId, int afterSequence, CancellationToken ct) =>
        await db
            .BuildLogChunks.AsNoTracking()
            .Where(c => c.BuildId == buildId && c.Sequence > afterSequence)
            .OrderBy(c => c.Sequence)
            .ToListAsync(ct);

    private async Task<Result<(Build Build, string App)>> FindBuildAsync(
        string appName,
        int number,
        CancellationToken ct
    )
    {
        var found = await (
            from b in db.Builds
            join a in db.Applications on b.ApplicationId equals a.Id
            where a.Name == appName && b.Number == number
            select b
        ).FirstOrDefaultAsync(ct);
        return found is null ? Problem.NotFound($"Build {number} of '{appName}'") : (found, appName);
    }

    private Task<Result<Build>> SaveAsync(
        Guid appId,
        string appName,
        string gitRef,
        RecipeChoice? choice,
        CancellationToken ct,
        Func<Build, Task>? beforeCommit = null
    ) =>
        SaveAsync(
            appId,
            appName,
            last => Build.Queue(currentTenant.Required.Id, appId, last, gitRef, currentActor.Actor.Name, Now),
            choice,
            BuildAuditActions.BuildQueued,
            $"{gitRef}{(choice is null ? "" : $" with the recipe {choice.Recipe}")}",
            beforeCommit,
            ct
        );

    /// <param name="make">Makes the build numbered after the last one given.</param>
    /// <param name="beforeCommit">Runs once the build is saved, before its transaction commits.</param>
    private async Task<Result<Build>> SaveAsync(
        Guid appId,
        string appName,
        Func<int, Result<Build>> make,
        RecipeChoice? choice,
        string auditAction,
        string auditSummary,
        Func<Build, Task>? beforeCommit,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        for (var attempt = 0; ; attempt++)
        {
            var last = await db.Builds.Where(b => b.ApplicationId == appId).MaxAsync(b => (int?)b.Number, ct) ?? 0;
            var queued = make(last);
            if (!queued.Succeeded)
                return queued.Problem!;
            var build = queued.Value;
            if (choice is not null)
                build.BuildWith(choice);
            var operation = new Operation(
                tenant.Id,
                OperationKinds.BuildApplication,
                "build",
                $"{appName}/{build.Number}",
                actor.Name,
                Now
            );
            build.RunBy(operation.Id);
            await using (var transaction = await db.Database.BeginTransactionAsync(ct))
            {
                db.Builds.Add(build);
                db.Operations.Add(operation);
                audit.RecordForOperation(
                    actor,
                    tenant,
                    auditAction,
                    "build",
                    $"{appName}/{build.Number}",
                    auditSummary,
                    operation
                );
                if (await db.TrySaveUniqueAsync(ct))
                {
                    if (beforeCommit is not null)
                    {
                        await beforeCommit(build);
                        await db.SaveChangesAsync(ct);
                    }
                    await transaction.CommitAsync(ct);
                    queue.Enqueue(operation);
                    return build;
                }
            }
            db.ChangeTracker.Clear();
            if (attempt == 2)
                return Problem.Conflict($"Builds of '{appName}' were queued at once; try again.");
        }
    }
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Applications;

public enum ApplicationSort
{
    Name,
    Updated,
}

/// <summary>
/// What the application list shows: health at a glance comes from each environment's deployment state.
/// </summary>
public enum ApplicationHealth
{
    Any,
    Running,
    Deploying,
    Failed,
    Stopped,
    NotDeployed,
}

public sealed record ApplicationFilter(
    string? Search = null,
    string? Environment = null,
    ApplicationHealth Health = ApplicationHealth.Any,
    ApplicationSort Sort = ApplicationSort.Name,
    bool Descending = false
);

/// <summary>An application in one environment, as a list row shows it.</summary>
public sealed record DeploymentBadge(
    string Environment,
    AppDeploymentState State,
    int Revision,
    int Replicas,
    int ReadyReplicas,
    string? Reason
);

public sealed record ApplicationRow(
    string Name,
    string Description,
    string Owner,
    string Image,
    int LatestRevision,
    DateTime UpdatedAt,
    IReadOnlyList<DeploymentBadge> Deployments
);

public sealed record ApplicationView(
    Guid Id,
    string Name,
    string Description,
    string Owner,
    string Image,
    int LatestRevision,
    bool IsDeleting,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DeploymentSpec Spec,
    IReadOnlyList<DeploymentBadge> Deployments
);

public sealed record RevisionView(
    int Number,
    string Image,
    string Environment,
    string CreatedBy,
    string? Note,
    string Origin,
    DateTime CreatedAt,
    IReadOnlyList<string> RunningIn,
    RevisionSource? Source = null
);

public sealed record RevisionDiff(RevisionView From, RevisionView To, IReadOnlyList<SpecChange> Changes);

/// <summary>
/// The applications of the tenant in scope: lists, details, revisions, and their creation, change and deletion.
/// </summary>
/// <summary>A new application of the tenant: its name, description, owner and first spec.</summary>
public sealed record CreateApplication(string? Name, string? Description, string? Owner, DeploymentSpec Spec);

/// <summary>What changes of an application: its description, owner and working spec.</summary>
public sealed record ChangeApplication(string Name, string? Description, string? Owner, DeploymentSpec Spec);

public sealed class ApplicationCatalog(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    SpecVault vault,
    AuditTrail audit,
    IOperationQueue queue,
    IngressClaims ingress,
    TimeProvider clock
)
{
    /// <summary>
    /// The names of every application deployed to an environment, in order: for choosing one, so names only, and all
    /// of them however many.
    /// </summary>
    public async Task<IReadOnlyList<string>> NamesInAsync(string environment, CancellationToken ct) =>
        await (
            from a in db.Applications.AsNoTracking()
            where
                db.AppDeployments.Any(d =>
                    d.ApplicationId == a.Id
                    && db.Environments.Any(e => e.Id == d.EnvironmentId && e.Name == environment)
                )
            orderby a.Name
            select a.Name
        ).ToListAsync(ct);

    public async Task<Page<ApplicationRow>> ListAsync(ApplicationFilter filter, PageRequest page, CancellationToken ct)
    {
        var apps = db.Applications.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var search = filter.Search.Trim().ToLowerInvariant();
            apps = apps.Where(a => a.Name.StartsWith(search) || a.Image.Contains(search));
        }
        if (!string.IsNullOrWhiteSpace(filter.Environment))
        {
            var environmentId = db.Environments.Where(e => e.Name == filter.Environment).Select(e => e.Id);
            apps = filter.Health switch
            {
                ApplicationHealth.NotDeployed => apps.Where(a =>
                    !db.AppDeployments.Any(d => d.ApplicationId == a.Id && environmentId.Contains(d.EnvironmentId))
                ),
                ApplicationHealth.Any => apps.Where(a =>
                    db.AppDeployments.Any(d => d.ApplicationId == a.Id && environmentId.Contains(d.EnvironmentId))
                ),
                _ => apps.Where(a =>
                    db.AppDeployments.Any(d =>
                        d.ApplicationId == a.Id
                        && environmentId.Contains(d.EnvironmentId)
                        && d.State == State(filter.Health)
                    )
                ),
            };
        }
        else if (filter.Health == ApplicationHealth.NotDeployed)
        {
            apps = apps.Where(a => !db.AppDeployments.Any(d => d.ApplicationId == a.Id));
        }
        else if (filter.Health != ApplicationHealth.Any)
        {
            var state = State(filter.Health);
            apps = apps.Where(a => db.AppDeployments.Any(d => d.ApplicationId == a.Id && d.State == state));
        }

        var total = await apps.CountAsync(ct);
        apps = (filter.Sort, filter.Descending) switch
        {
            (ApplicationSort.Updated, false) => apps.OrderBy(a => a.UpdatedAt).ThenBy(a => a.Name),
            (ApplicationSort.Updated, true) => apps.OrderByDescending(a => a.UpdatedAt).ThenBy(a => a.Name),
            (_, true) => apps.OrderByDescending(a => a.Name),
            _ => apps.OrderBy(a => a.Name),
        };
        var rows = await apps.Skip(page.Skip)
            .Take(page.Size)
            .Select(a => new
            {
                a.Id,
                a.Name,
                a.Description,
                a.Owner,
                a.Image,
                a.LatestRevision,
                a.UpdatedAt,
            })
            .ToListAsync(ct);
        var badges = await BadgesAsync(rows.Select(r => r.Id).ToList(), ct);
        return new Page<ApplicationRow>(
            rows.Select(r => new ApplicationRow(
                    r.Name,
                    r.Description,
                    r.Owner,
                    r.Image,
                    r.LatestRevision,
                    r.UpdatedAt,
                    badges[r.Id]
                ))
                .ToList(),
            page.Number,
            page.Size,
            total
        );
    }

    public async Task<ApplicationView?> FindAsync(string name, CancellationToken ct)
    {
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == name, ct);
        if (app is null)
            return null;
        var badges = await BadgesAsync([app.Id], ct);
        return new ApplicationView(
            app.Id,
            app.Name,
            app.Description,
            app.Owner,
            app.Image,
            app.LatestRevision,
            app.IsDeleting,
            app.CreatedAt,
            app.UpdatedAt,
            vault.Open(app.SealedSpec),
            badges[app.Id]
        );
    }

    /// <summary>
    /// The autoscaling of each environment the application runs in, from the spec of the revision it runs there; null
    /// where it has none.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, AutoscalingPolicy?>> AutoscalingAsync(
        Guid appId,
        CancellationToken ct
    )
    {
        var running = await (
            from d in db.AppDeployments.AsNoTracking()
            where d.ApplicationId == appId
            join e in db.Environments on d.EnvironmentId equals e.Id
            join r in db.Revisions
                on new { d.ApplicationId, Number = d.Revision } equals new { r.ApplicationId, r.Number }
            select new { e.Name, r.SealedSpec }
        ).ToListAsync(ct);
        return running.ToDictionary(x => x.Name, x => vault.Open(x.SealedSpec).Autoscaling, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<RevisionView>?> RevisionsAsync(string name, CancellationToken ct)
    {
        var appId = await db.Applications.Where(a => a.Name == name).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct);
        if (appId is null)
            return null;
        var running = await RunningAsync(appId.Value, ct);
        var revisions = await db
            .Revisions.AsNoTracking()
            .Where(r => r.ApplicationId == appId)
            .OrderByDescending(r => r.Number)
            .Select(r => new RevisionView(
                r.Number,
                r.Image,
                r.Environment,
                r.CreatedBy,
                r.Note,
                r.Origin,
                r.CreatedAt,
                Array.Empty<string>(),
                r.Source
            ))
            .ToListAsync(ct);
        return revisions
            .Select(r =>
                r with
                {
                    RunningIn = running.Where(x => x.Revision == r.Number).Select(x => x.Environment).ToList(),
                }
            )
            .ToList();
    }

    /// <summary>What changes from one revision to another, secrets masked.</summary>
    public async Task<Result<RevisionDiff>> DiffAsync(string name, int from, int to, CancellationToken ct)
    {
        var appId = await db.Applications.Where(a => a.Name == name).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct);
        if (appId is null)
            return Problem.NotFound($"Application '{name}'");
        var revisions = await db
            .Revisions.AsNoTracking()
            .Where(r => r.ApplicationId == appId && (r.Number == from || r.Number == to))
            .ToListAsync(ct);
        var fromRevision = revisions.FirstOrDefault(r => r.Number == from);
        var toRevision = revisions.FirstOrDefault(r => r.Number == to);
        if (fromRevision is null || toRevision is null)
            return Problem.NotFound($"Revision {(fromRevision is null ? from : to)} of '{name}'");
        var running = await RunningAsync(appId.Value, ct);
        return new RevisionDiff(
            View(fromRevision, running),
            View(toRevision, running),
            SpecDiff.Between(vault.Open(fromRevision.SealedSpec), vault.Open(toRevision.SealedSpec))
        );
    }

    public async Task<Result<Application>> CreateAsync(CreateApplication request, CancellationToken ct)
    {
        var (name, description, owner, spec) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: no application can be created.");
        var created = Application.Create(
            tenant,
            name,
            description,
            owner,
            spec,
            vault.Seal,
            clock.GetUtcNow().UtcDateTime
        );
        if (!created.Succeeded)
            return created;
        var publishable = await ingress.CheckSpecAsync(spec, ct);
        if (!publishable.Succeeded)
            return publishable.Problem!;
        if (await db.Applications.AnyAsync(a => a.Name == created.Value.Name, ct))
            return Problem.Conflict($"An application named '{created.Value.Name}' exists already.", "Name");
        db.Applications.Add(created.Value);
        audit.Record(
            actor,
            tenant,
            ApplicationAuditActions.Created,
            "application",
            created.Value.Name,
            $"image {spec.Image}, owner {created.Value.Owner}"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"An application named '{created.Value.Name}' exists already.", "Name");
        return created;
    }

    /// <summary>
    /// Changes the working spec (what the next deploy takes). A secret variable sent without a value keeps the value
    /// it had: pages never show secrets back, so a form cannot send them again.
    /// </summary>
    public async Task<Result> ChangeAsync(ChangeApplication request, CancellationToken ct)
    {
        var (name, description, owner, spec) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be changed.");
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == name, ct);
        if (app is null)
            return Problem.NotFound($"Application '{name}'");
        var before = vault.Open(app.SealedSpec);
        var kept = KeepSecrets(spec, before);
        var changed = app.Change(description, owner, kept, vault.Seal, clock.GetUtcNow().UtcDateTime);
        if (!changed.Succeeded)
            return changed;
        var publishable = await ingress.CheckSpecAsync(kept, ct);
        if (!publishable.Succeeded)
            return publishable;
        var changes = SpecDiff.Between(before, kept);
        audit.Record(
            actor,
            tenant,
            ApplicationAuditActions.Changed,
            "application",
            app.Name,
            changes.Count == 0
                ? "details"
                : string.Join("; ", changes.Select(c => $"{c.Field}: {c.Before ?? "—"} → {c.After ?? "—"}"))
        );
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    /// <summary>
    /// Deletes the application's objects from every environment (a job), then the application; its audit history stays.
    /// </summary>
    public async Task<Result<Operation>> DeleteAsync(string name, string? confirmName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == name, ct);
        if (app is null)
            return Problem.NotFound($"Application '{name}'");
        if (app.IsDeleting)
            return Problem.Conflict($"Application '{name}' is being deleted already.");
        var deployments = await db.AppDeployments.Where(d => d.ApplicationId == app.Id).ToListAsync(ct);
        if (deployments.Count > 0 && !string.Equals(confirmName?.Trim(), app.Name, StringComparison.Ordinal))
            return Problem.Invalid(
                "ConfirmName",
                $"'{app.Name}' runs in {deployments.Count} environment(s); type its name to delete it from all of them."
            );
        var now = clock.GetUtcNow().UtcDateTime;
        app.MarkDeleting();
        foreach (var deployment in deployments)
            deployment.MarkRemoving(now);
        var operation = new Operation(
            tenant.Id,
            OperationKinds.ApplicationDelete,
            "application",
            app.Name,
            actor.Name,
            now
        );
        db.Operations.Add(operation);
        audit.RecordForOperation(
            actor,
            tenant,
            ApplicationAuditActions.Deleted,
            "application",
            app.Name,
            $"from {deployments.Count} environment(s)",
            operation
        );
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
        return operation;
    }

    internal static DeploymentSpec KeepSecrets(DeploymentSpec spec, DeploymentSpec before) =>
        spec.WithEnvironment(
            spec.Environment.Select(v =>
                v.IsSecret
                && string.IsNullOrEmpty(v.Value)
                && before.Environment.FirstOrDefault(b => b.Name == v.Name && b.IsSecret) is { } kept
                    ? v with
                    {
                        Value = kept.Value,
                    }
                    : v
            )
        );

    private async Task<Dictionary<Guid, IReadOnlyList<DeploymentBadge>>> BadgesAsync(
        List<Guid> appIds,
        CancellationToken ct
    )
    {
        var deployments = await (
            from d in db.AppDeployments.AsNoTracking()
            where appIds.Contains(d.ApplicationId)
            join e in db.Environments on d.EnvironmentId equals e.Id
            join p in db.ResourcePools on e.PoolId equals p.Id
            join a in db.Applications on d.ApplicationId equals a.Id
            orderby e.Name
            select new
            {
                d.ApplicationId,
                Environment = e.Name,
                d.State,
                d.Revision,
                d.Replicas,
                d.Reason,
                Ready = db.WorkloadPods.Count(pod =>
                    pod.ClusterId == p.ClusterId && pod.Namespace == e.Namespace && pod.App == a.Name && pod.Ready
                ),
            }
        ).ToListAsync(ct);
        return appIds.ToDictionary(
            id => id,
            id =>
                (IReadOnlyList<DeploymentBadge>)
                    deployments
                        .Where(d => d.ApplicationId == id)
                        .Select(d => new DeploymentBadge(
                            d.Environment,
                            d.State,
                            d.Revision,
                            d.Replicas,
                            d.Ready,
                            d.Reason
                        ))
                        .ToList()
        );
    }

    private async Task<List<(int Revision, string Environment)>> RunningAsync(Guid appId, CancellationToken ct) =>
        (
            await db
                .AppDeployments.AsNoTracking()
                .Where(d => d.ApplicationId == appId)
                .Join(db.Environments, d => d.EnvironmentId, e => e.Id, (d, e) => new { d.Revision, e.Name })
                .ToListAsync(ct)
        )
            .Select(x => (x.Revision, x.Name))
            .ToList();

    private static RevisionView View(Revision r, List<(int Revision, string Environment)> running) =>
        new(
            r.Number,
            r.Image,
            r.Environment,
            r.CreatedBy,
            r.Note,
            r.Origin,
            r.CreatedAt,
            running.Where(x => x.Revision == r.Number).Select(x => x.Environment).ToList()
        );

    private static AppDeploymentState State(ApplicationHealth health) =>
        health switch
        {
            ApplicationHealth.Running => AppDeploymentState.Running,
            ApplicationHealth.Deploying => AppDeploymentState.Deploying,
            ApplicationHealth.Failed => AppDeploymentState.Failed,
            _ => AppDeploymentState.Stopped,
        };
}

/// <summary>Where operations on applications point (their kinds are in <see cref="OperationKinds"/>).</summary>
public static class ApplicationOperations
{
    /// <summary>An operation on an application in one environment targets "{app}/{environment}".</summary>
    public static string Target(string app, string environment) => $"{app}/{environment}";
}

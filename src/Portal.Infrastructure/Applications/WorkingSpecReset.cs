using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// What a reset changed in the working spec, to match the revision that runs in the environment (nothing when they
/// matched).
/// </summary>
public sealed record SpecReset(string Environment, int Revision, IReadOnlyList<SpecChange> Changes);

/// <summary>
/// Makes the working spec what runs in an environment again: after a rollback (or a resize, or a promotion into it) the
/// next deploy would otherwise ship the spec that was rolled back from. The revision's middleware bindings are the
/// environment's, not the spec's, and stay out; the working spec keeps its own replicas and autoscaling, which only a
/// first deploy takes.
/// </summary>
public sealed class WorkingSpecReset(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    SpecVault vault,
    AuditTrail audit,
    IngressClaims ingress,
    Middleware.MiddlewareHoldings instances,
    TimeProvider clock
)
{
    private readonly DeployPlanner _planner = new(db, vault, instances);

    /// <summary>
    /// Sets the working spec to the revision running in the environment; says (and changes) nothing when they match
    /// already.
    /// </summary>
    public async Task<Result<SpecReset>> ToRunningAsync(string appName, string? environmentName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be changed.");
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var running = await (
            from d in db.AppDeployments.AsNoTracking()
            join e in db.Environments on d.EnvironmentId equals e.Id
            join r in db.Revisions
                on new { d.ApplicationId, Number = d.Revision } equals new { r.ApplicationId, r.Number }
            where d.ApplicationId == app.Id && e.Name == environmentName && d.State != AppDeploymentState.Removing
            select new { Revision = r, EnvironmentId = e.Id }
        ).FirstOrDefaultAsync(ct);
        if (running is null)
            return Problem.Invalid("Environment", $"'{appName}' does not run in '{environmentName}'.");

        var working = vault.Open(app.SealedSpec);
        var runs = vault.Open(running.Revision.SealedSpec);
        var reset = DeployPlanner.WithoutBindings(
            runs,
            await _planner.BindingsAsync(app.Id, running.EnvironmentId, ct)
        ) with
        {
            Replicas = working.Replicas,
            Autoscaling = working.Autoscaling,
        };
        var changes = SpecDiff.Between(working, reset);
        var done = new SpecReset(environmentName!, running.Revision.Number, changes);
        if (changes.Count == 0)
            return done;

        var changed = app.Change(app.Description, app.Owner, reset, vault.Seal, clock.GetUtcNow().UtcDateTime);
        if (!changed.Succeeded)
            return changed.Problem!;
        var publishable = await ingress.CheckSpecAsync(reset, ct);
        if (!publishable.Succeeded)
            return publishable.Problem!;
        audit.Record(
            actor,
            tenant,
            ApplicationAuditActions.SpecReset,
            "application",
            app.Name,
            $"to revision {running.Revision.Number} running in '{environmentName}': "
                + string.Join("; ", changes.Select(c => $"{c.Field}: {c.Before ?? "—"} → {c.After ?? "—"}"))
        );
        await db.SaveChangesAsync(ct);
        return done;
    }
}

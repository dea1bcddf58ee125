using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Who may publish which ingress host. A host belongs to one tenant across every cluster
/// (<see cref="IngressHostClaim"/>, unique by host); within the tenant a host and path belong to one application, which
/// may publish them in several of its environments (its spec is one for all; on one cluster the ingress controller then
/// serves them from one of the namespaces). The portal's own names are nobody's; a pool says under which domains its
/// environments publish, and whether wildcards. Refusals never say which tenant holds a host.
/// </summary>
public sealed class IngressClaims(PortalDbContext db, IOptions<IngressOptions> options, TimeProvider clock)
{
    private const string HostField = "Exposure.IngressHost";
    private const string SpecHostField = "Spec.Exposure.IngressHost";

    /// <summary>
    /// What can be told when a spec is saved, before any environment is chosen: a host that is the portal's own, or a
    /// wildcard where none of the tenant's pools allows one. The spec's own rules (syntax, path characters) come first.
    /// </summary>
    public async Task<Result> CheckSpecAsync(DeploymentSpec spec, CancellationToken ct)
    {
        if (IngressRoute.Of(spec.Exposure) is not { } route)
            return Result.Ok();
        if (Reserved(route) is { } reserved)
            return reserved with { Field = SpecHostField };
        if (
            route.IsWildcard
            && !await db
                .TenantQuotas.Join(db.ResourcePools, q => q.PoolId, p => p.Id, (q, p) => p)
                .AnyAsync(p => p.WildcardHosts, ct)
        )
        {
            return Problem.Invalid(
                SpecHostField,
                $"Wildcard hosts such as '{route.Host}' are allowed in none of the pools "
                    + "you have quota in: publish each name, or ask a platform admin."
            );
        }

        return Result.Ok();
    }

    /// <summary>
    /// Claims the host and path the spec publishes for the application in the environment; run in the deploy's
    /// admission transaction, so that the claim and the deploy are saved together or not at all. Of two tenants
    /// claiming one host at once, the unique index lets one through. What the application published there before stays
    /// claimed until the deploy's job has replaced its Ingress (<see cref="ReleaseAllButAsync"/>): until then the
    /// cluster still serves it.
    /// </summary>
    public async Task<Result> ClaimAsync(
        Tenant tenant,
        Application app,
        TenantEnvironment environment,
        DeploymentSpec spec,
        CancellationToken ct
    )
    {
        if (IngressRoute.Of(spec.Exposure) is not { } route)
            return Result.Ok();
        if (Reserved(route) is { } reserved)
            return reserved;
        var pool = await db.ResourcePools.AsNoTracking().FirstAsync(p => p.Id == environment.PoolId, ct);
        var admitted = pool.Admits(route);
        if (!admitted.Succeeded)
            return admitted;

        var claims = db.IngressHostClaims.IgnoreQueryFilters();
        var routes = db.IngressRouteClaims.IgnoreQueryFilters();
        var candidates = route.IsWildcard
            ? await claims.Where(c => c.TenantId != tenant.Id && c.Host.EndsWith("." + route.Parent)).ToListAsync(ct)
            : await claims
                .Where(c =>
                    c.TenantId != tenant.Id
                    && (c.Host == route.Host || c.Host == IngressRoute.WildcardPrefix + route.Parent)
                )
                .ToListAsync(ct);
        foreach (var other in candidates.Where(c => route.Overlaps(c.Host)))
        {
            // A claim whose routes are all gone (its applications, environments or tenant deleted) is free: take it
            // away.
            var freed = await claims
                .Where(c => c.Id == other.Id && !routes.Any(r => r.HostClaimId == c.Id))
                .ExecuteDeleteAsync(ct);
            if (freed == 0)
                return Taken(route);
            db.Entry(other).State = EntityState.Detached;
        }

        var holder = await claims.FirstOrDefaultAsync(c => c.Host == route.Host && c.TenantId == tenant.Id, ct);
        if (holder is not null)
        {
            var rival = await (
                from r in routes
                where r.HostClaimId == holder.Id && r.Path == route.Path && r.ApplicationId != app.Id
                join a in db.Applications.IgnoreQueryFilters() on r.ApplicationId equals a.Id
                join e in db.Environments.IgnoreQueryFilters() on r.EnvironmentId equals e.Id
                select new { App = a.Name, Environment = e.Name }
            ).FirstOrDefaultAsync(ct);
            if (rival is not null)
            {
                return Problem.Conflict(
                    $"'{route}' is published by application '{rival.App}' in "
                        + $"'{rival.Environment}': give this one another host or path.",
                    HostField
                );
            }
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (holder is null)
        {
            holder = new IngressHostClaim(tenant.Id, route.Host, now);
            db.IngressHostClaims.Add(holder);
        }
        var holderId = holder.Id;
        if (
            !await routes.AnyAsync(
                r =>
                    r.HostClaimId == holderId
                    && r.Path == route.Path
                    && r.ApplicationId == app.Id
                    && r.EnvironmentId == environment.Id,
                ct
            )
        )
            db.IngressRouteClaims.Add(new IngressRouteClaim(holder, app.Id, environment.Id, route.Path, now));
        return await TrySaveAsync(ct) ? Result.Ok() : Taken(route);
    }

    /// <summary>
    /// Once a deploy's job has put the spec's Ingress in place (or removed it), lets go of whatever else the
    /// application published in the environment before, and of the tenant's hosts left without any route.
    /// </summary>
    public async Task ReleaseAllButAsync(Guid appId, Guid environmentId, DeploymentSpec spec, CancellationToken ct)
    {
        var route = IngressRoute.Of(spec.Exposure);
        var published = await (
            from r in db.IngressRouteClaims.IgnoreQueryFilters()
            where r.ApplicationId == appId && r.EnvironmentId == environmentId
            join c in db.IngressHostClaims.IgnoreQueryFilters() on r.HostClaimId equals c.Id
            select new { Route = r, c.Host }
        )
            .AsNoTracking()
            .ToListAsync(ct);
        var released = published
            .Where(p => route is null || p.Host != route.Host || p.Route.Path != route.Path)
            .Select(p => p.Route)
            .ToList();
        if (released.Count == 0)
            return;
        var routeIds = released.Select(r => r.Id).ToList();
        await db.IngressRouteClaims.IgnoreQueryFilters().Where(r => routeIds.Contains(r.Id)).ExecuteDeleteAsync(ct);
        var hostIds = released.Select(r => r.HostClaimId).Distinct().ToList();
        await db
            .IngressHostClaims.IgnoreQueryFilters()
            .Where(c =>
                hostIds.Contains(c.Id) && !db.IngressRouteClaims.IgnoreQueryFilters().Any(r => r.HostClaimId == c.Id)
            )
            .ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// Before the ingress step of a deploy's job: the application still holds the route it is about to publish there. A
    /// deploy that did not pass the admission (or whose claim went since) publishes nothing.
    /// </summary>
    public async Task EnsureHeldAsync(Guid appId, Guid environmentId, DeploymentSpec spec, CancellationToken ct)
    {
        if (IngressRoute.Of(spec.Exposure) is not { } route)
            return;
        var held = await (
            from r in db.IngressRouteClaims.IgnoreQueryFilters()
            where r.ApplicationId == appId && r.EnvironmentId == environmentId && r.Path == route.Path
            join c in db.IngressHostClaims.IgnoreQueryFilters() on r.HostClaimId equals c.Id
            where c.Host == route.Host
            select r.Id
        ).AnyAsync(ct);
        if (!held)
            throw new InvalidOperationException(
                $"'{route}' is not held by this application here: deploy it again, which claims the host first."
            );
    }

    private Problem? Reserved(IngressRoute route) =>
        options.Value.Reserved().Reserves(route)
            ? Problem.Invalid(
                HostField,
                $"'{route.Host}' is one of the portal's own host names, which no application may publish."
            )
            : null;

    private static Problem Taken(IngressRoute route) =>
        Problem.Conflict($"'{route.Host}' is taken by another tenant: choose another host.", HostField);

    /// <summary>
    /// Saves; false when a unique index or a foreign key refused a claim another deploy made or freed at the same
    /// moment.
    /// </summary>
    private async Task<bool> TrySaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException e)
            when (e.InnerException
                    is PostgresException
                        {
                            SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation
                        }
                        or SqliteException { SqliteErrorCode: 19 }
            )
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }
}

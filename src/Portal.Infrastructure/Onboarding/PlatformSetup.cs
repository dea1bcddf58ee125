using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Environments;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Onboarding;

/// <summary>How many of a kind there are, and the first of them by name (null when there are none).</summary>
public sealed record SetupCount(int Count, string? First);

/// <summary>An application of a tenant, named for a link to its page.</summary>
public sealed record SetupApplication(string Tenant, string Name);

/// <summary>
/// How far the platform is set up, across all tenants (those being deleted left out), for the platform admin's first
/// steps. The tenants with a grant name the first of them, where an environment can be created; those with an
/// environment, where an application can be; <see cref="NotRunning"/> is the oldest application running nowhere.
/// </summary>
public sealed record PlatformSetupView(
    SetupCount Clusters,
    SetupCount Pools,
    SetupCount Tenants,
    SetupCount TenantsWithGrants,
    SetupCount TenantsWithEnvironments,
    int Environments,
    int ReadyEnvironments,
    int Applications,
    int RunningApplications,
    SetupApplication? NotRunning
);

/// <summary>
/// Reads <see cref="PlatformSetupView"/> in at most ten small queries (counts and first rows),
/// whatever the number of tenants, environments or applications, outside any tenant's scope.
/// </summary>
public sealed class PlatformSetup(PortalDbContext db)
{
    public async Task<PlatformSetupView> ReadAsync(CancellationToken ct)
    {
        var tenants = db.Tenants.AsNoTracking().Where(t => t.Status != TenantStatus.Deleting);
        var grants = db.TenantQuotas.IgnoreQueryFilters().AsNoTracking();
        var environments = db
            .Environments.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(e => tenants.Any(t => t.Id == e.TenantId));
        var applications = db
            .Applications.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(a => tenants.Any(t => t.Id == a.TenantId));
        var running = db
            .AppDeployments.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(d => d.State == AppDeploymentState.Running);

        var clusters = await FirstOfAsync(
            db.Clusters.AsNoTracking().OrderBy(c => c.Name).Select(c => c.DisplayName),
            ct
        );
        var pools = await FirstOfAsync(db.ResourcePools.AsNoTracking().OrderBy(p => p.Name).Select(p => p.Name), ct);
        var all = await FirstOfAsync(tenants.OrderBy(t => t.Slug).Select(t => t.Slug), ct);
        var granted = await FirstOfAsync(
            tenants.Where(t => grants.Any(q => q.TenantId == t.Id)).OrderBy(t => t.Slug).Select(t => t.Slug),
            ct
        );
        var provisioned = await FirstOfAsync(
            tenants.Where(t => environments.Any(e => e.TenantId == t.Id)).OrderBy(t => t.Slug).Select(t => t.Slug),
            ct
        );
        var applicationCount = await applications.CountAsync(ct);
        var runningCount = await applications.CountAsync(a => running.Any(d => d.ApplicationId == a.Id), ct);
        // Looking for the oldest application running nowhere reads every application when all of them run, as they do
        // on a platform in use: asked only when the counts say there is one.
        var notRunning =
            runningCount == applicationCount
                ? null
                : await (
                    from a in applications
                    join t in tenants on a.TenantId equals t.Id
                    where !running.Any(d => d.ApplicationId == a.Id)
                    orderby a.CreatedAt
                    select new SetupApplication(t.Slug, a.Name)
                ).FirstOrDefaultAsync(ct);
        return new PlatformSetupView(
            clusters,
            pools,
            all,
            granted,
            provisioned,
            await environments.CountAsync(ct),
            await environments.CountAsync(e => e.State == EnvironmentState.Ready, ct),
            applicationCount,
            runningCount,
            notRunning
        );
    }

    /// <summary>The count of a query's rows and its first one, in one round trip.</summary>
    private static async Task<SetupCount> FirstOfAsync(IQueryable<string> names, CancellationToken ct)
    {
        var first = await names.Select(name => new { Name = name, Count = names.Count() }).FirstOrDefaultAsync(ct);
        return first is null ? new SetupCount(0, null) : new SetupCount(first.Count, first.Name);
    }
}

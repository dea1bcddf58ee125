using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Builds.Kubernetes;

/// <summary>
/// A tenant's builds run in one of the pools it has a quota in: the configured build pool when it is one of them,
/// else the first by name, so that the same tenant always builds in the same place (and its layer cache, later, can
/// stay there). The build is admitted there against the tenant's quota first (<see cref="BuildAdmission"/>): the
/// quota less its environments' shares in the pool and its other builds running now.
/// </summary>
public sealed class TenantBuildClusters(
    IServiceScopeFactory scopes,
    KubernetesClients clients,
    IOptions<KubernetesJobOptions> options
) : IBuildClusters
{
    public async Task<Result<BuildCluster>> ForTenantAsync(string tenantSlug, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var tenant = await db
            .Tenants.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(t => t.Slug == tenantSlug)
            .Select(t => new { t.Id })
            .FirstOrDefaultAsync(ct);
        if (tenant is null)
            return Problem.NotFound($"Tenant '{tenantSlug}'");
        var pools = await (
            from quota in db.TenantQuotas.IgnoreQueryFilters()
            join pool in db.ResourcePools on quota.PoolId equals pool.Id
            where quota.TenantId == tenant.Id
            select new { Pool = pool, quota.Granted }
        )
            .AsNoTracking()
            .ToListAsync(ct);
        var wanted = options.Value.Pool;
        var found = pools.FirstOrDefault(p => p.Pool.Name == wanted)
            ?? pools.OrderBy(p => p.Pool.Name, StringComparer.Ordinal).FirstOrDefault();
        if (found is null)
            return Problem.Unavailable(
                $"Tenant '{tenantSlug}' has no quota in any pool, so there is no cluster to build in: "
                    + "a platform admin grants it one."
            );
        var chosen = found.Pool;
        var shares = ResourceAmounts.Sum(
            await db
                .Environments.IgnoreQueryFilters()
                .AsNoTracking()
                .Where(e => e.TenantId == tenant.Id && e.PoolId == chosen.Id)
                .Select(e => e.Share)
                .ToListAsync(ct)
        );
        // This build is running already (the runner started it): the others are the rest.
        var running = await db
            .Builds.IgnoreQueryFilters()
            .CountAsync(b => b.TenantId == tenant.Id && b.State == BuildState.Running, ct);
        var admitted = BuildAdmission.Admit(chosen.Name, options.Value.Amounts(), found.Granted, shares, running - 1);
        // Unavailable, not Forbidden: the build fails as the builder's (the build runner takes Forbidden for the
        // registry's refusal), in the quota's words.
        if (!admitted.Succeeded)
            return Problem.Unavailable(admitted.Problem!.Message);
        var client = await clients.ForAsync(chosen.ClusterId, ct);
        return new BuildCluster(client, tenant.Id, chosen.Placement);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Common;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Builds.Kubernetes;

/// <summary>
/// A tenant's builds run in one of the pools it has a quota in: the configured build pool when it is one of them,
/// else the first by name, so that the same tenant always builds in the same place (and its layer cache, later, can
/// stay there).
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
            select pool
        )
            .AsNoTracking()
            .ToListAsync(ct);
        var wanted = options.Value.Pool;
        var chosen = pools.FirstOrDefault(p => p.Name == wanted)
            ?? pools.OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        if (chosen is null)
            return Problem.Unavailable(
                $"Tenant '{tenantSlug}' has no quota in any pool, so there is no cluster to build in: "
                    + "a platform admin grants it one."
            );
        var client = await clients.ForAsync(chosen.ClusterId, ct);
        return new BuildCluster(client, tenant.Id, chosen.Placement);
    }
}

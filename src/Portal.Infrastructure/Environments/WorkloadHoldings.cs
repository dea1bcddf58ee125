using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// What the workloads of an environment hold of its share, as their admissions counted it: each application its
/// requests and limits per replica times its replicas (or its autoscaler's ceiling), each middleware instance the same
/// with its storage. A share may not go below it.
/// </summary>
public sealed class WorkloadHoldings(PortalDbContext db, MiddlewareHoldings instances)
{
    public async Task<ResourceAmounts> InEnvironmentAsync(Guid environmentId, CancellationToken ct)
    {
        var apps = await db
            .AppDeployments.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(d => d.EnvironmentId == environmentId && d.State != AppDeploymentState.Removing)
            .Select(d => new
            {
                d.PerReplica,
                d.Replicas,
                d.AutoscaledUpTo,
            })
            .ToListAsync(ct);
        var held =
            ResourceAmounts.Sum(
                apps.Select(a => MiddlewareHoldings.Holds(a.PerReplica, 0, Math.Max(a.Replicas, a.AutoscaledUpTo ?? 0)))
            ) + await instances.InEnvironmentAsync(environmentId, null, ct);
        // Instances are counted against the tenant's quota of the pool, not against an environment's share.
        return held with { MiddlewareInstances = 0 };
    }
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Domain.Common;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;

namespace Portal.Web.Clouds;

/// <summary>Where a node came from, when the portal provisioned it: for the hosts inventory.</summary>
public sealed record NodeProvenance(
    Guid HostId,
    CloudKind Kind,
    string Account,
    string Template,
    string? InstanceId,
    string InstanceType,
    DateTime RequestedAt,
    string RequestedBy
);

/// <summary>
/// A pool's maximum of hosts (audited), and where a cluster's nodes came from, read for a whole page at once.
/// </summary>
public sealed class PoolHostLimits(PortalDbContext db, ICurrentActor currentActor, AuditTrail audit)
{
    public async Task<Result> LimitAsync(string poolName, int? maxHosts, CancellationToken ct)
    {
        var pool = await db.ResourcePools.FirstOrDefaultAsync(p => p.Name == poolName, ct);
        if (pool is null)
            return Problem.NotFound($"Pool '{poolName}'");
        var limited = pool.LimitHosts(maxHosts);
        if (!limited.Succeeded)
            return limited;
        audit.Record(
            currentActor.Actor,
            null,
            CloudAuditActions.PoolMaxHostsChanged,
            "pool",
            pool.Name,
            maxHosts is { } max ? $"at most {max} hosts" : "no maximum"
        );
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    /// <summary>
    /// The live hosts the portal provisioned as these nodes of the cluster, by node name, in one query.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, NodeProvenance>> ForNodesAsync(
        Guid clusterId,
        IReadOnlyCollection<string> nodeNames,
        CancellationToken ct
    )
    {
        if (nodeNames.Count == 0)
            return new Dictionary<string, NodeProvenance>();
        var hosts = await db
            .CloudHosts.AsNoTracking()
            .Where(h =>
                h.ClusterId == clusterId
                && nodeNames.Contains(h.Name)
                && h.State != CloudHostState.Decommissioned
                && h.State != CloudHostState.Abandoned
            )
            .Select(h => new
            {
                h.Name,
                Provenance = new NodeProvenance(
                    h.Id,
                    h.Kind,
                    h.AccountName,
                    h.TemplateName,
                    h.InstanceId,
                    h.InstanceType,
                    h.RequestedAt,
                    h.RequestedBy
                ),
            })
            .ToListAsync(ct);
        return hosts.GroupBy(h => h.Name).ToDictionary(g => g.Key, g => g.First().Provenance);
    }
}

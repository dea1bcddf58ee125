using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// The background work on clusters, run by the job scheduler: health checks and cordoning. Each job takes ids, loads
/// fresh state, and can run twice without harm.
/// </summary>
public sealed class ClusterJobs(PortalDbContext db, ClusterRegistry registry, IClusterGateway gateway, AuditTrail audit)
{
    public async Task CheckHealthAsync(CancellationToken ct)
    {
        foreach (var cluster in await db.Clusters.ToListAsync(ct))
            await registry.CheckAsync(cluster, ct);
    }

    /// <summary>Marks a node (un)schedulable in its cluster and records the outcome in the audit trail.</summary>
    public async Task SetUnschedulableAsync(
        Guid clusterId,
        string nodeName,
        bool unschedulable,
        string actorName,
        string? clientAddress,
        CancellationToken ct
    )
    {
        var cluster = await db.Clusters.AsNoTracking().FirstOrDefaultAsync(c => c.Id == clusterId, ct);
        if (cluster is null)
            return;
        var done = await gateway.SetUnschedulableAsync(clusterId, nodeName, unschedulable, ct);
        var action = unschedulable ? ClusterAuditActions.HostCordoned : ClusterAuditActions.HostUncordoned;
        audit.Record(
            new Actor(null, actorName, clientAddress),
            null,
            action,
            "host",
            $"{cluster.Name}/{nodeName}",
            done.Succeeded ? null : done.Problem!.Message,
            done.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed
        );
        await db.SaveChangesAsync(ct);
    }
}

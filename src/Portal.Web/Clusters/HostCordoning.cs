using Hangfire;
using Portal.Domain.Audit;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Web.Clusters;

/// <summary>
/// Asks for a host to be (un)cordoned: the request is audited at once, and the change itself runs as a job
/// whose outcome is audited too. The page learns the result from the cluster's watch.
/// </summary>
public sealed class HostCordoning(
    ICurrentActor currentActor,
    IBackgroundJobClient jobs,
    AuditTrail audit,
    PortalDbContext db
)
{
    public async Task<string> RequestAsync(Cluster cluster, string host, bool unschedulable, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        audit.Record(
            actor,
            null,
            unschedulable ? ClusterAuditActions.HostCordonRequested : ClusterAuditActions.HostUncordonRequested,
            "host",
            $"{cluster.Name}/{host}"
        );
        await db.SaveChangesAsync(ct);
        var clusterId = cluster.Id;
        return jobs.Enqueue<ClusterJobs>(j =>
            j.SetUnschedulableAsync(
                clusterId,
                host,
                unschedulable,
                actor.Name,
                actor.ClientAddress,
                CancellationToken.None
            )
        );
    }
}

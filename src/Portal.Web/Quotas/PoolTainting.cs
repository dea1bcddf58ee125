using Hangfire;
using Portal.Domain.Audit;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;

namespace Portal.Web.Quotas;

/// <summary>
/// Asks for a pool's taint to be put on (or taken off) its nodes: the request is audited at once, and the change runs
/// as a job (<see cref="PoolNodeTaints"/>) whose outcome is audited too. The pool's page learns the result from the
/// cluster's watch.
/// </summary>
public sealed class PoolTainting(
    ICurrentActor currentActor,
    IBackgroundJobClient jobs,
    AuditTrail audit,
    PortalDbContext db
)
{
    public async Task<string> RequestAsync(Guid poolId, string poolName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        audit.Record(actor, null, PoolAuditActions.TaintRequested, "pool", poolName);
        await db.SaveChangesAsync(ct);
        return jobs.Enqueue<PoolNodeTaints>(j =>
            j.ApplyAsync(poolId, actor.Name, actor.ClientAddress, CancellationToken.None)
        );
    }
}

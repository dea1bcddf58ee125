using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Wakes the operations that wait for the rollout of an application whose pods the cluster's watch saw change: a pod
/// that became ready, or that cannot pull its image, may end the rollout, and a look now says so without waiting for
/// the scheduled one. An operation whose look is going on is left to it (its next look comes all the same).
/// </summary>
internal sealed class RolloutWakeups(PortalDbContext db, IOperationQueue queue, TimeProvider clock)
    : IWorkloadPodsObserver
{
    private static readonly string[] Kinds =
    [
        OperationKinds.ApplicationDeploy,
        OperationKinds.ApplicationScale,
        OperationKinds.ApplicationRestart,
    ];

    public async Task PodsChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Few operations run at once (each is one change of one app), so they are read first and whole.
        var running = await db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o => o.State == OperationState.Running && Kinds.Contains(o.Kind))
            .Where(o => o.ClaimedUntil == null || o.ClaimedUntil < now)
            .ToListAsync(ct);
        var waiting = running.Where(o => o.IsWaiting && o.TenantId is not null).ToList();
        if (waiting.Count == 0)
            return;
        var clusters = workloads.Select(w => w.ClusterId).Distinct().ToList();
        var namespaces = workloads.Select(w => w.Namespace).Distinct().ToList();
        var environments = await (
            from e in db.Environments.IgnoreQueryFilters()
            where namespaces.Contains(e.Namespace)
            join p in db.ResourcePools on e.PoolId equals p.Id
            where clusters.Contains(p.ClusterId)
            select new
            {
                e.TenantId,
                e.Name,
                e.Namespace,
                p.ClusterId,
            }
        ).ToListAsync(ct);
        var changed = workloads
            .SelectMany(w =>
                environments
                    .Where(e => e.ClusterId == w.ClusterId && e.Namespace == w.Namespace)
                    .Select(e => (e.TenantId, Target: $"{w.App}/{e.Name}"))
            )
            .ToHashSet();
        foreach (var operation in waiting.Where(o => changed.Contains((o.TenantId!.Value, o.TargetId))))
            queue.Wake(operation.Id);
    }
}

using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Quotas;

/// <summary>
/// The job that makes a pool's nodes carry its taint as the pool wants: a dedicated pool's nodes get
/// "portal/pool=&lt;pool&gt;:NoSchedule" (so that no other pool's pods are scheduled there; those already running stay
/// until they are rescheduled), and nodes that should not carry it any more — the pool is no longer dedicated, or a
/// node no longer matches — lose it. A node carrying another pool's taint is left alone and named. Reads the nodes from
/// the cluster itself, changes each with its resourceVersion (retrying a conflict), and can run twice; the outcome is
/// audited.
/// </summary>
public sealed class PoolNodeTaints(
    PortalDbContext db,
    KubernetesClients clients,
    AuditTrail audit,
    ILogger<PoolNodeTaints> logger
)
{
    public async Task ApplyAsync(Guid poolId, string actorName, string? clientAddress, CancellationToken ct)
    {
        var pool = await db.ResourcePools.AsNoTracking().FirstOrDefaultAsync(p => p.Id == poolId, ct);
        if (pool is null)
            return;
        var actor = new Actor(null, actorName, clientAddress);
        string summary;
        AuditOutcome outcome;
        try
        {
            var sameCluster = await db
                .ResourcePools.AsNoTracking()
                .Where(p => p.ClusterId == pool.ClusterId)
                .ToListAsync(ct);
            var client = await clients.ForAsync(pool.ClusterId, ct);
            var done = new List<string>();
            foreach (var node in (await client.CoreV1.ListNodeAsync(cancellationToken: ct)).Items)
            {
                if (await ReconcileAsync(client, node, pool, sameCluster, ct) is { } what)
                    done.Add(what);
            }
            (summary, outcome) = (
                done.Count == 0 ? "every node as wanted already" : string.Join("; ", done),
                AuditOutcome.Succeeded
            );
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The taint of pool {Pool} could not be applied", pool.Name);
            (summary, outcome) = (ClusterProblems.Explain(e), AuditOutcome.Failed);
        }
        audit.Record(actor, null, PoolAuditActions.NodesTainted, "pool", pool.Name, summary, outcome);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private static async Task<string?> ReconcileAsync(
        IKubernetes client,
        V1Node node,
        ResourcePool pool,
        List<ResourcePool> sameCluster,
        CancellationToken ct
    )
    {
        for (var attempt = 0; ; attempt++)
        {
            var labels = string.Join(
                "\n",
                (node.Metadata.Labels ?? new Dictionary<string, string>()).Select(l => $"{l.Key}={l.Value}")
            );
            var taints = node.Spec?.Taints ?? [];
            var wanted = pool.Dedicated && pool.Selector.Matches(labels);
            var own = taints.Where(t => t.Key == ResourcePool.TaintKey && t.Value == pool.Name).ToList();
            if (wanted && own.Any(t => t.Effect == NodeTaint.NoSchedule))
                return null;
            if (!wanted && own.Count == 0)
                return null;
            if (
                wanted
                && taints.FirstOrDefault(t => t.Key == ResourcePool.TaintKey && t.Effect == NodeTaint.NoSchedule)
                    is { } other
            )
                return $"{node.Metadata.Name} left alone: it carries pool '{other.Value}'s taint";
            if (wanted && sameCluster.Any(p => p.Id != pool.Id && p.Dedicated && p.Selector.Matches(labels)))
                return $"{node.Metadata.Name} left alone: another dedicated pool selects it";

            node.Spec ??= new V1NodeSpec();
            node.Spec.Taints = wanted
                ?
                [
                    .. taints,
                    new V1Taint
                    {
                        Key = ResourcePool.TaintKey,
                        Value = pool.Name,
                        Effect = NodeTaint.NoSchedule,
                    },
                ]
                : taints.Except(own).ToList();
            try
            {
                await client.CoreV1.ReplaceNodeAsync(node, node.Metadata.Name, cancellationToken: ct);
                return $"{(wanted ? "tainted" : "untainted")} {node.Metadata.Name}";
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                // A heartbeat or another writer changed the node since it was read: read it again and decide again.
                node = await client.CoreV1.ReadNodeAsync(node.Metadata.Name, cancellationToken: ct);
            }
        }
    }
}

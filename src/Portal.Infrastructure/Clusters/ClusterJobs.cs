using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Clusters;
using Portal.Domain.Common;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// The background work on clusters, run by the job scheduler: health checks, node metrics sampling and
/// cordoning. Each job takes ids, loads fresh state, and can run twice without harm.
/// </summary>
public sealed class ClusterJobs(
    PortalDbContext db, ClusterRegistry registry, IClusterGateway gateway, KubernetesClients clients, AuditTrail audit,
    IHostChangeNotifier notifier, ILogger<ClusterJobs> logger)
{
    public async Task CheckHealthAsync(CancellationToken ct)
    {
        foreach (var cluster in await db.Clusters.ToListAsync(ct))
            await registry.CheckAsync(cluster, ct);
    }

    /// <summary>Samples usage from metrics.k8s.io: per node into the hosts inventory, per namespace into its workload load.</summary>
    public async Task SampleMetricsAsync(CancellationToken ct)
    {
        foreach (var clusterId in await db.Clusters.Where(c => c.Health == ClusterHealth.Healthy).Select(c => c.Id).ToListAsync(ct))
        {
            try
            {
                var client = await clients.ForAsync(clusterId, ct);
                // The client's metrics call takes no cancellation token: stop waiting for it when the job is cancelled.
                var metrics = await client.GetKubernetesNodesMetricsAsync().WaitAsync(ct);
                var usage = metrics.Items.ToDictionary(m => m.Metadata.Name,
                    m => (Cpu: Quantity.CpuMillis(Read(m.Usage, "cpu")), Memory: Quantity.Whole(Read(m.Usage, "memory"))));
                var hosts = await db.Hosts.Where(h => h.ClusterId == clusterId).ToListAsync(ct);
                foreach (var host in hosts)
                {
                    if (usage.TryGetValue(host.Name, out var used))
                        host.ObserveUsage(used.Cpu, used.Memory);
                }
                await SamplePodMetricsAsync(client, clusterId, ct);
                await db.SaveChangesAsync(ct);
                await notifier.HostsChangedAsync(clusterId, hosts.Select(HostRows.From).ToList(), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Node metrics of cluster {Cluster} could not be sampled", clusterId);
            }
        }
    }

    private async Task SamplePodMetricsAsync(IKubernetes client, Guid clusterId, CancellationToken ct)
    {
        var pods = await client.GetKubernetesPodsMetricsAsync().WaitAsync(ct);
        var usage = pods.Items
            .GroupBy(p => p.Metadata.NamespaceProperty)
            .ToDictionary(g => g.Key, g => (
                Cpu: g.SelectMany(p => p.Containers).Sum(c => Quantity.CpuMillis(Read(c.Usage, "cpu"))),
                Memory: g.SelectMany(p => p.Containers).Sum(c => Quantity.Whole(Read(c.Usage, "memory")))));
        foreach (var load in await db.NamespaceLoads.Where(l => l.ClusterId == clusterId).ToListAsync(ct))
        {
            var used = usage.GetValueOrDefault(load.Namespace);
            load.ObserveUsage(used.Cpu, used.Memory);
        }
    }

    private static string? Read(IDictionary<string, k8s.Models.ResourceQuantity>? usage, string name) =>
        usage is not null && usage.TryGetValue(name, out var quantity) ? quantity.ToString() : null;

    /// <summary>Marks a node (un)schedulable in its cluster and records the outcome in the audit trail.</summary>
    public async Task SetUnschedulableAsync(Guid clusterId, string nodeName, bool unschedulable, string actorName, string? clientAddress,
        CancellationToken ct)
    {
        var cluster = await db.Clusters.AsNoTracking().FirstOrDefaultAsync(c => c.Id == clusterId, ct);
        if (cluster is null)
            return;
        var done = await gateway.SetUnschedulableAsync(clusterId, nodeName, unschedulable, ct);
        var action = unschedulable ? "host.cordoned" : "host.uncordoned";
        audit.Record(new Actor(null, actorName, clientAddress), null, action, "host", $"{cluster.Name}/{nodeName}",
            done.Succeeded ? null : done.Problem!.Message, done.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed);
        await db.SaveChangesAsync(ct);
    }
}

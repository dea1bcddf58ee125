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
    IHostChangeNotifier notifier, IWorkloadChangeNotifier workloadNotifier, ILogger<ClusterJobs> logger)
{
    public async Task CheckHealthAsync(CancellationToken ct)
    {
        foreach (var cluster in await db.Clusters.ToListAsync(ct))
            await registry.CheckAsync(cluster, ct);
    }

    /// <summary>
    /// Samples usage from metrics.k8s.io: per node into the hosts inventory, per namespace into its workload load, per managed
    /// pod into its row.
    /// </summary>
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
                var workloads = await SamplePodMetricsAsync(client, clusterId, ct);
                await SaveSamplesAsync(ct);
                await notifier.HostsChangedAsync(clusterId, hosts.Select(HostRows.From).ToList(), ct);
                if (workloads.Count > 0)
                    await workloadNotifier.WorkloadsChangedAsync(workloads, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Node metrics of cluster {Cluster} could not be sampled", clusterId);
            }
        }
    }

    /// <summary>Sums pod usage per namespace, and gives each managed pod its own; answers the workloads whose usage changed.</summary>
    private async Task<HashSet<AppWorkload>> SamplePodMetricsAsync(IKubernetes client, Guid clusterId, CancellationToken ct)
    {
        var pods = await client.GetKubernetesPodsMetricsAsync().WaitAsync(ct);
        var perPod = pods.Items.ToDictionary(
            p => (p.Metadata.NamespaceProperty, p.Metadata.Name),
            p => (Cpu: p.Containers.Sum(c => Quantity.CpuMillis(Read(c.Usage, "cpu"))), Memory: p.Containers.Sum(c => Quantity.Whole(Read(c.Usage, "memory")))));
        var usage = perPod
            .GroupBy(p => p.Key.NamespaceProperty)
            .ToDictionary(g => g.Key, g => (Cpu: g.Sum(p => p.Value.Cpu), Memory: g.Sum(p => p.Value.Memory)));
        foreach (var load in await db.NamespaceLoads.Where(l => l.ClusterId == clusterId).ToListAsync(ct))
        {
            var used = usage.GetValueOrDefault(load.Namespace);
            load.ObserveUsage(used.Cpu, used.Memory);
        }
        var changed = new HashSet<AppWorkload>();
        foreach (var pod in await db.WorkloadPods.Where(p => p.ClusterId == clusterId).ToListAsync(ct))
        {
            if (!perPod.TryGetValue((pod.Namespace, pod.Name), out var used) || (pod.CpuUsageMillis == used.Cpu && pod.MemoryUsageBytes == used.Memory))
                continue;
            pod.ObserveUsage(used.Cpu, used.Memory);
            changed.Add(new AppWorkload(clusterId, pod.Namespace, pod.App));
        }
        return changed;
    }

    /// <summary>The watch may remove a host or a pod between reading it here and saving its usage: such rows are left out.</summary>
    private async Task SaveSamplesAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException gone) when (attempt < 3)
            {
                foreach (var entry in gone.Entries)
                    entry.State = EntityState.Detached;
            }
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

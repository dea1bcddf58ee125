using k8s;
using k8s.Models;
using Portal.Domain.Common;
using Portal.Infrastructure.Clusters;

namespace Portal.Infrastructure.Monitoring.Sources;

/// <summary>Usage from the cluster's own metrics.k8s.io API, as metrics-server serves it to kubectl top.</summary>
public sealed class MetricsServerSource(KubernetesClients clients) : IMetricsSource
{
    public async Task<UsageReading> ReadAsync(Guid clusterId, CancellationToken ct)
    {
        var client = await clients.ForAsync(clusterId, ct);
        // The client's metrics calls take no cancellation token: stop waiting for them when the caller is cancelled.
        var nodes = await client.GetKubernetesNodesMetricsAsync().WaitAsync(ct);
        var pods = await client.GetKubernetesPodsMetricsAsync().WaitAsync(ct);
        return new UsageReading(
            nodes.Items.Select(n => new NodeUsage(n.Metadata.Name, Cpu(n.Usage), Memory(n.Usage))).ToList(),
            pods.Items.Select(p => new PodUsage(
                    p.Metadata.NamespaceProperty,
                    p.Metadata.Name,
                    p.Containers.Sum(c => Cpu(c.Usage)),
                    p.Containers.Sum(c => Memory(c.Usage))
                ))
                .ToList()
        );
    }

    private static long Cpu(IDictionary<string, ResourceQuantity>? usage) => Quantity.CpuMillis(Read(usage, "cpu"));

    private static long Memory(IDictionary<string, ResourceQuantity>? usage) => Quantity.Whole(Read(usage, "memory"));

    private static string? Read(IDictionary<string, ResourceQuantity>? usage, string name) =>
        usage is not null && usage.TryGetValue(name, out var quantity) ? quantity.ToString() : null;
}

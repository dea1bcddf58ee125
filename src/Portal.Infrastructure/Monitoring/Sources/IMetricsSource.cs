namespace Portal.Infrastructure.Monitoring.Sources;

public sealed record NodeUsage(string Node, long CpuMillis, long MemoryBytes);

public sealed record PodUsage(string Namespace, string Pod, long CpuMillis, long MemoryBytes);

/// <summary>What a source read at one moment: the usage of every node and every running pod it knows.</summary>
public sealed record UsageReading(IReadOnlyList<NodeUsage> Nodes, IReadOnlyList<PodUsage> Pods);

/// <summary>Where a cluster's current CPU and memory usage is read from.</summary>
public interface IMetricsSource
{
    /// <summary>
    /// Reads the cluster's usage now; throws when the source cannot answer, with a message that says why.
    /// </summary>
    Task<UsageReading> ReadAsync(Guid clusterId, CancellationToken ct);
}

namespace Portal.Domain.Clusters;

/// <summary>
/// What the workloads of one namespace hold, as the cluster's watch last saw it: the requests and limits of its
/// pods that count against a ResourceQuota (those not yet finished), and their usage from metrics. It is how a
/// tenant sees "requested by workloads" and "used now" next to what it was granted.
/// </summary>
public sealed class NamespaceLoad
{
    public Guid Id { get; private set; }
    public Guid ClusterId { get; private set; }
    public string Namespace { get; private set; } = "";
    public long CpuRequestedMillis { get; private set; }
    public long CpuLimitMillis { get; private set; }
    public long MemoryRequestedBytes { get; private set; }
    public long MemoryLimitBytes { get; private set; }
    public int Pods { get; private set; }
    public long? CpuUsageMillis { get; private set; }
    public long? MemoryUsageBytes { get; private set; }
    public DateTime ObservedAt { get; private set; }

    private NamespaceLoad() { }

    public NamespaceLoad(Guid clusterId, string @namespace)
    {
        Id = Guid.NewGuid();
        ClusterId = clusterId;
        Namespace = @namespace;
    }

    public void Observe(WorkloadTotals totals, DateTime now)
    {
        CpuRequestedMillis = totals.CpuRequestedMillis;
        CpuLimitMillis = totals.CpuLimitMillis;
        MemoryRequestedBytes = totals.MemoryRequestedBytes;
        MemoryLimitBytes = totals.MemoryLimitBytes;
        Pods = totals.Pods;
        ObservedAt = now;
    }

    public void ObserveUsage(long cpuMillis, long memoryBytes)
    {
        CpuUsageMillis = cpuMillis;
        MemoryUsageBytes = memoryBytes;
    }
}

/// <summary>Sums of pod requests and limits, as a ResourceQuota counts them.</summary>
public readonly record struct WorkloadTotals(
    long CpuRequestedMillis,
    long CpuLimitMillis,
    long MemoryRequestedBytes,
    long MemoryLimitBytes,
    int Pods
)
{
    public static WorkloadTotals Of(PodLoad pod) =>
        new(pod.CpuRequestedMillis, pod.CpuLimitMillis, pod.MemoryRequestedBytes, pod.MemoryLimitBytes, 1);

    public static WorkloadTotals operator +(WorkloadTotals a, WorkloadTotals b) =>
        new(
            a.CpuRequestedMillis + b.CpuRequestedMillis,
            a.CpuLimitMillis + b.CpuLimitMillis,
            a.MemoryRequestedBytes + b.MemoryRequestedBytes,
            a.MemoryLimitBytes + b.MemoryLimitBytes,
            a.Pods + b.Pods
        );

    public static WorkloadTotals operator -(WorkloadTotals a, WorkloadTotals b) =>
        new(
            a.CpuRequestedMillis - b.CpuRequestedMillis,
            a.CpuLimitMillis - b.CpuLimitMillis,
            a.MemoryRequestedBytes - b.MemoryRequestedBytes,
            a.MemoryLimitBytes - b.MemoryLimitBytes,
            a.Pods - b.Pods
        );
}

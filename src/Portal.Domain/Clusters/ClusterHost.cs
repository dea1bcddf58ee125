namespace Portal.Domain.Clusters;

/// <summary>
/// A node of a registered cluster, as last seen by the cluster's watch: the hosts inventory. Requested
/// resources are the sum of the requests of the pods bound to it; usage comes from metrics.
/// </summary>
public sealed class ClusterHost
{
    public Guid Id { get; private set; }
    public Guid ClusterId { get; private set; }
    public string Name { get; private set; } = "";
    public string Addresses { get; private set; } = "";
    public string Roles { get; private set; } = "";
    public string Labels { get; private set; } = "";
    public string Taints { get; private set; } = "";
    public string Conditions { get; private set; } = "";
    public bool Ready { get; private set; }
    public bool Unschedulable { get; private set; }

    /// <summary>
    /// Conditions other than Ready that are true (MemoryPressure, DiskPressure, PIDPressure…), comma-separated.
    /// </summary>
    public string Pressures { get; private set; } = "";
    public long CpuCapacityMillis { get; private set; }
    public long MemoryCapacityBytes { get; private set; }
    public long PodCapacity { get; private set; }
    public long EphemeralStorageBytes { get; private set; }
    public long CpuAllocatableMillis { get; private set; }
    public long MemoryAllocatableBytes { get; private set; }
    public long PodAllocatable { get; private set; }
    public long CpuRequestedMillis { get; private set; }
    public long MemoryRequestedBytes { get; private set; }
    public int PodCount { get; private set; }
    public long? CpuUsageMillis { get; private set; }
    public long? MemoryUsageBytes { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime ObservedAt { get; private set; }

    private ClusterHost() { }

    public ClusterHost(Guid clusterId, string name)
    {
        Id = Guid.NewGuid();
        ClusterId = clusterId;
        Name = name;
    }

    /// <summary>Takes what the node object says; returns whether anything a page shows changed.</summary>
    public bool Observe(NodeSnapshot node, DateTime now)
    {
        var before = (
            Ready,
            Unschedulable,
            Pressures,
            Conditions,
            Labels,
            Taints,
            CpuAllocatableMillis,
            MemoryAllocatableBytes
        );
        Addresses = node.Addresses;
        Roles = node.Roles;
        Labels = node.Labels;
        Taints = node.Taints;
        Conditions = node.Conditions;
        Ready = node.Ready;
        Unschedulable = node.Unschedulable;
        Pressures = node.Pressures;
        CpuCapacityMillis = node.CpuCapacityMillis;
        MemoryCapacityBytes = node.MemoryCapacityBytes;
        PodCapacity = node.PodCapacity;
        EphemeralStorageBytes = node.EphemeralStorageBytes;
        CpuAllocatableMillis = node.CpuAllocatableMillis;
        MemoryAllocatableBytes = node.MemoryAllocatableBytes;
        PodAllocatable = node.PodAllocatable;
        CreatedAt = node.CreatedAt;
        ObservedAt = now;
        return before
            != (
                Ready,
                Unschedulable,
                Pressures,
                Conditions,
                Labels,
                Taints,
                CpuAllocatableMillis,
                MemoryAllocatableBytes
            );
    }

    public bool ObserveLoad(long cpuRequestedMillis, long memoryRequestedBytes, int podCount)
    {
        var changed =
            CpuRequestedMillis != cpuRequestedMillis
            || MemoryRequestedBytes != memoryRequestedBytes
            || PodCount != podCount;
        CpuRequestedMillis = cpuRequestedMillis;
        MemoryRequestedBytes = memoryRequestedBytes;
        PodCount = podCount;
        return changed;
    }

    public void ObserveUsage(long cpuMillis, long memoryBytes)
    {
        CpuUsageMillis = cpuMillis;
        MemoryUsageBytes = memoryBytes;
    }
}

/// <summary>What the portal reads of a Kubernetes node, free of any client library's types.</summary>
public sealed record NodeSnapshot(
    string Name,
    string Addresses,
    string Roles,
    string Labels,
    string Taints,
    string Conditions,
    bool Ready,
    bool Unschedulable,
    string Pressures,
    long CpuCapacityMillis,
    long MemoryCapacityBytes,
    long PodCapacity,
    long EphemeralStorageBytes,
    long CpuAllocatableMillis,
    long MemoryAllocatableBytes,
    long PodAllocatable,
    DateTime CreatedAt
);

/// <summary>What the portal reads of a pod: where it runs, what it requests and what it may use at most.</summary>
public sealed record PodLoad(
    string Namespace,
    string Name,
    string? NodeName,
    string Phase,
    long CpuRequestedMillis,
    long MemoryRequestedBytes,
    long CpuLimitMillis,
    long MemoryLimitBytes
)
{
    /// <summary>
    /// Pods that count against their namespace's ResourceQuota: every pod not yet finished, scheduled or not.
    /// </summary>
    public bool CountsAgainstQuota => Phase is not ("Succeeded" or "Failed");

    /// <summary>Pods that hold resources on their node, as the scheduler counts them.</summary>
    public bool HoldsResources => NodeName is not null && CountsAgainstQuota;
}

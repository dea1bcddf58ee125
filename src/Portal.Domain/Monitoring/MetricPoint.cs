namespace Portal.Domain.Monitoring;

/// <summary>
/// The measures of one subject at one moment. Each kind of subject fills the measures that mean something for it and
/// leaves the others empty (stored as nulls, which cost nothing in a row): a node has no restarts, a pod no quota.
/// </summary>
public abstract class MetricPoint
{
    public long SubjectId { get; set; }

    /// <summary>Unix seconds, at the start of the sampling minute (raw) or of the 5-minute bucket (rollup).</summary>
    public long At { get; set; }

    /// <summary>CPU used, millicores.</summary>
    public double? Cpu { get; set; }

    /// <summary>Memory used (working set), bytes.</summary>
    public double? Memory { get; set; }

    /// <summary>CPU requested by pods, millicores (clusters, namespaces, nodes).</summary>
    public double? CpuRequested { get; set; }
    public double? MemoryRequested { get; set; }

    /// <summary>CPU used as a percentage of what it may use: a node's allocatable, a workload's limits.</summary>
    public double? CpuPercent { get; set; }
    public double? MemoryPercent { get; set; }

    /// <summary>Container restarts so far, summed over pods.</summary>
    public int? Restarts { get; set; }

    /// <summary>Ready replicas; for a node 1 when Ready; for a cluster its ready nodes.</summary>
    public int? Ready { get; set; }

    /// <summary>Desired replicas; for a cluster its node count.</summary>
    public int? Desired { get; set; }

    /// <summary>Pods not yet running (Pending).</summary>
    public int? Pending { get; set; }

    /// <summary>Pods whose containers keep failing (CrashLoopBackOff, image pull errors…).</summary>
    public int? Failing { get; set; }

    /// <summary>
    /// What the namespace's workloads request of its environment's share, the higher of CPU and memory, percent.
    /// </summary>
    public double? QuotaPercent { get; set; }
}

/// <summary>A sample as taken, kept for a day (configurable).</summary>
public sealed class RawSample : MetricPoint;

/// <summary>
/// Five minutes of raw samples of one subject in one row, kept for 30 days (configurable): averages of usage and
/// percentages; the highest restarts, pending and failing; the lowest ready.
/// </summary>
public sealed class RollupSample : MetricPoint
{
    public const int BucketSeconds = 300;
    public int SampleCount { get; set; }

    public static long BucketOf(long at) => at - (at % BucketSeconds);
}

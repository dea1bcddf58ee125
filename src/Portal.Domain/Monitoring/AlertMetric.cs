namespace Portal.Domain.Monitoring;

/// <summary>What an alert rule watches. Each reads one measure of one kind of subject.</summary>
public enum AlertMetric
{
    NodeCpuPercent,
    NodeMemoryPercent,
    NodeNotReady,
    AppCpuPercent,
    AppMemoryPercent,
    AppRestarts,
    AppUnavailableReplicas,
    AppCrashLoopingPods,
    QuotaPercent,
    PendingPods,
}

/// <summary>How a metric reads out of a sample, and how people name it.</summary>
public sealed record MetricDefinition(
    AlertMetric Metric,
    SubjectKind Kind,
    string Title,
    string Unit,
    Func<MetricPoint, double?> Read
)
{
    public static readonly IReadOnlyList<MetricDefinition> All =
    [
        new(AlertMetric.NodeCpuPercent, SubjectKind.Node, "Node CPU", "%", p => p.CpuPercent),
        new(AlertMetric.NodeMemoryPercent, SubjectKind.Node, "Node memory", "%", p => p.MemoryPercent),
        new(AlertMetric.NodeNotReady, SubjectKind.Node, "Node not Ready", "", p => p.Ready is null ? null
            : p.Ready == 0 ? 1
            : 0),
        new(AlertMetric.AppCpuPercent, SubjectKind.Workload, "CPU of limits", "%", p => p.CpuPercent),
        new(AlertMetric.AppMemoryPercent, SubjectKind.Workload, "Memory of limits", "%", p => p.MemoryPercent),
        new(AlertMetric.AppRestarts, SubjectKind.Workload, "Container restarts", "", p => p.Restarts),
        new(AlertMetric.AppUnavailableReplicas, SubjectKind.Workload, "Unavailable replicas", "", p =>
            p.Desired is null ? null : Math.Max(0, p.Desired.Value - (p.Ready ?? 0))
        ),
        new(AlertMetric.AppCrashLoopingPods, SubjectKind.Workload, "Crash-looping pods", "", p => p.Failing),
        new(AlertMetric.QuotaPercent, SubjectKind.Namespace, "Quota requested", "%", p => p.QuotaPercent),
        new(AlertMetric.PendingPods, SubjectKind.Namespace, "Pending pods", "", p => p.Pending),
    ];

    public static MetricDefinition Of(AlertMetric metric) => All.First(d => d.Metric == metric);

    /// <summary>Whether a rule about one application may watch it.</summary>
    public bool IsAboutApplications => Kind == SubjectKind.Workload;
}

public enum Aggregation
{
    /// <summary>The mean over the duration.</summary>
    Avg,

    /// <summary>The lowest over the duration: "above the threshold the whole time".</summary>
    Min,

    /// <summary>The highest over the duration: "above the threshold at any time".</summary>
    Max,

    /// <summary>The newest sample.</summary>
    Last,

    /// <summary>How much it grew over the duration (for counters such as restarts).</summary>
    Increase,
}

public enum Comparator
{
    Above,
    AtOrAbove,
    Below,
    AtOrBelow,
}

public enum Severity
{
    Info,
    Warning,
    Critical,
}

public static class ComparatorText
{
    public static string Symbol(this Comparator comparator) =>
        comparator switch
        {
            Comparator.Above => ">",
            Comparator.AtOrAbove => "≥",
            Comparator.Below => "<",
            _ => "≤",
        };

    public static bool Holds(this Comparator comparator, double value, double threshold) =>
        comparator switch
        {
            Comparator.Above => value > threshold,
            Comparator.AtOrAbove => value >= threshold,
            Comparator.Below => value < threshold,
            _ => value <= threshold,
        };
}

namespace Portal.Domain.Clusters;

/// <summary>
/// A pod the portal manages (labelled <c>app.kubernetes.io/managed-by=portal</c>), as the cluster's watch last saw it:
/// what an application's page lists per environment, updated live. Usage comes from metrics.
/// </summary>
public sealed class WorkloadPod
{
    public Guid Id { get; private set; }
    public Guid ClusterId { get; private set; }
    public string Namespace { get; private set; } = "";
    public string Name { get; private set; } = "";

    /// <summary>
    /// The pod's <c>app.kubernetes.io/name</c> label: the application (or middleware instance) it belongs to.
    /// </summary>
    public string App { get; private set; } = "";

    /// <summary>The <c>portal/revision</c> annotation of its template.</summary>
    public int? Revision { get; private set; }
    public string Phase { get; private set; } = "";
    public bool Ready { get; private set; }
    public int Restarts { get; private set; }

    /// <summary>
    /// Why a container is not running, as the kubelet says it (CrashLoopBackOff, ImagePullBackOff…), or why the pod is
    /// not scheduled.
    /// </summary>
    public string? Reason { get; private set; }
    public string? Message { get; private set; }
    public string? Node { get; private set; }
    public string? PodIp { get; private set; }

    /// <summary>Its containers' names, comma-separated: what a log view lets one choose.</summary>
    public string Containers { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public long? CpuUsageMillis { get; private set; }
    public long? MemoryUsageBytes { get; private set; }
    public DateTime ObservedAt { get; private set; }

    private WorkloadPod() { }

    public WorkloadPod(Guid clusterId, string @namespace, string name)
    {
        Id = Guid.NewGuid();
        ClusterId = clusterId;
        Namespace = @namespace;
        Name = name;
    }

    /// <summary>Takes what the watch saw; false when nothing a page shows changed.</summary>
    public bool Observe(PodStatusReading pod, DateTime now)
    {
        var before = (App, Revision, Phase, Ready, Restarts, Reason, Message, Node, PodIp, Containers);
        App = pod.App;
        Revision = pod.Revision;
        Phase = pod.Phase;
        Ready = pod.Ready;
        Restarts = pod.Restarts;
        Reason = pod.Reason;
        Message = pod.Message;
        Node = pod.Node;
        PodIp = pod.PodIp;
        Containers = pod.Containers;
        CreatedAt = pod.CreatedAt;
        ObservedAt = now;
        return before != (App, Revision, Phase, Ready, Restarts, Reason, Message, Node, PodIp, Containers);
    }

    public void ObserveUsage(long cpuMillis, long memoryBytes)
    {
        CpuUsageMillis = cpuMillis;
        MemoryUsageBytes = memoryBytes;
    }
}

/// <summary>What the portal reads of a managed pod's status, free of any client library's types.</summary>
public sealed record PodStatusReading(
    string Namespace,
    string Name,
    string App,
    int? Revision,
    string Phase,
    bool Ready,
    int Restarts,
    string? Reason,
    string? Message,
    string? Node,
    string? PodIp,
    string Containers,
    DateTime CreatedAt
);

using System.Globalization;
using Portal.Domain.Common;

namespace Portal.Domain.Clusters;

/// <summary>What a kubeconfig leads to, when it works.</summary>
public sealed record ClusterProbe(string ApiServer, string Version);

/// <summary>
/// Something in a namespace, as a person names it: "Deployment api, 2/3 ready", or a Job or Pod that has finished.
/// </summary>
public sealed record RunningWorkload(string Kind, string Name, int Ready, int Desired, bool Finished = false)
{
    public override string ToString() =>
        Finished ? $"{Kind} '{Name}' (finished)" : $"{Kind} '{Name}' ({Ready}/{Desired} ready)";
}

/// <summary>
/// One kind of workload in a namespace, counted live: how many there are and the first of them by name. When the
/// cluster does not say how many are left past the first page, <paramref name="Total"/> is a floor
/// (<paramref name="AtLeast"/>).
/// </summary>
public sealed record WorkloadCount(string Kind, int Total, bool AtLeast, IReadOnlyList<RunningWorkload> First)
{
    public int Unnamed => Total - First.Count;

    public override string ToString() =>
        $"{(AtLeast ? "more than " : "")}{Total.ToString("N0", CultureInfo.InvariantCulture)} {Kind}"
        + (Total == 1 && !AtLeast ? "" : "s");
}

/// <summary>A Kubernetes Event: what happened to an object, how often, and when last.</summary>
public sealed record ClusterEvent(
    string Type,
    string Reason,
    string Message,
    string ObjectKind,
    string ObjectName,
    int Count,
    DateTime? LastSeen
);

/// <summary>
/// A namespace as the cluster has it: its labels say whose it is; a terminating one is on its way out.
/// </summary>
public sealed record ClusterNamespace(
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    DateTime? CreatedAt,
    bool Terminating
);

/// <summary>
/// The portal's way to a Kubernetes cluster. Implementations speak the Kubernetes API; nothing here
/// depends on which cluster, real or simulated, is behind it.
/// </summary>
public interface IClusterGateway
{
    /// <summary>
    /// Reads a kubeconfig and contacts its server; says in words what is wrong when it does not work.
    /// </summary>
    Task<Result<ClusterProbe>> ProbeAsync(string kubeconfig, CancellationToken ct);

    Task<Result<ClusterProbe>> CheckAsync(Guid clusterId, CancellationToken ct);

    Task<Result> SetUnschedulableAsync(Guid clusterId, string nodeName, bool unschedulable, CancellationToken ct);

    /// <summary>
    /// The workloads of a namespace, per kind (Deployments, StatefulSets, Jobs, Pods): how many, and the first
    /// <paramref name="firstOfEach"/> by name. One page of each kind, whatever their number.
    /// </summary>
    Task<Result<IReadOnlyList<WorkloadCount>>> CountWorkloadsAsync(
        Guid clusterId,
        string @namespace,
        int firstOfEach,
        CancellationToken ct
    );

    /// <summary>The namespace of this name, or null when the cluster has none.</summary>
    Task<Result<ClusterNamespace?>> FindNamespaceAsync(Guid clusterId, string name, CancellationToken ct);

    /// <summary>The events of a namespace, newest first.</summary>
    Task<Result<IReadOnlyList<ClusterEvent>>> ListEventsAsync(Guid clusterId, string @namespace, CancellationToken ct);
}

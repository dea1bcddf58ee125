using Portal.Domain.Common;

namespace Portal.Domain.Clusters;

/// <summary>What a kubeconfig leads to, when it works.</summary>
public sealed record ClusterProbe(string ApiServer, string Version);

/// <summary>Something running in a namespace, as a person names it: "Deployment api, 2/3 ready".</summary>
public sealed record RunningWorkload(string Kind, string Name, int Ready, int Desired)
{
    public override string ToString() => $"{Kind} '{Name}' ({Ready}/{Desired} ready)";
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
    /// The workloads of a namespace: deployments, stateful sets, unfinished jobs and pods that belong to none of them.
    /// </summary>
    Task<Result<IReadOnlyList<RunningWorkload>>> ListWorkloadsAsync(
        Guid clusterId,
        string @namespace,
        CancellationToken ct
    );

    /// <summary>The namespace of this name, or null when the cluster has none.</summary>
    Task<Result<ClusterNamespace?>> FindNamespaceAsync(Guid clusterId, string name, CancellationToken ct);

    /// <summary>The events of a namespace, newest first.</summary>
    Task<Result<IReadOnlyList<ClusterEvent>>> ListEventsAsync(Guid clusterId, string @namespace, CancellationToken ct);
}

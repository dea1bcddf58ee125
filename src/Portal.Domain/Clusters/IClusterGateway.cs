using Portal.Domain.Common;

namespace Portal.Domain.Clusters;

/// <summary>What a kubeconfig leads to, when it works.</summary>
public sealed record ClusterProbe(string ApiServer, string Version);

/// <summary>
/// The portal's way to a Kubernetes cluster. Implementations speak the Kubernetes API; nothing here
/// depends on which cluster, real or simulated, is behind it.
/// </summary>
public interface IClusterGateway
{
    /// <summary>Reads a kubeconfig and contacts its server; says in words what is wrong when it does not work.</summary>
    Task<Result<ClusterProbe>> ProbeAsync(string kubeconfig, CancellationToken ct);

    Task<Result<ClusterProbe>> CheckAsync(Guid clusterId, CancellationToken ct);

    Task<Result> SetUnschedulableAsync(Guid clusterId, string nodeName, bool unschedulable, CancellationToken ct);
}

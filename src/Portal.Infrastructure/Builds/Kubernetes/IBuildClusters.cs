using k8s;
using Portal.Domain.Quotas;

namespace Portal.Infrastructure.Builds.Kubernetes;

/// <summary>Where a tenant's builds run: the cluster of one of its pools, on that pool's nodes.</summary>
public sealed record BuildCluster(IKubernetes Client, Guid TenantId, PodPlacement Placement);

/// <summary>Finds the cluster a tenant's builds run in, or says in words why there is none.</summary>
public interface IBuildClusters
{
    Task<Domain.Common.Result<BuildCluster>> ForTenantAsync(string tenantSlug, CancellationToken ct);
}

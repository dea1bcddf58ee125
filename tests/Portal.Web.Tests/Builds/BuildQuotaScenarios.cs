using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// A build Job counts against the tenant's quota in the pool it runs in, beside the environments' shares there.
/// </summary>
public sealed class BuildQuotaScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private SandboxWorld World => new(portal.Factory);

    private async Task<Result<BuildCluster>> ClusterForAsync(string environmentCpu)
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", environmentCpu);
        return await portal.Factory.Services.GetRequiredService<IBuildClusters>().ForTenantAsync(tenant.Slug, default);
    }

    [SkippableFact]
    public async Task A_build_is_refused_with_the_numbers_when_the_environments_hold_the_whole_quota()
    {
        var cluster = await ClusterForAsync(environmentCpu: "4");

        Assert.Equal(ProblemKind.Unavailable, cluster.Problem?.Kind);
        Assert.Contains(
            "for a build: needs 0.5 CPU requests, 0 left of 4; needs 2 CPU limits, 0 left of 4",
            cluster.Problem!.Message,
            StringComparison.Ordinal
        );
    }

    [SkippableFact]
    public async Task A_build_that_fits_beside_the_environments_gets_the_pools_cluster()
    {
        var cluster = await ClusterForAsync(environmentCpu: "1");

        Assert.True(cluster.Succeeded, cluster.Problem?.Message);
    }
}

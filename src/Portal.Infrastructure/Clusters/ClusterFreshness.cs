using Microsoft.EntityFrameworkCore;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// A cluster whose watch keeps failing: what pages show of its pods, hosts and workloads may be stale since
/// <see cref="FailingSince"/>.
/// </summary>
public sealed record StaleCluster(string Name, string DisplayName, DateTime FailingSince, string? Error)
{
    public static IReadOnlyList<StaleCluster> Of(ClusterSummary cluster) =>
        cluster.WatchFailingSince is { } since
            ? [new StaleCluster(cluster.Name, cluster.DisplayName, since, cluster.WatchError)]
            : [];
}

/// <summary>
/// Which clusters behind a page's watched data are degraded, so that the page says so instead of showing stale data
/// as fresh.
/// </summary>
public sealed class ClusterFreshness(PortalDbContext db)
{
    /// <summary>The degraded clusters the application is deployed to (in the tenant in scope).</summary>
    public async Task<IReadOnlyList<StaleCluster>> OfApplicationAsync(Guid applicationId, CancellationToken ct) =>
        await Stale(
                from d in db.AppDeployments
                where d.ApplicationId == applicationId
                join e in db.Environments on d.EnvironmentId equals e.Id
                join p in db.ResourcePools on e.PoolId equals p.Id
                select p.ClusterId
            )
            .ToListAsync(ct);

    /// <summary>The degraded clusters the environments of the tenant in scope are on.</summary>
    public async Task<IReadOnlyList<StaleCluster>> OfEnvironmentsAsync(CancellationToken ct) =>
        await Stale(from e in db.Environments join p in db.ResourcePools on e.PoolId equals p.Id select p.ClusterId)
            .ToListAsync(ct);

    private IQueryable<StaleCluster> Stale(IQueryable<Guid> clusterIds) =>
        db
            .Clusters.AsNoTracking()
            .Where(c => c.WatchFailingSince != null && clusterIds.Contains(c.Id))
            .OrderBy(c => c.Name)
            .Select(c => new StaleCluster(c.Name, c.DisplayName, c.WatchFailingSince!.Value, c.WatchError));
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;

namespace Portal.Infrastructure.Monitoring.Dashboards;

public sealed record HealthCount(ApplicationHealth Health, int Count);

public sealed record InstanceStateCount(InstanceState State, int Count);

public sealed record DeployRow(
    string App,
    int Revision,
    string Image,
    string Environment,
    string By,
    string Origin,
    DateTime At
);

/// <summary>
/// What a tenant's dashboard shows: <see cref="Environments"/> are the names of all its environments, for their charts.
/// </summary>
public sealed record TenantDashboardView(
    DateTime At,
    IReadOnlyList<TenantQuotaView> Quotas,
    IReadOnlyList<string> Environments,
    int Applications,
    IReadOnlyList<HealthCount> AppsByHealth,
    int Instances,
    IReadOnlyList<InstanceStateCount> InstancesByState,
    IReadOnlyList<DeployRow> RecentDeploys,
    FiringAlerts Alerts
);

/// <summary>
/// The dashboard of the tenant in scope: quota usage as the quotas page reads it (<see cref="PoolCatalog"/>),
/// applications by health, middleware instances by state, the newest deploys and the tenant's firing alerts. A fixed
/// number of queries (nine), each a projection, whatever the number of applications or environments.
/// </summary>
public sealed class TenantDashboard(PortalDbContext db, PoolCatalog pools, TimeProvider clock)
{
    public const int RecentDeploysShown = 10;

    /// <summary>
    /// An application deployed to several environments counts under the worst of its states there, in this order.
    /// </summary>
    private static readonly ApplicationHealth[] Worst =
    [
        ApplicationHealth.Failed,
        ApplicationHealth.Deploying,
        ApplicationHealth.Running,
        ApplicationHealth.Stopped,
    ];

    public async Task<TenantDashboardView> ReadAsync(Guid tenantId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var quotas = await pools.ForTenantAsync(ct);
        var environments = await db
            .Environments.AsNoTracking()
            .OrderBy(e => e.Name)
            .Select(e => e.Name)
            .ToListAsync(ct);
        var applications = await db.Applications.CountAsync(ct);
        var deployments = await db
            .AppDeployments.AsNoTracking()
            .Select(d => new { d.ApplicationId, d.State })
            .ToListAsync(ct);
        var deployed = deployments
            .GroupBy(d => d.ApplicationId)
            .Select(app => app.Select(d => Health(d.State)).OrderBy(h => Array.IndexOf(Worst, h)).First())
            .ToList();
        var byHealth = deployed.GroupBy(h => h).Select(g => new HealthCount(g.Key, g.Count())).ToList();
        if (applications > deployed.Count)
            byHealth.Add(new HealthCount(ApplicationHealth.NotDeployed, applications - deployed.Count));
        var instances = await db
            .MiddlewareInstances.AsNoTracking()
            .GroupBy(i => i.State)
            .Select(g => new InstanceStateCount(g.Key, g.Count()))
            .ToListAsync(ct);
        var deploys = await (
            from r in db.Revisions.AsNoTracking()
            join a in db.Applications on r.ApplicationId equals a.Id
            orderby r.CreatedAt descending, r.Number descending
            select new DeployRow(a.Name, r.Number, r.Image, r.Environment, r.CreatedBy, r.Origin, r.CreatedAt)
        )
            .Take(RecentDeploysShown)
            .ToListAsync(ct);
        return new TenantDashboardView(
            now,
            quotas,
            environments,
            applications,
            byHealth.OrderBy(c => c.Health).ToList(),
            instances.Sum(i => i.Count),
            instances.OrderBy(i => i.State).ToList(),
            deploys,
            await FiringAlerts.ReadAsync(db.Alerts.Where(a => a.TenantId == tenantId), now, ct)
        );
    }

    private static ApplicationHealth Health(AppDeploymentState state) =>
        state switch
        {
            AppDeploymentState.Running => ApplicationHealth.Running,
            AppDeploymentState.Failed => ApplicationHealth.Failed,
            AppDeploymentState.Stopped => ApplicationHealth.Stopped,
            _ => ApplicationHealth.Deploying,
        };
}

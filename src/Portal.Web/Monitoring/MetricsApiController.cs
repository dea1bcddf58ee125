using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Monitoring.Dashboards;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Monitoring;

/// <summary>
/// Charts of clusters, environments, applications and middleware instances over a range (<c>range=1h|24h|7d|30d</c>, 1h
/// by default), and the dashboards' data. Read only; besides bearer tokens, the session cookie authenticates these,
/// because the pages' chart script fetches them from the browser.
/// </summary>
[Authorize(AuthenticationSchemes = "Identity.Application")]
public sealed class MetricsApiController(SubjectCharts charts, PlatformDashboard platform, TenantDashboard tenants)
    : ApiControllerBase
{
    [HttpGet(MonitoringRoutes.ClusterMetrics), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<ChartSet>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Cluster(string cluster, string? range, CancellationToken ct) =>
        Answer(await charts.ClusterAsync(cluster, range, ct));

    [HttpGet(MonitoringRoutes.EnvironmentMetrics), Authorize(TenantPolicies.Read)]
    [ProducesResponseType<ChartSet>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Environment(string environment, string? range, CancellationToken ct) =>
        Answer(await charts.EnvironmentAsync(HttpContext.TenantAccess().Tenant.Id, environment, range, ct));

    /// <summary>
    /// CPU, memory, restarts and replicas of the application in the environment, with its deploys there marked.
    /// </summary>
    [HttpGet(MonitoringRoutes.AppMetrics), Authorize(TenantPolicies.Read)]
    [ProducesResponseType<ChartSet>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Application(
        string app,
        string? environment,
        string? range,
        CancellationToken ct
    ) => Answer(await charts.ApplicationAsync(HttpContext.TenantAccess().Tenant.Id, app, environment, range, ct));

    [HttpGet(MonitoringRoutes.InstanceMetrics), Authorize(TenantPolicies.Read)]
    [ProducesResponseType<ChartSet>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Instance(
        string instance,
        string? environment,
        string? range,
        CancellationToken ct
    ) => Answer(await charts.InstanceAsync(HttpContext.TenantAccess().Tenant.Id, instance, environment, range, ct));

    [HttpGet(MonitoringRoutes.PlatformDashboard), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<PlatformDashboardView> ForPlatform(CancellationToken ct) => platform.ReadAsync(ct);

    [HttpGet(MonitoringRoutes.TenantDashboard), Authorize(TenantPolicies.Read)]
    public Task<TenantDashboardView> ForTenant(CancellationToken ct) =>
        tenants.ReadAsync(HttpContext.TenantAccess().Tenant.Id, ct);

    private IActionResult Answer(Result<ChartSet> charted) =>
        charted.Succeeded ? Ok(charted.Value) : this.ToActionResult(charted.Problem!);
}

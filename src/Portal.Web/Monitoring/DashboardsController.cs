using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Monitoring.Dashboards;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Tenancy;

namespace Portal.Web.Monitoring;

public sealed record TenantDashboardModel(TenantAccess Access, TenantDashboardView Dashboard);

/// <summary>
/// A panel of charts the chart script draws from <paramref name="Source"/>, refreshed live for the
/// <paramref name="Live"/> scope.
/// </summary>
public sealed record ChartPanelModel(string Title, string Source, string Live);

/// <summary>The platform ops dashboard and each tenant's monitoring dashboard.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class DashboardsController(PlatformDashboard platform, TenantDashboard tenants) : Controller
{
    [HttpGet(MonitoringRoutes.Platform), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Platform(CancellationToken ct) => View(await platform.ReadAsync(ct));

    [HttpGet(MonitoringRoutes.Tenant), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Tenant(CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        return View(new TenantDashboardModel(access, await tenants.ReadAsync(access.Tenant.Id, ct)));
    }
}

/// <summary>
/// The charts an application's (<c>apps</c>) or middleware instance's (<c>instances</c>) page shows: one panel per
/// environment it runs in, live for its tenant.
/// </summary>
public sealed record WorkloadChartsModel(string Tenant, string Kind, string Name, IEnumerable<string> Environments)
{
    public ChartPanelModel Panel(string environment) =>
        new(
            $"Charts in {environment}",
            (
                Kind == "apps"
                    ? MonitoringRoutes.AppMetricsUrl(Tenant, Name)
                    : MonitoringRoutes.InstanceMetricsUrl(Tenant, Name)
            ) + $"?environment={Uri.EscapeDataString(environment)}",
            MonitoringHub.TenantScopePrefix + Tenant
        );
}

using Portal.Web.Common;

namespace Portal.Web.Monitoring;

/// <summary>
/// The addresses of the monitoring dashboards and of the metrics the pages' charts read: each template routes its
/// action, and its <c>…Url</c> method makes links and chart sources.
/// </summary>
public static class MonitoringRoutes
{
    public const string Platform = "/admin/monitoring";
    public const string Tenant = "/t/{tenant}/monitoring";
    public const string ClusterMetrics = "/api/v1/platform/metrics/clusters/{cluster}";
    public const string EnvironmentMetrics = "/api/v1/tenants/{tenant}/metrics/environments/{environment}";
    public const string AppMetrics = "/api/v1/tenants/{tenant}/metrics/apps/{app}";
    public const string InstanceMetrics = "/api/v1/tenants/{tenant}/metrics/instances/{instance}";
    public const string PlatformDashboard = "/api/v1/platform/dashboard";
    public const string TenantDashboard = "/api/v1/tenants/{tenant}/dashboard";

    public static string PlatformUrl() => Platform;

    public static string TenantUrl(string tenant) => RouteUrl.Fill(Tenant, tenant);

    public static string ClusterMetricsUrl(string cluster) => RouteUrl.Fill(ClusterMetrics, cluster);

    public static string EnvironmentMetricsUrl(string tenant, string environment) =>
        RouteUrl.Fill(EnvironmentMetrics, tenant, environment);

    public static string AppMetricsUrl(string tenant, string app) => RouteUrl.Fill(AppMetrics, tenant, app);

    public static string InstanceMetricsUrl(string tenant, string instance) =>
        RouteUrl.Fill(InstanceMetrics, tenant, instance);

    public static string PlatformDashboardUrl() => PlatformDashboard;

    public static string TenantDashboardUrl(string tenant) => RouteUrl.Fill(TenantDashboard, tenant);
}

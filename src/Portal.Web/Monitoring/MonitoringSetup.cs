using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Monitoring.Dashboards;

namespace Portal.Web.Monitoring;

public static class MonitoringSetup
{
    /// <summary>
    /// The dashboards, and the live notifier in place of the infrastructure's silent one (the last registration wins).
    /// </summary>
    public static IServiceCollection AddPortalMonitoringWeb(this IServiceCollection services)
    {
        services.AddScoped<PlatformDashboard>();
        services.AddScoped<TenantDashboard>();
        services.AddScoped<SubjectCharts>();
        services.AddSingleton<IMonitoringNotifier, SignalRMonitoringNotifier>();
        return services;
    }
}

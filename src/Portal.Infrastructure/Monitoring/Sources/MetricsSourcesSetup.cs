using Microsoft.Extensions.DependencyInjection;

namespace Portal.Infrastructure.Monitoring.Sources;

public static class MetricsSourcesSetup
{
    /// <summary>How long one Prometheus query may take before the cluster is skipped for the tick.</summary>
    public static readonly TimeSpan PrometheusTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Registers the metrics sources, the choice between them per cluster, and the pool setting that makes it.</summary>
    public static IServiceCollection AddMetricsSources(this IServiceCollection services)
    {
        services.AddHttpClient(PrometheusSource.HttpClientName, http => http.Timeout = PrometheusTimeout);
        services.AddSingleton<MetricsServerSource>();
        services.AddScoped<MetricsSources>();
        services.AddScoped<PoolMetricsSourceSetting>();
        return services;
    }
}

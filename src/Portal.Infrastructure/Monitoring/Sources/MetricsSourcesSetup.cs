using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Monitoring.Sources;

public static class MetricsSourcesSetup
{
    /// <summary>How long one Prometheus query may take before the cluster is skipped for the tick.</summary>
    public static readonly TimeSpan PrometheusTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Registers the metrics sources, the choice between them per cluster, and the pool setting that makes it;
    /// Prometheus is asked through a client that connects only where <see cref="PrometheusTargetGuard"/> allows.
    /// </summary>
    public static IServiceCollection AddMetricsSources(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<PrometheusOptions>()
            .Bind(configuration.GetSection(PrometheusOptions.Section))
            .Validate(
                o => o.AllowedTargets.All(NetworkTargetGuard.IsValidAllowedTarget),
                $"{PrometheusOptions.Section}:AllowedTargets takes host names, addresses "
                    + "and CIDR ranges such as 10.0.0.0/8."
            )
            .ValidateOnStart();
        services.AddSingleton<PrometheusTargetGuard>();
        services
            .AddHttpClient(PrometheusSource.HttpClientName, http => http.Timeout = PrometheusTimeout)
            .ConfigurePrimaryHttpMessageHandler(provider =>
                provider.GetRequiredService<PrometheusTargetGuard>().CreateGuardedHandler(PrometheusTimeout)
            );
        services.AddSingleton<MetricsServerSource>();
        services.AddScoped<MetricsSources>();
        services.AddScoped<PoolMetricsSourceSetting>();
        return services;
    }
}

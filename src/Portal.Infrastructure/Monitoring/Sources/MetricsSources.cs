using Microsoft.EntityFrameworkCore;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring.Sources;

/// <summary>
/// Picks where a cluster's usage is read from: the Prometheus a pool of the cluster names (the first such pool by name
/// when several do), else the cluster's metrics.k8s.io.
/// </summary>
public sealed class MetricsSources(
    PortalDbContext db,
    MetricsServerSource metricsServer,
    IHttpClientFactory httpClients
)
{
    public async Task<IMetricsSource> ForClusterAsync(Guid clusterId, CancellationToken ct)
    {
        var prometheusUrl = await db
            .ResourcePools.AsNoTracking()
            .Where(p => p.ClusterId == clusterId && p.PrometheusUrl != "")
            .OrderBy(p => p.Name)
            .Select(p => p.PrometheusUrl)
            .FirstOrDefaultAsync(ct);
        return prometheusUrl is null
            ? metricsServer
            : new PrometheusSource(httpClients.CreateClient(PrometheusSource.HttpClientName), prometheusUrl);
    }
}

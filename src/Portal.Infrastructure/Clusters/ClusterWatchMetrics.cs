using System.Diagnostics.Metrics;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// The cluster watch's instruments, in the meter <c>Portal.Clusters</c>: <c>portal.cluster_watch.restarts</c> counts
/// the times a cluster's watch failed and started over (tagged <c>cluster.id</c> and the <c>branch</c> that failed),
/// and
/// <c>portal.cluster_watch.failing</c> is the number of clusters whose watch this replica is failing to keep now.
/// </summary>
public sealed class ClusterWatchMetrics
{
    public const string MeterName = "Portal.Clusters";
    private readonly Counter<long> _restarts;
    private readonly UpDownCounter<int> _failing;

    public ClusterWatchMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _restarts = meter.CreateCounter<long>(
            "portal.cluster_watch.restarts",
            "{restart}",
            "Times a cluster's watch failed and started over."
        );
        _failing = meter.CreateUpDownCounter<int>(
            "portal.cluster_watch.failing",
            "{cluster}",
            "Clusters whose watch keeps failing on this replica."
        );
    }

    public void Restarted(Guid clusterId, string branch) =>
        _restarts.Add(
            1,
            new KeyValuePair<string, object?>("cluster.id", clusterId.ToString()),
            new KeyValuePair<string, object?>("branch", branch)
        );

    public void StartedFailing() => _failing.Add(1);

    public void StoppedFailing() => _failing.Add(-1);
}

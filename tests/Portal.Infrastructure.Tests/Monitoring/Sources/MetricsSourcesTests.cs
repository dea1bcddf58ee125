using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Monitoring.Sources;

namespace Portal.Infrastructure.Tests.Monitoring.Sources;

/// <summary>Which source a cluster's usage is read from, by what its pools say.</summary>
public sealed class MetricsSourcesTests
{
    private static Task<IMetricsSource> SourceFor(SourcesDatabase database, Guid clusterId) =>
        database.InScopeAsync(provider =>
            provider.GetRequiredService<MetricsSources>().ForClusterAsync(clusterId, default)
        );

    [Fact]
    public async Task A_cluster_whose_pools_name_no_prometheus_is_read_from_metrics_k8s_io()
    {
        await using var database = await SourcesDatabase.CreateAsync();
        var cluster = await database.AddClusterAsync("unused");
        await database.AddPoolAsync(cluster, "plain");

        Assert.IsType<MetricsServerSource>(await SourceFor(database, cluster));
    }

    [Fact]
    public async Task A_cluster_with_a_pool_that_names_a_prometheus_is_read_from_it()
    {
        await using var database = await SourcesDatabase.CreateAsync();
        var cluster = await database.AddClusterAsync("unused");
        await database.AddPoolAsync(cluster, "a-plain");
        await database.AddPoolAsync(cluster, "b-monitored", "http://prometheus.monitoring:9090/");

        var source = Assert.IsType<PrometheusSource>(await SourceFor(database, cluster));

        Assert.Equal("http://prometheus.monitoring:9090", source.BaseUrl);
    }

    [Fact]
    public async Task Of_several_pools_naming_a_prometheus_the_first_by_name_wins()
    {
        await using var database = await SourcesDatabase.CreateAsync();
        var cluster = await database.AddClusterAsync("unused");
        await database.AddPoolAsync(cluster, "zeta", "http://prometheus-z:9090");
        await database.AddPoolAsync(cluster, "alpha", "http://prometheus-a:9090");

        var source = Assert.IsType<PrometheusSource>(await SourceFor(database, cluster));

        Assert.Equal("http://prometheus-a:9090", source.BaseUrl);
    }

    [Fact]
    public async Task A_pool_of_another_cluster_does_not_change_where_a_cluster_is_read_from()
    {
        await using var database = await SourcesDatabase.CreateAsync();
        var cluster = await database.AddClusterAsync("unused");
        var other = await database.AddClusterAsync("unused");
        await database.AddPoolAsync(cluster, "plain");
        await database.AddPoolAsync(other, "monitored", "http://prometheus:9090");

        Assert.IsType<MetricsServerSource>(await SourceFor(database, cluster));
    }

    [Fact]
    public async Task A_prometheus_whose_host_resolves_into_the_portals_network_is_not_connected_to()
    {
        await using var prometheus = await PrometheusStandIn.StartAsync();
        prometheus
            .Answer(PrometheusStandIn.NodeCpuMillis)
            .Answer(PrometheusStandIn.NodeMemoryBytes)
            .Answer(PrometheusStandIn.PodCpuMillis)
            .Answer(PrometheusStandIn.PodMemoryBytes);
        await using var database = await SourcesDatabase.CreateAsync();
        var cluster = await database.AddClusterAsync("unused");
        // Saved when the name pointed elsewhere, or written behind the portal's back: it is checked again when
        // connecting.
        await database.AddPoolAsync(cluster, "monitored", $"http://localhost:{new Uri(prometheus.Address).Port}");

        var failure = await Assert.ThrowsAsync<MetricsSourceException>(async () =>
            await (await SourceFor(database, cluster)).ReadAsync(cluster, default)
        );

        Assert.Contains("a loopback address", failure.Message);
        Assert.Empty(prometheus.Asked);
    }

    [Fact]
    public async Task The_prometheus_chosen_is_asked_through_the_named_client_and_answers()
    {
        await using var prometheus = await PrometheusStandIn.StartAsync();
        prometheus
            .Answer(PrometheusStandIn.NodeCpuMillis, (new() { ["node"] = "node-a" }, "100"))
            .Answer(PrometheusStandIn.NodeMemoryBytes)
            .Answer(PrometheusStandIn.PodCpuMillis)
            .Answer(PrometheusStandIn.PodMemoryBytes);
        // Operators allow their Prometheus, which is on a private network, as this one is on loopback.
        await using var database = await SourcesDatabase.CreateAsync(
            new() { ["Portal:Monitoring:Prometheus:AllowedTargets:0"] = "127.0.0.1" }
        );
        var cluster = await database.AddClusterAsync("unused");
        await database.AddPoolAsync(cluster, "monitored", prometheus.Address);

        var reading = await (await SourceFor(database, cluster)).ReadAsync(cluster, default);

        Assert.Equal([new NodeUsage("node-a", 100, 0)], reading.Nodes);
    }
}

using k8s;
using k8s.Models;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Clusters;

namespace Portal.Infrastructure.Tests;

/// <summary>The portal's list+watch cache of a cluster, against the sandbox over HTTP.</summary>
public sealed class ClusterWatchTests
{
    [Fact]
    public async Task Registering_a_cluster_fills_the_hosts_inventory_from_its_nodes()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 3);

        var hosts = await cluster.EventuallyAsync(h => h.Count == 3 && h.All(x => x.Ready), "three ready hosts");

        Assert.All(hosts, h => Assert.Equal(4000, h.CpuAllocatableMillis));
        Assert.All(hosts, h => Assert.Contains("kubernetes.io/hostname=", h.Labels));
    }

    [Fact]
    public async Task Pods_bound_to_a_node_count_as_its_requested_resources_and_leave_it_when_deleted()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");

        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod("web-1", "500m", "256Mi"), "default");
        var loaded = await cluster.EventuallyAsync(h => h[0].PodCount == 1, "the pod is counted");
        await cluster.Kubernetes.CoreV1.DeleteNamespacedPodAsync("web-1", "default");
        var emptied = await cluster.EventuallyAsync(h => h[0].PodCount == 0, "the pod is gone");

        Assert.Equal(500, loaded[0].CpuRequestedMillis);
        Assert.Equal(256L * 1024 * 1024, loaded[0].MemoryRequestedBytes);
        Assert.Equal(0, emptied[0].CpuRequestedMillis);
    }

    [Fact]
    public async Task Cordoning_through_the_gateway_reaches_the_inventory_through_the_watch()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 2);
        var hosts = await cluster.EventuallyAsync(h => h.Count == 2, "two hosts");

        var done = await cluster.Service<IClusterGateway>().SetUnschedulableAsync(cluster.ClusterId, hosts[0].Name, true, default);

        Assert.True(done.Succeeded, done.Problem?.Message);
        await cluster.EventuallyAsync(h => h.Single(x => x.Name == hosts[0].Name).Unschedulable, "the host is cordoned");
    }

    [Fact]
    public async Task A_watch_answered_410_Gone_starts_over_with_a_fresh_list_and_misses_nothing()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1, sandbox => sandbox.Faults.ExpireWatches = true);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host, from the list");

        await Eventually(() => cluster.Watch.Relists >= 2, "relists after 410");
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod("during-expiry", "100m", "64Mi"), "default");
        cluster.Sandbox.Faults.Reset();

        await cluster.EventuallyAsync(h => h[0].PodCount == 1 && h[0].CpuRequestedMillis == 100, "the pod created while watches expired");
    }

    [Fact]
    public async Task Dropped_watch_streams_resume_from_the_last_version_seen()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1, sandbox => sandbox.Faults.DropWatchAfterEvents = 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");
        var watchesBefore = cluster.Watch.WatchesStarted;

        for (var i = 0; i < 5; i++)
            await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod($"p-{i}", "100m", "64Mi"), "default");

        await cluster.EventuallyAsync(h => h[0].PodCount == 5 && h[0].CpuRequestedMillis == 500, "all five pods");
        Assert.True(cluster.Watch.WatchesStarted >= watchesBefore + 5, $"{cluster.Watch.WatchesStarted - watchesBefore} new watches: the streams were not dropped");
        Assert.Equal(0, cluster.Watch.Relists);
    }

    [Fact]
    public async Task Server_errors_and_throttling_are_retried_so_checks_still_succeed()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        cluster.Sandbox.Faults.ErrorRate = 0.4;
        cluster.Sandbox.Faults.ThrottleRate = 0.2;
        cluster.Sandbox.Faults.RetryAfterSeconds = 0;

        var outcomes = new List<bool>();
        for (var i = 0; i < 10; i++)
            outcomes.Add((await cluster.Service<IClusterGateway>().CheckAsync(cluster.ClusterId, default)).Succeeded);

        Assert.All(outcomes, Assert.True);
    }

    [Fact]
    public async Task Of_two_replicas_one_watches_a_cluster_and_the_other_takes_over_when_it_stops()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host, watched by the first replica");
        var second = cluster.StartReplica();
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.True(cluster.Watch.WatchesStarted > 0);
        Assert.Equal(0, second.Find(cluster.ClusterId)!.WatchesStarted);

        await cluster.Watcher.StopAsync(cluster.ClusterId);
        await Eventually(() => second.Find(cluster.ClusterId)!.WatchesStarted > 0, "the second replica to take over");
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod("after-takeover", "200m", "64Mi"), "default");
        await cluster.EventuallyAsync(h => h[0].CpuRequestedMillis == 200, "the pod, seen by the second replica");
    }

    private static V1Pod Pod(string name, string cpu, string memory) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "app", Image = "nginx:1.27",
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) },
                    },
                },
            ],
        },
    };

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}

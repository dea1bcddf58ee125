using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;
using Portal.Sandbox.Hosting;

namespace Portal.Infrastructure.Tests.Clusters;

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

        var done = await cluster
            .Service<IClusterGateway>()
            .SetUnschedulableAsync(cluster.ClusterId, hosts[0].Name, true, default);

        Assert.True(done.Succeeded, done.Problem?.Message);
        await cluster.EventuallyAsync(
            h => h.Single(x => x.Name == hosts[0].Name).Unschedulable,
            "the host is cordoned"
        );
    }

    [Fact]
    public async Task A_watch_answered_410_Gone_starts_over_with_a_fresh_list_and_misses_nothing()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1, sandbox =>
            sandbox.Faults.ExpireWatches = true
        );
        await cluster.EventuallyAsync(h => h.Count == 1, "one host, from the list");

        await Eventually(() => cluster.Watch.Relists >= 2, "relists after 410");
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod("during-expiry", "100m", "64Mi"), "default");
        cluster.Sandbox.Faults.Reset();

        await cluster.EventuallyAsync(
            h => h[0].PodCount == 1 && h[0].CpuRequestedMillis == 100,
            "the pod created while watches expired"
        );
    }

    [Fact]
    public async Task Dropped_watch_streams_resume_from_the_last_version_seen()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1, sandbox =>
            sandbox.Faults.DropWatchAfterEvents = 1
        );
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");
        var watchesBefore = cluster.Watch.WatchesStarted;

        for (var i = 0; i < 5; i++)
            await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod($"p-{i}", "100m", "64Mi"), "default");

        await cluster.EventuallyAsync(h => h[0].PodCount == 5 && h[0].CpuRequestedMillis == 500, "all five pods");
        Assert.True(
            cluster.Watch.WatchesStarted >= watchesBefore + 5,
            $"{cluster.Watch.WatchesStarted - watchesBefore} new watches: the streams were not dropped"
        );
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

    [Fact]
    public async Task A_kubeconfig_replaced_by_another_replica_moves_the_running_watch_to_the_new_one()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "the one host the first kubeconfig reaches");
        await using var moved = await SandboxCluster.StartAsync(
            new SandboxOptions { NodeCount = 2, PodStartDelay = TimeSpan.FromMilliseconds(50) }
        );

        // What another replica's "replace kubeconfig" writes; this replica's own clients and watch are not told.
        await using (var scope = cluster.Service<IServiceScopeFactory>().CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var row = await db.Clusters.SingleAsync(c => c.Id == cluster.ClusterId);
            row.ReplaceKubeconfig(
                "https://moved.example",
                scope.ServiceProvider.GetRequiredService<KubeconfigVault>().Protect(moved.Kubeconfig),
                null,
                DateTime.UtcNow
            );
            await db.SaveChangesAsync();
        }

        await cluster.EventuallyAsync(h => h.Count == 2, "the two hosts the replaced kubeconfig reaches");
    }

    [Fact]
    public async Task A_pod_watch_refused_with_401_restarts_the_whole_watch_and_new_pods_are_seen_again()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1, sandbox =>
            sandbox.Faults.RefuseCredentials(1, "/api/v1/pods")
        );
        await cluster.EventuallyAsync(h => h.Count == 1, "one host, from the node watch");

        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod("after-401", "300m", "64Mi"), "default");

        await cluster.EventuallyAsync(
            h => h[0].PodCount == 1 && h[0].CpuRequestedMillis == 300,
            "the pod, seen once the watch started over"
        );
    }

    [Fact]
    public async Task A_watch_that_keeps_failing_marks_its_cluster_degraded_with_the_reason_counts_restarts_and_clears_when_it_recovers()
    {
        using var restarts = new RestartCounter();
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1, sandbox =>
            sandbox.Faults.RefuseCredentials(3, "/api/v1/pods")
        );

        var degraded = await cluster.EventuallyClusterAsync(
            c => c.WatchFailingSince is not null,
            "the cluster to be marked degraded"
        );
        var recovered = await cluster.EventuallyClusterAsync(
            c => c.WatchFailingSince is null,
            "the mark to clear once the watch runs",
            seconds: 30
        );

        Assert.Equal("pod watch: 401 Unauthorized", degraded.WatchError);
        Assert.Null(recovered.WatchError);
        Assert.Equal(3, restarts.Of(cluster.ClusterId));
        await cluster.EventuallyAsync(h => h.Count == 1, "the host");
    }

    [Fact]
    public async Task A_flush_whose_database_fails_once_restarts_the_watch_and_status_moves_again()
    {
        var database = new RefusesHostSaves();
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1, services: services =>
            services.ConfigureDbContext<PortalDbContext>(options => options.AddInterceptors(database))
        );
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");

        database.RefuseNext();
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod("during-outage", "200m", "64Mi"), "default");
        await Eventually(() => database.Refused, "the flush to meet the failing database");
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Pod("after-outage", "100m", "64Mi"), "default");

        await cluster.EventuallyAsync(
            h => h[0].PodCount == 2 && h[0].CpuRequestedMillis == 300,
            "both pods, written once the watch started over"
        );
    }

    [Fact]
    public async Task A_replica_whose_watch_keeps_failing_hands_the_cluster_over_to_another()
    {
        using var restarts = new RestartCounter();
        var broken = new RefusesHostSaves();
        broken.RefuseAlways();
        await using var cluster = await WatchedCluster.StartAsync(
            nodes: 1,
            services: services =>
                services.ConfigureDbContext<PortalDbContext>(options => options.AddInterceptors(broken)),
            settings: new Dictionary<string, string?>
            {
                ["Portal:Clusters:HandOverAfterFailures"] = "2",
                // Long enough that the lease does not lapse under a busy machine: the second replica gets it only if it
                // is handed over.
                ["Portal:Clusters:LeaseDuration"] = "00:00:03",
            }
        );
        await Eventually(() => cluster.Watch.WatchesStarted > 0, "the first replica to watch");

        var second = cluster.StartReplica(services: _ => { });

        await cluster.EventuallyAsync(
            h => h.Count == 1,
            "the host, written by the replica that took over",
            seconds: 30
        );
        Assert.True(second.Find(cluster.ClusterId)!.WatchesStarted > 0);
        Assert.True(restarts.Of(cluster.ClusterId) >= 2);
    }

    /// <summary>Reads the watch's restart counter as a metrics exporter would, per cluster.</summary>
    private sealed class RestartCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _restarts = new();

        public RestartCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "portal.cluster_watch.restarts")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>(
                (_, value, tags, _) =>
                {
                    foreach (var tag in tags)
                    {
                        if (tag.Key == "cluster.id" && tag.Value is string cluster)
                            _restarts.AddOrUpdate(cluster, value, (_, sum) => sum + value);
                    }
                }
            );
            _listener.Start();
        }

        public long Of(Guid clusterId) => _restarts.GetValueOrDefault(clusterId.ToString());

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>
    /// A database that refuses saves of hosts when asked, once or always: a flush meeting a failover or a lost
    /// connection.
    /// </summary>
    private sealed class RefusesHostSaves : SaveChangesInterceptor
    {
        private int _armed;
        private int _refused;
        private bool _always;

        public bool Refused => Volatile.Read(ref _refused) == 1;

        public void RefuseNext() => Volatile.Write(ref _armed, 1);

        public void RefuseAlways() => _always = true;

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData,
            InterceptionResult<int> result,
            CancellationToken cancellationToken = default
        )
        {
            if (
                eventData.Context!.ChangeTracker.Entries<ClusterHost>().Any()
                && (_always || Interlocked.Exchange(ref _armed, 0) == 1)
            )
            {
                Volatile.Write(ref _refused, 1);
                throw new DbUpdateException("The database connection was lost (a test double).");
            }
            return base.SavingChangesAsync(eventData, result, cancellationToken);
        }
    }

    private static V1Pod Pod(string name, string cpu, string memory) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "app",
                        Image = "nginx:1.27",
                        Resources = new V1ResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity>
                            {
                                ["cpu"] = new(cpu),
                                ["memory"] = new(memory),
                            },
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

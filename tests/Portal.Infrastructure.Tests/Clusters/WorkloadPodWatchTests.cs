using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tests.Clusters;

/// <summary>
/// The managed pods (<see cref="WorkloadPod"/>) the cluster watch keeps, against the sandbox over HTTP.
/// </summary>
public sealed class WorkloadPodWatchTests
{
    [Fact]
    public async Task The_watch_keeps_the_status_of_managed_pods_and_of_no_other_pod()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");

        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(
            Managed("web-7d9c-x2k4q", "web", "nginx:1.27", revision: 3),
            "default"
        );
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(Unmanaged("other-1"), "default");
        var pods = await EventuallyAsync(
            cluster,
            p => p.Any(x => x.Name == "web-7d9c-x2k4q" && x.Ready),
            "the managed pod to be ready"
        );
        await Eventually(() => cluster.Watch.PodCount >= 2, "the watch to see both pods");
        await cluster.Watch.FlushAsync(default);

        var pod = Assert.Single(await PodsAsync(cluster));
        Assert.Equal("web-7d9c-x2k4q", pod.Name);
        Assert.Equal("default", pod.Namespace);
        Assert.Equal("web", pod.App);
        Assert.Equal(3, pod.Revision);
        Assert.Equal("Running", pod.Phase);
        Assert.Equal(0, pod.Restarts);
        Assert.Null(pod.Reason);
        Assert.Equal("app,sidecar", pod.Containers);
        Assert.False(string.IsNullOrEmpty(pod.Node));
        Assert.False(string.IsNullOrEmpty(pod.PodIp));
        Assert.Equal(1, cluster.Watch.ManagedPodCount);
        Assert.Single(pods);
    }

    [Fact]
    public async Task A_crash_looping_pod_is_kept_with_CrashLoopBackOff_its_restarts_and_how_it_last_ended()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");

        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(
            Managed("api-5f6d-crash", "api", "registry.example/crashloop:1.0", revision: 1),
            "default"
        );

        var pods = await EventuallyAsync(
            cluster,
            p => p.Any(x => x.Reason == "CrashLoopBackOff"),
            "the pod to crash-loop"
        );
        var pod = Assert.Single(pods);
        Assert.False(pod.Ready);
        Assert.True(pod.Restarts >= 1, $"{pod.Restarts} restarts");
        Assert.Contains("exit code 1", pod.Message);
    }

    [Fact]
    public async Task A_pod_that_cannot_be_scheduled_says_why()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");

        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(
            Managed("big-1", "big", "nginx:1.27", revision: 1, cpu: "64"),
            "default"
        );

        var pod = Assert.Single(
            await EventuallyAsync(cluster, p => p.Any(x => x.Reason == "Unschedulable"), "the pod to be unschedulable")
        );
        Assert.Equal("Pending", pod.Phase);
        Assert.Contains("0/1 nodes are available", pod.Message);
    }

    [Fact]
    public async Task A_deleted_managed_pod_leaves_the_table()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(
            Managed("gone-1", "gone", "nginx:1.27", revision: 1),
            "default"
        );
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(
            Managed("kept-1", "kept", "nginx:1.27", revision: 1),
            "default"
        );
        await EventuallyAsync(cluster, p => p.Count == 2, "both pods");

        await cluster.Kubernetes.CoreV1.DeleteNamespacedPodAsync("gone-1", "default");

        var left = await EventuallyAsync(cluster, p => p.Count == 1, "the deleted pod to leave");
        Assert.Equal("kept-1", left[0].Name);
        Assert.Equal(1, cluster.Watch.ManagedPodCount);
    }

    [Fact]
    public async Task Rows_of_pods_that_went_while_nobody_watched_are_removed_by_the_next_fresh_list()
    {
        // Every watch is answered 410 Gone, so the watch lists afresh again and again.
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1, sandbox =>
            sandbox.Faults.ExpireWatches = true
        );
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(
            Managed("live-1", "live", "nginx:1.27", revision: 1),
            "default"
        );
        await EventuallyAsync(cluster, p => p.Count == 1, "the live pod");
        var relistsBefore = cluster.Watch.Relists;
        await using (var scope = cluster.Service<IServiceScopeFactory>().CreateAsyncScope())
        {
            // As another replica, or this one before a restart, would have left it.
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var stale = new WorkloadPod(cluster.ClusterId, "default", "stale-1");
            stale.Observe(
                new PodStatusReading(
                    "default",
                    "stale-1",
                    "stale",
                    1,
                    "Running",
                    true,
                    0,
                    null,
                    null,
                    "node",
                    "10.0.0.1",
                    "app",
                    DateTime.UtcNow
                ),
                DateTime.UtcNow
            );
            db.WorkloadPods.Add(stale);
            await db.SaveChangesAsync();
        }

        var left = await EventuallyAsync(cluster, p => p.All(x => x.Name != "stale-1"), "the stale row to go");
        Assert.True(cluster.Watch.Relists > relistsBefore);
        Assert.Equal("live-1", Assert.Single(left).Name);
    }

    [Fact]
    public async Task Metrics_sampling_gives_each_managed_pod_its_usage()
    {
        await using var cluster = await WatchedCluster.StartAsync(nodes: 1);
        await cluster.EventuallyAsync(h => h.Count == 1, "one host");
        await cluster.Kubernetes.CoreV1.CreateNamespacedPodAsync(
            Managed("used-1", "used", "nginx:1.27", revision: 1),
            "default"
        );
        await EventuallyAsync(cluster, p => p.Any(x => x.Ready), "the pod to be ready");

        await using (var scope = cluster.Service<IServiceScopeFactory>().CreateAsyncScope())
            await scope
                .ServiceProvider.GetRequiredService<Portal.Infrastructure.Monitoring.MetricsSampler>()
                .SampleAsync(default);

        var pod = Assert.Single(await PodsAsync(cluster));
        Assert.True(pod.CpuUsageMillis > 0, $"CPU usage {pod.CpuUsageMillis}");
        Assert.True(pod.MemoryUsageBytes > 0, $"memory usage {pod.MemoryUsageBytes}");
    }

    private static V1Pod Managed(string name, string app, string image, int revision, string cpu = "100m") =>
        new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string>
                {
                    ["app.kubernetes.io/name"] = app,
                    ["app.kubernetes.io/instance"] = $"{app}-dev",
                    ["app.kubernetes.io/managed-by"] = "portal",
                },
                Annotations = new Dictionary<string, string>
                {
                    ["portal/revision"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
            Spec = new V1PodSpec
            {
                Containers = [Container("app", image, cpu), Container("sidecar", "busybox:1.36", "10m")],
            },
        };

    private static V1Pod Unmanaged(string name) =>
        new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "other" },
            },
            Spec = new V1PodSpec { Containers = [Container("app", "nginx:1.27", "100m")] },
        };

    private static V1Container Container(string name, string image, string cpu) =>
        new()
        {
            Name = name,
            Image = image,
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new("64Mi") },
            },
        };

    private static async Task<List<WorkloadPod>> PodsAsync(WatchedCluster cluster)
    {
        await using var scope = cluster.Service<IServiceScopeFactory>().CreateAsyncScope();
        return await scope
            .ServiceProvider.GetRequiredService<PortalDbContext>()
            .WorkloadPods.AsNoTracking()
            .Where(p => p.ClusterId == cluster.ClusterId)
            .OrderBy(p => p.Name)
            .ToListAsync();
    }

    private static async Task<List<WorkloadPod>> EventuallyAsync(
        WatchedCluster cluster,
        Func<List<WorkloadPod>, bool> condition,
        string what
    )
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var pods = await PodsAsync(cluster);
            if (condition(pods))
                return pods;
            if (DateTime.UtcNow > deadline)
                Assert.Fail(
                    $"Timed out waiting for {what}; pods: "
                        + $"{string.Join(", ", pods.Select(p => $"{p.Name}({p.Phase}, {p.Reason})"))}"
                );
            await Task.Delay(50);
        }
    }

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

using k8s;
using k8s.Models;
using Portal.Infrastructure.Monitoring.Sources;
using Portal.Sandbox.Hosting;
using Portal.Sandbox.Metrics;

namespace Portal.Infrastructure.Tests.Monitoring.Sources;

/// <summary>Usage read from metrics.k8s.io, against the sandbox cluster over HTTP.</summary>
public sealed class MetricsServerSourceTests
{
    private const long Mi = 1L << 20;

    [Fact]
    public async Task Every_node_and_every_running_pod_is_read_with_its_containers_summed()
    {
        await using var sandbox = await SandboxCluster.StartAsync(
            new SandboxOptions { NodeCount = 2, PodStartDelay = TimeSpan.FromMilliseconds(50) }
        );
        await using var database = await SourcesDatabase.CreateAsync();
        var cluster = await database.AddClusterAsync(sandbox.Kubeconfig);
        using var kubernetes = new Kubernetes(
            KubernetesClientConfiguration.BuildConfigFromConfigFile(
                new MemoryStream(System.Text.Encoding.UTF8.GetBytes(sandbox.Kubeconfig))
            )
        );
        // 40 % of 500m and of 100m requested: the sandbox reports 200m and 40m.
        await kubernetes.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "web-1",
                    Annotations = new Dictionary<string, string> { [UsageModel.CpuUtilizationAnnotation] = "40" },
                },
                Spec = new V1PodSpec
                {
                    Containers = [Container("app", "500m", "256Mi"), Container("sidecar", "100m", "64Mi")],
                },
            },
            "default"
        );
        var source = new MetricsServerSource(database.Service<Portal.Infrastructure.Clusters.KubernetesClients>());

        await EventuallyAsync(
            () => source.ReadAsync(cluster, default),
            r => r.Pods.Any(p => p.Pod == "web-1"),
            "the pod runs"
        );
        // Read again: the pod may have started between the nodes' reading and the pods' one.
        var reading = await source.ReadAsync(cluster, default);

        var nodes = (await kubernetes.CoreV1.ListNodeAsync()).Items.Select(n => n.Metadata.Name).Order().ToList();
        Assert.Equal(nodes, reading.Nodes.Select(n => n.Node).Order().ToList());
        var pod = reading.Pods.Single(p => p.Pod == "web-1");
        Assert.Equal("default", pod.Namespace);
        Assert.Equal(240, pod.CpuMillis);
        // Memory drifts between 45 % and 65 % of what each container requests.
        Assert.InRange(pod.MemoryBytes, 320 * Mi * 45 / 100, 320 * Mi * 65 / 100);
        var hostOfPod = (await kubernetes.CoreV1.ReadNamespacedPodAsync("web-1", "default")).Spec.NodeName;
        Assert.Equal(150 + 240, reading.Nodes.Single(n => n.Node == hostOfPod).CpuMillis);
        Assert.All(reading.Nodes, n => Assert.True(n.MemoryBytes >= 1L << 30, $"{n.Node} uses {n.MemoryBytes} bytes"));
    }

    private static V1Container Container(string name, string cpu, string memory) =>
        new()
        {
            Name = name,
            Image = "nginx:1.27",
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) },
            },
        };

    private static async Task<UsageReading> EventuallyAsync(
        Func<Task<UsageReading>> read,
        Func<UsageReading, bool> condition,
        string what
    )
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var reading = await read();
            if (condition(reading))
                return reading;
            if (DateTime.UtcNow > deadline)
                Assert.Fail(
                    $"Timed out waiting until {what}; pods read: "
                        + $"{string.Join(", ", reading.Pods.Select(p => $"{p.Namespace}/{p.Pod}"))}"
                );
            await Task.Delay(50);
        }
    }
}

using k8s;
using k8s.Models;
using Portal.Sandbox.Hosting;

namespace Portal.Sandbox.Tests;

/// <summary>Starts an in-process sandbox with short delays and hands out a KubernetesClient bound to it.</summary>
public sealed class SandboxTestCluster : IAsyncLifetime
{
    public SandboxCluster Cluster { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public static SandboxOptions FastOptions() =>
        new()
        {
            NodeCount = 3,
            NodeCpu = "4",
            NodeMemory = "8Gi",
            PodStartDelay = TimeSpan.FromMilliseconds(50),
            CrashLoopRestartInterval = TimeSpan.FromMilliseconds(100),
            JobPodDuration = TimeSpan.FromMilliseconds(100),
            HpaSyncInterval = TimeSpan.FromMilliseconds(100),
            LogLineInterval = TimeSpan.FromMilliseconds(50),
            BookmarkInterval = TimeSpan.FromMilliseconds(200),
        };

    public async Task InitializeAsync()
    {
        Cluster = await SandboxCluster.StartAsync(FastOptions());
        Client = ClientFor(Cluster.Kubeconfig);
    }

    public static Kubernetes ClientFor(string kubeconfig)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(kubeconfig));
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Cluster.DisposeAsync();
    }

    public async Task<string> NewNamespaceAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..10];
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }
}

public static class Eventually
{
    /// <summary>Polls until the condition holds, failing with the last observed state after the deadline.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T last;
        do
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(25);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException(
            $"condition not met in {seconds}s; last state: {k8s.KubernetesJson.Serialize(last)}"
        );
    }
}

public static class Build
{
    public static V1Pod Pod(
        string name,
        string image = "nginx:1.27",
        string? cpu = null,
        IDictionary<string, string>? labels = null
    ) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "app",
                        Image = image,
                        Resources = cpu is null
                            ? null
                            : new V1ResourceRequirements
                            {
                                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) },
                            },
                    },
                ],
            },
        };

    public static V1Deployment Deployment(
        string name,
        int replicas,
        string image = "nginx:1.27",
        string cpu = "100m"
    ) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "app",
                                Image = image,
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) },
                                },
                            },
                        ],
                    },
                },
            },
        };
}

using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Sandbox.Tests.Simulation;

/// <summary>
/// Where pods may go: node selectors, taints and tolerations as kube-scheduler judges them, and the PodNodeSelector
/// admission plugin's namespace annotation. Each test taints or labels its own node and puts it back, since the
/// cluster is shared by the class.
/// </summary>
public sealed class SchedulingTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private const string Hostname = "kubernetes.io/hostname";
    private Kubernetes Client => sandbox.Client;

    [Fact]
    public async Task A_pod_that_does_not_tolerate_a_nodes_taint_stays_pending_and_the_scheduler_names_the_taint()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await using var tainted = await TaintAsync(
            "sandbox-node-01",
            new V1Taint
            {
                Effect = "NoSchedule",
                Key = "portal/pool",
                Value = "gpu",
            }
        );

        await Client.CoreV1.CreateNamespacedPodAsync(Pinned(Build.Pod("plain"), "sandbox-node-01"), ns);

        var pod = await UnschedulableAsync(ns, "plain");
        Assert.StartsWith(
            "0/3 nodes are available: 1 node(s) had untolerated taint {portal/pool: "
                + "gpu}, 2 node(s) didn't match Pod's node affinity/selector.",
            pod.Status.Conditions.Single(c => c.Type == "PodScheduled").Message
        );
        var events = await Eventually.Until(
            () => Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=plain"),
            l => l.Items.Any(e => e.Reason == "FailedScheduling")
        );
        Assert.Contains(
            "1 node(s) had untolerated taint {portal/pool: gpu}",
            events.Items.First(e => e.Reason == "FailedScheduling").Message
        );
    }

    [Fact]
    public async Task A_NoExecute_taint_keeps_new_pods_off_too_but_PreferNoSchedule_does_not()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await using var noExecute = await TaintAsync(
            "sandbox-node-02",
            new V1Taint
            {
                Effect = "NoExecute",
                Key = "dedicated",
                Value = "db",
            }
        );
        await using var prefer = await TaintAsync(
            "sandbox-node-03",
            new V1Taint
            {
                Effect = "PreferNoSchedule",
                Key = "dedicated",
                Value = "batch",
            }
        );

        await Client.CoreV1.CreateNamespacedPodAsync(Pinned(Build.Pod("evicted"), "sandbox-node-02"), ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Pinned(Build.Pod("preferred"), "sandbox-node-03"), ns);

        var refused = await UnschedulableAsync(ns, "evicted");
        Assert.Contains(
            "1 node(s) had untolerated taint {dedicated: db}",
            refused.Status.Conditions.Single(c => c.Type == "PodScheduled").Message
        );
        Assert.Equal("sandbox-node-03", (await ScheduledAsync(ns, "preferred")).Spec.NodeName);
    }

    [Fact]
    public async Task A_pod_that_tolerates_the_taint_lands_on_the_tainted_node()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await using var tainted = await TaintAsync(
            "sandbox-node-01",
            new V1Taint
            {
                Effect = "NoSchedule",
                Key = "portal/pool",
                Value = "gpu",
            }
        );
        var equal = Pinned(Build.Pod("equal"), "sandbox-node-01");
        equal.Spec.Tolerations =
        [
            new V1Toleration
            {
                Key = "portal/pool",
                OperatorProperty = "Equal",
                Value = "gpu",
            },
        ];
        var exists = Pinned(Build.Pod("exists"), "sandbox-node-01");
        exists.Spec.Tolerations =
        [
            new V1Toleration
            {
                Key = "portal/pool",
                OperatorProperty = "Exists",
                Effect = "NoSchedule",
            },
        ];
        var wrongValue = Pinned(Build.Pod("wrong-value"), "sandbox-node-01");
        wrongValue.Spec.Tolerations =
        [
            new V1Toleration
            {
                Key = "portal/pool",
                OperatorProperty = "Equal",
                Value = "db",
            },
        ];
        var wrongEffect = Pinned(Build.Pod("wrong-effect"), "sandbox-node-01");
        wrongEffect.Spec.Tolerations =
        [
            new V1Toleration
            {
                Key = "portal/pool",
                OperatorProperty = "Exists",
                Effect = "NoExecute",
            },
        ];

        foreach (var pod in new[] { equal, exists, wrongValue, wrongEffect })
            await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        Assert.Equal("sandbox-node-01", (await ScheduledAsync(ns, "equal")).Spec.NodeName);
        Assert.Equal("sandbox-node-01", (await ScheduledAsync(ns, "exists")).Spec.NodeName);
        await UnschedulableAsync(ns, "wrong-value");
        await UnschedulableAsync(ns, "wrong-effect");
    }

    [Fact]
    public async Task A_namespace_node_selector_is_merged_into_its_pods_as_PodNodeSelector_does()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await AnnotateAsync(ns, $"{Hostname}=sandbox-node-02");

        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("handmade"), ns);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Build.Deployment("web", 2), ns);

        var pod = await ScheduledAsync(ns, "handmade");
        Assert.Equal("sandbox-node-02", pod.Spec.NodeName);
        Assert.Equal("sandbox-node-02", pod.Spec.NodeSelector[Hostname]);
        var web = await Eventually.Until(
            () => Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=web"),
            l => l.Items.Count == 2 && l.Items.All(p => p.Spec.NodeName is not null)
        );
        Assert.All(web.Items, p => Assert.Equal("sandbox-node-02", p.Spec.NodeName));
    }

    [Fact]
    public async Task A_pod_whose_selector_conflicts_with_its_namespaces_is_refused()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await AnnotateAsync(ns, $"{Hostname}=sandbox-node-02");

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.CreateNamespacedPodAsync(Pinned(Build.Pod("escape"), "sandbox-node-01"), ns)
        );

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Contains(
            "pods \\\"escape\\\" is forbidden: pod node label selector conflicts "
                + "with its namespace node label selector",
            refused.Response.Content
        );
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
    }

    private static V1Pod Pinned(V1Pod pod, string node)
    {
        pod.Spec.NodeSelector = new Dictionary<string, string> { [Hostname] = node };
        return pod;
    }

    private Task AnnotateAsync(string ns, string selector) =>
        Client.CoreV1.PatchNamespaceAsync(
            new V1Patch(
                KubernetesJson.Serialize(
                    new V1Namespace
                    {
                        Metadata = new V1ObjectMeta
                        {
                            Annotations = new Dictionary<string, string>
                            {
                                ["scheduler.alpha.kubernetes.io/node-selector"] = selector,
                            },
                        },
                    }
                ),
                V1Patch.PatchType.MergePatch
            ),
            ns
        );

    private Task<V1Pod> ScheduledAsync(string ns, string name) =>
        Eventually.Until(() => Client.CoreV1.ReadNamespacedPodAsync(name, ns), p => p.Spec.NodeName is not null);

    private Task<V1Pod> UnschedulableAsync(string ns, string name) =>
        Eventually.Until(
            () => Client.CoreV1.ReadNamespacedPodAsync(name, ns),
            p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true
        );

    /// <summary>Adds the taint to the node, and takes it off again when disposed.</summary>
    private async Task<IAsyncDisposable> TaintAsync(string node, V1Taint taint)
    {
        var current = await Client.CoreV1.ReadNodeAsync(node);
        await SetTaintsAsync(Client, node, [.. current.Spec.Taints ?? [], taint]);
        return new Untaint(Client, node, taint.Key);
    }

    private static Task SetTaintsAsync(Kubernetes client, string node, IList<V1Taint> taints) =>
        client.CoreV1.PatchNodeAsync(
            new V1Patch(
                KubernetesJson.Serialize(new V1Node { Spec = new V1NodeSpec { Taints = taints } }),
                V1Patch.PatchType.MergePatch
            ),
            node
        );

    private sealed class Untaint(Kubernetes client, string node, string key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            var current = await client.CoreV1.ReadNodeAsync(node);
            await SetTaintsAsync(client, node, current.Spec.Taints?.Where(t => t.Key != key).ToList() ?? []);
        }
    }
}

using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Sandbox.Tests.Simulation;

/// <summary>
/// PodDisruptionBudgets kept by the disruption controller, the eviction subresource that honours them, and the pod
/// garbage collector that clears a deleted node's pods.
/// </summary>
public sealed class DisruptionTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private Kubernetes Client => sandbox.Client;

    [Fact]
    public async Task A_budget_reports_its_healthy_desired_and_expected_pods_and_the_disruptions_it_allows()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await RunningDeploymentAsync(ns, "web", 4);

        await Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("web", maxUnavailable: "25%"), ns);

        var budget = await Eventually.Until(
            () => Client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("web", ns),
            b => b.Status?.ObservedGeneration == 1
        );
        Assert.Equal(4, budget.Status.CurrentHealthy);
        Assert.Equal(3, budget.Status.DesiredHealthy);
        Assert.Equal(4, budget.Status.ExpectedPods);
        Assert.Equal(1, budget.Status.DisruptionsAllowed);
        Assert.Equal("True", budget.Status.Conditions.Single(c => c.Type == "DisruptionAllowed").Status);
    }

    [Fact]
    public async Task An_eviction_the_budget_allows_deletes_the_pod_and_its_ReplicaSet_replaces_it()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var pods = await RunningDeploymentAsync(ns, "api", 2);
        await Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("api", minAvailable: 1), ns);
        await Eventually.Until(
            () => Client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("api", ns),
            b => b.Status?.DisruptionsAllowed == 1
        );
        var victim = pods[0].Metadata.Name;

        using var http = new HttpClient(
            new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }
        )
        {
            BaseAddress = sandbox.Cluster.BaseAddress,
        };
        http.DefaultRequestHeaders.Authorization = new("Bearer", sandbox.Cluster.Token);
        var response = await http.PostAsync(
            $"/api/v1/namespaces/{ns}/pods/{victim}/eviction",
            new StringContent(KubernetesJson.Serialize(Eviction(victim, ns)), Encoding.UTF8, "application/json")
        );

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(await response.Content.ReadAsStringAsync());
        Assert.Equal("Success", status.Status);
        await Eventually.Until(
            () => Client.CoreV1.ListNamespacedPodAsync(ns),
            l => l.Items.Count(p => p.Status.Phase == "Running") == 2 && l.Items.All(p => p.Metadata.Name != victim)
        );
    }

    [Fact]
    public async Task An_eviction_that_would_break_the_budget_is_refused_with_429_and_the_budgets_words()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var pods = await RunningDeploymentAsync(ns, "db", 2);
        await Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("db", minAvailable: 2), ns);
        await Eventually.Until(
            () => Client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("db", ns),
            b => b.Status?.CurrentHealthy == 2
        );
        var victim = pods[0].Metadata.Name;

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(victim, ns), victim, ns)
        );

        Assert.Equal((HttpStatusCode)429, refused.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
        Assert.Equal("TooManyRequests", status.Reason);
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", status.Message);
        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal("DisruptionBudget", cause.Reason);
        Assert.Equal("The disruption budget db needs 2 healthy pods and has 2 currently", cause.Message);
        Assert.NotNull(await Client.CoreV1.ReadNamespacedPodAsync(victim, ns));
    }

    [Fact]
    public async Task Deleting_a_node_deletes_the_pods_bound_to_it_and_their_ReplicaSet_creates_them_elsewhere()
    {
        await using var cluster = await Portal.Sandbox.Hosting.SandboxCluster.StartAsync(
            SandboxTestCluster.FastOptions()
        );
        using var client = SandboxTestCluster.ClientFor(cluster.Kubeconfig);
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "gc" } });
        await client.AppsV1.CreateNamespacedDeploymentAsync(Build.Deployment("spread", 6), "gc");
        var before = await Eventually.Until(
            () => client.CoreV1.ListNamespacedPodAsync("gc"),
            l => l.Items.Count(p => p.Status.Phase == "Running") == 6
        );
        var doomed = before.Items.First().Spec.NodeName;
        var onDoomed = before.Items.Where(p => p.Spec.NodeName == doomed).Select(p => p.Metadata.Name).ToList();

        await client.CoreV1.DeleteNodeAsync(doomed);

        var after = await Eventually.Until(
            () => client.CoreV1.ListNamespacedPodAsync("gc"),
            l => l.Items.Count(p => p.Status.Phase == "Running") == 6 && l.Items.All(p => p.Spec.NodeName != doomed)
        );
        Assert.DoesNotContain(after.Items, p => onDoomed.Contains(p.Metadata.Name));
    }

    private async Task<IList<V1Pod>> RunningDeploymentAsync(string ns, string name, int replicas)
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Build.Deployment(name, replicas), ns);
        var pods = await Eventually.Until(
            () => Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=" + name),
            l =>
                l.Items.Count(p => p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                == replicas
        );
        return pods.Items;
    }

    private static V1PodDisruptionBudget Budget(string app, int? minAvailable = null, string? maxUnavailable = null) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = app },
            Spec = new V1PodDisruptionBudgetSpec
            {
                MinAvailable = minAvailable is { } min ? (IntOrString)min : null,
                MaxUnavailable = maxUnavailable is { } max ? (IntOrString)max : null,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } },
            },
        };

    private static V1Eviction Eviction(string pod, string ns) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = pod, NamespaceProperty = ns },
        };
}

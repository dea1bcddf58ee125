using System.Diagnostics;
using k8s;

namespace Portal.Sandbox.Tests.Api;

/// <summary>
/// Real kubectl against a started sandbox, with no flags to work around it: generator commands send protobuf bodies,
/// apply reads OpenAPI v3, drain evicts through the eviction subresource.
/// </summary>
public sealed class KubectlSmokeTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    /// <summary>kubectl as found on PATH; null when it is not installed.</summary>
    private static readonly string? Kubectl = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, "kubectl"))
        .FirstOrDefault(File.Exists);

    [SkippableFact]
    public async Task Kubectl_gets_nodes_and_pods_and_describes_a_pod()
    {
        RequireKubectl();
        var ns = await sandbox.NewNamespaceAsync();
        await sandbox.Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("web-1"), ns);
        await Eventually.Until(
            () => sandbox.Client.CoreV1.ReadNamespacedPodAsync("web-1", ns),
            p => p.Status?.Phase == "Running"
        );
        await using var kubeconfig = await KubeconfigFile.WriteAsync(sandbox.Cluster.Kubeconfig);

        var listing = await RunAsync(kubeconfig.Path, "get", "nodes,pods", "-A");
        var description = await RunAsync(kubeconfig.Path, "describe", "pod", "web-1", "-n", ns);
        var namespaces = await RunAsync(kubeconfig.Path, "get", "ns");

        Assert.Contains("node/sandbox-node-01   Ready", listing);
        Assert.Matches($"{ns}\\s+pod/web-1\\s+1/1\\s+Running", listing);
        Assert.Contains("Status:           Running", description);
        Assert.Contains("Successfully assigned", description);
        Assert.Contains(ns, namespaces);
    }

    [SkippableFact]
    public async Task Kubectl_create_sends_protobuf_bodies_that_the_sandbox_reads()
    {
        RequireKubectl();
        var ns = "k-" + Guid.NewGuid().ToString("N")[..8];
        await using var kubeconfig = await KubeconfigFile.WriteAsync(sandbox.Cluster.Kubeconfig);

        await RunAsync(kubeconfig.Path, "create", "namespace", ns);
        await RunAsync(kubeconfig.Path, "create", "deployment", "x", "--image=nginx", "--replicas=2", "-n", ns);
        await RunAsync(kubeconfig.Path, "create", "secret", "generic", "creds", "--from-literal=user=admin", "-n", ns);

        var deployment = await sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("x", ns);
        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal("nginx", deployment.Spec.Template.Spec.Containers.Single().Image);
        Assert.Equal("x", deployment.Spec.Selector.MatchLabels["app"]);
        var secret = await sandbox.Client.CoreV1.ReadNamespacedSecretAsync("creds", ns);
        Assert.Equal("admin", System.Text.Encoding.UTF8.GetString(secret.Data["user"]));
        await Eventually.Until(
            () => sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("x", ns),
            d => d.Status?.ReadyReplicas == 2
        );
    }

    [SkippableFact]
    public async Task Kubectl_apply_creates_and_then_patches_a_deployment_with_validation_left_on()
    {
        RequireKubectl();
        var ns = await sandbox.NewNamespaceAsync();
        await using var kubeconfig = await KubeconfigFile.WriteAsync(sandbox.Cluster.Kubeconfig);
        var manifest = Path.Combine(Path.GetTempPath(), $"deployment-{Guid.NewGuid():N}.yaml");
        try
        {
            await File.WriteAllTextAsync(manifest, DeploymentManifest(replicas: 2));
            var created = await RunAsync(kubeconfig.Path, "apply", "-n", ns, "-f", manifest);
            await File.WriteAllTextAsync(manifest, DeploymentManifest(replicas: 3));
            var configured = await RunAsync(kubeconfig.Path, "apply", "-n", ns, "-f", manifest);

            Assert.Contains("deployment.apps/web created", created);
            Assert.Contains("deployment.apps/web configured", configured);
            var deployment = await sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
            Assert.Equal(3, deployment.Spec.Replicas);
        }
        finally
        {
            File.Delete(manifest);
        }
    }

    [SkippableFact]
    public async Task Kubectl_drain_retries_while_a_budget_blocks_it_and_drains_once_the_budget_allows()
    {
        RequireKubectl();
        await using var cluster = await Portal.Sandbox.Hosting.SandboxCluster.StartAsync(
            SandboxTestCluster.FastOptions()
        );
        using var client = SandboxTestCluster.ClientFor(cluster.Kubeconfig);
        await using var kubeconfig = await KubeconfigFile.WriteAsync(cluster.Kubeconfig);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Build.Deployment("web", 3), "default");
        var pods = await Eventually.Until(
            () => client.CoreV1.ListNamespacedPodAsync("default"),
            l => l.Items.Count(p => p.Status.Phase == "Running") == 3
        );
        var node = pods.Items.First().Spec.NodeName;
        await RunAsync(kubeconfig.Path, "create", "pdb", "web", "--selector=app=web", "--min-available=3");
        await Eventually.Until(
            () => client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("web", "default"),
            b => b.Status?.CurrentHealthy == 3
        );

        var blocked = await RunWithExitAsync(kubeconfig.Path, Drain(node, timeout: "7s"));
        await RunAsync(kubeconfig.Path, "patch", "pdb", "web", "--type=merge", "-p", """{"spec":{"minAvailable":2}}""");
        await Eventually.Until(
            () => client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("web", "default"),
            b => b.Status?.DisruptionsAllowed >= 1
        );
        var drained = await RunAsync(kubeconfig.Path, Drain(node, timeout: "30s"));

        Assert.NotEqual(0, blocked.ExitCode);
        Assert.Contains("Cannot evict pod as it would violate the pod's disruption budget.", blocked.Error);
        Assert.Contains("(will retry after 5s)", blocked.Error);
        Assert.Contains($"node/{node} drained", drained);
        var left = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "spec.nodeName=" + node);
        Assert.Empty(left.Items);
    }

    private static string[] Drain(string node, string timeout) =>
        ["drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=" + timeout];

    private static string DeploymentManifest(int replicas) =>
        $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: {replicas}
              selector:
                matchLabels: {"{app: web}"}
              template:
                metadata:
                  labels: {"{app: web}"}
                spec:
                  containers:
                    - name: app
                      image: nginx:1.27
            """;

    private static void RequireKubectl()
    {
        var present = Kubectl is not null;
        if (!present && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail("kubectl is required on PATH in CI");
        }
        Skip.IfNot(present, "kubectl is not installed");
    }

    private static async Task<string> RunAsync(string kubeconfig, params string[] args)
    {
        var result = await RunWithExitAsync(kubeconfig, args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {result.Error}");
        return result.Output;
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunWithExitAsync(
        string kubeconfig,
        params string[] args
    )
    {
        var start = new ProcessStartInfo(Kubectl!) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private sealed class KubeconfigFile : IAsyncDisposable
    {
        private KubeconfigFile(string path) => Path = path;

        public string Path { get; }

        public static async Task<KubeconfigFile> WriteAsync(string kubeconfig)
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sandbox-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(path, kubeconfig);
            return new KubeconfigFile(path);
        }

        public ValueTask DisposeAsync()
        {
            File.Delete(Path);
            return ValueTask.CompletedTask;
        }
    }
}

using System.Diagnostics;
using k8s;

namespace Portal.Sandbox.Tests.Api;

public sealed class KubectlSmokeTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private const string Kubectl = "/usr/bin/kubectl";

    [SkippableFact]
    public async Task Kubectl_gets_nodes_and_pods_and_describes_a_pod()
    {
        var present = File.Exists(Kubectl);
        if (!present && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"{Kubectl} is required in CI");
        }
        Skip.IfNot(present, "kubectl is not installed");
        var ns = await sandbox.NewNamespaceAsync();
        await sandbox.Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("web-1"), ns);
        await Eventually.Until(
            () => sandbox.Client.CoreV1.ReadNamespacedPodAsync("web-1", ns),
            p => p.Status?.Phase == "Running"
        );
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"sandbox-{Guid.NewGuid():N}.yaml");
        await sandbox.Cluster.WriteKubeconfigAsync(kubeconfig);
        try
        {
            var listing = await RunAsync(kubeconfig, "get", "nodes,pods", "-A");
            var description = await RunAsync(kubeconfig, "describe", "pod", "web-1", "-n", ns);
            var namespaces = await RunAsync(kubeconfig, "get", "ns");

            Assert.Contains("node/sandbox-node-01   Ready", listing);
            Assert.Matches($"{ns}\\s+pod/web-1\\s+1/1\\s+Running", listing);
            Assert.Contains("Status:           Running", description);
            Assert.Contains("Successfully assigned", description);
            Assert.Contains(ns, namespaces);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    private static async Task<string> RunAsync(string kubeconfig, params string[] args)
    {
        var start = new ProcessStartInfo(Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {error}");
        return output;
    }
}

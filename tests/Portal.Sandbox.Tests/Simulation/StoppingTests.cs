using System.Diagnostics;
using k8s;
using k8s.Models;
using Portal.Sandbox.Hosting;

// The callback-style Watch extension is marked obsolete in 21.x but is what the portal's informers use today.
#pragma warning disable CS0618

namespace Portal.Sandbox.Tests.Simulation;

public sealed class StoppingTests
{
    [Fact]
    public async Task Stopping_ends_open_log_follows_and_watches_instead_of_waiting_out_the_shutdown_timeout()
    {
        var options = SandboxTestCluster.FastOptions();
        // Long enough that only streams ending by themselves can make the stop quick.
        options.ShutdownTimeout = TimeSpan.FromSeconds(30);
        var sandbox = await SandboxCluster.StartAsync(options);
        using var client = SandboxTestCluster.ClientFor(sandbox.Kubeconfig);
        await client.CoreV1.CreateNamespacedPodAsync(Build.Pod("chatty"), "default");
        await Eventually.Until(
            () => client.CoreV1.ReadNamespacedPodAsync("chatty", "default"),
            p => p.Status?.Phase == "Running"
        );
        using var follow = new StreamReader(
            await client.CoreV1.ReadNamespacedPodLogAsync("chatty", "default", follow: true, tailLines: 0)
        );
        Assert.NotNull(await follow.ReadLineAsync());
        var watchClosed = new TaskCompletionSource();
        var response = client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(
            "default",
            watch: true,
            timeoutSeconds: 600
        );
        using var watcher = response.Watch<V1ConfigMap, V1ConfigMapList>(
            (_, _) => { },
            _ => watchClosed.TrySetResult(),
            () => watchClosed.TrySetResult()
        );
        await Eventually.Until(() => Task.FromResult(watcher.Watching), watching => watching);

        var stopping = Stopwatch.StartNew();
        await sandbox.DisposeAsync();
        stopping.Stop();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopping.Elapsed.TotalSeconds:F1} s");
        using var ended = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await follow.ReadToEndAsync(ended.Token);
        await watchClosed.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }
}

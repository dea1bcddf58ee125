using System.Diagnostics;
using k8s;
using Portal.Sandbox.Hosting;
using Xunit.Abstractions;

namespace Portal.Sandbox.Tests;

/// <summary>Memory and list cost at 1,000 nodes and 50,000 pods; opt-in (SANDBOX_BENCH=1) because it takes tens of seconds.</summary>
public sealed class ScaleBenchmark(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task A_thousand_nodes_and_fifty_thousand_pods_fit_in_modest_memory()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("SANDBOX_BENCH") == "1", "set SANDBOX_BENCH=1 to run the scale benchmark");
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var options = new SandboxOptions { NodeCount = 1000, NodeMaxPods = 110, RunControllers = false, RecordPodLifecycleEvents = false };
        await using var cluster = await SandboxCluster.StartAsync(options);
        var seeding = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            cluster.SeedRunningPods($"bench-{i}", 5000);
        }
        seeding.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        using var client = SandboxTestCluster.ClientFor(cluster.Kubeconfig);
        var listing = Stopwatch.StartNew();
        var all = await client.CoreV1.ListPodForAllNamespacesAsync();
        listing.Stop();
        var page = Stopwatch.StartNew();
        await client.CoreV1.ListPodForAllNamespacesAsync(limit: 500);
        page.Stop();

        output.WriteLine($"seeded 50,000 pods in {seeding.Elapsed.TotalSeconds:F1}s; managed heap grew {(after - before) / 1024 / 1024} MiB; working set {Process.GetCurrentProcess().WorkingSet64 / 1024 / 1024} MiB");
        output.WriteLine($"full list {listing.ElapsedMilliseconds} ms, page of 500 {page.ElapsedMilliseconds} ms");
        Assert.Equal(50_000, all.Items.Count);
        Assert.Equal(1000, cluster.Store.Count(Portal.Sandbox.Api.ResourceKinds.Node));
    }
}

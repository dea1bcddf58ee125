using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
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

    /// <summary>
    /// Server-side cost of paging: raw bytes over plain HTTP (no TLS, no client deserialisation), 100 pages of 500
    /// against one unpaged list of the same 50,000 pods. Figures are printed, not asserted.
    /// </summary>
    [SkippableFact]
    public async Task Paging_through_fifty_thousand_pods_costs_about_as_much_as_one_list()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("SANDBOX_BENCH") == "1", "set SANDBOX_BENCH=1 to run the scale benchmark");
        var options = new SandboxOptions { NodeCount = 1000, NodeMaxPods = 110, RunControllers = false, RecordPodLifecycleEvents = false, UseTls = false };
        await using var cluster = await SandboxCluster.StartAsync(options);
        for (var i = 0; i < 10; i++)
        {
            cluster.SeedRunningPods($"bench-{i}", 5000);
        }
        using var http = new HttpClient { BaseAddress = cluster.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Token);
        await ListAllAsync(http, 500);

        for (var run = 0; run < 3; run++)
        {
            var whole = Stopwatch.StartNew();
            var (_, wholeItems) = await ListAllAsync(http, null);
            whole.Stop();
            var paged = Stopwatch.StartNew();
            var (pages, pagedItems) = await ListAllAsync(http, 500);
            paged.Stop();
            var selected = Stopwatch.StartNew();
            var (selectedPages, selectedItems) = await ListAllAsync(http, 500, "tier=web");
            selected.Stop();
            output.WriteLine($"run {run}: unpaged {wholeItems} items {whole.ElapsedMilliseconds} ms; {pages} pages of 500 ({pagedItems} items) {paged.ElapsedMilliseconds} ms; " +
                $"tier=web {selectedPages} pages ({selectedItems} items) {selected.ElapsedMilliseconds} ms");
            Assert.Equal(50_000, pagedItems);
        }
    }

    private static async Task<(int Pages, int Items)> ListAllAsync(HttpClient http, int? limit, string? labelSelector = null)
    {
        string? next = null;
        int pages = 0, items = 0;
        do
        {
            var query = new List<string>();
            if (limit is { } l)
            {
                query.Add($"limit={l}");
            }
            if (labelSelector is not null)
            {
                query.Add($"labelSelector={Uri.EscapeDataString(labelSelector)}");
            }
            if (next is not null)
            {
                query.Add($"continue={Uri.EscapeDataString(next)}");
            }
            var body = await http.GetByteArrayAsync("/api/v1/pods" + (query.Count == 0 ? "" : "?" + string.Join('&', query)));
            using var document = JsonDocument.Parse(body);
            next = document.RootElement.GetProperty("metadata").TryGetProperty("continue", out var c) ? c.GetString() : null;
            items += document.RootElement.GetProperty("items").GetArrayLength();
            pages++;
        }
        while (!string.IsNullOrEmpty(next));
        return (pages, items);
    }
}

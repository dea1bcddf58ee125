using System.Collections.Concurrent;
using k8s;
using k8s.Models;

// The callback-style Watch extension is marked obsolete in 21.x but is what the portal's informers use today.
#pragma warning disable CS0618

namespace Portal.Sandbox.Tests.Api;

public sealed class WatchTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private Kubernetes Client => sandbox.Client;

    private static async Task<(List<(WatchEventType Type, V1ConfigMap Object)> Events, Exception? Error)> CollectAsync(
        Kubernetes client,
        string ns,
        string? resourceVersion,
        Func<List<(WatchEventType, V1ConfigMap)>, bool> until,
        bool bookmarks = false
    )
    {
        var events = new ConcurrentQueue<(WatchEventType, V1ConfigMap)>();
        Exception? error = null;
        var closed = new TaskCompletionSource();
        var response = client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(
            ns,
            watch: true,
            resourceVersion: resourceVersion,
            allowWatchBookmarks: bookmarks,
            timeoutSeconds: 10
        );
        using var watcher = response.Watch<V1ConfigMap, V1ConfigMapList>(
            (type, item) => events.Enqueue((type, item)),
            e => error = e,
            () => closed.TrySetResult()
        );
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !until([.. events]) && error is null && !closed.Task.IsCompleted)
        {
            await Task.Delay(20);
        }
        return ([.. events], error);
    }

    [Fact]
    public async Task A_watch_from_a_resource_version_sees_only_later_changes()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "before" } },
            ns
        );
        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after" } },
            ns
        );
        await Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"a":"b"}}""", V1Patch.PatchType.MergePatch),
            "after",
            ns
        );
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("after", ns);

        var (events, error) = await CollectAsync(Client, ns, list.Metadata.ResourceVersion, e => e.Count >= 3);

        Assert.Null(error);
        Assert.Equal(
            [WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted],
            events.Select(e => e.Type)
        );
        Assert.All(events, e => Assert.Equal("after", e.Object.Metadata.Name));
    }

    [Fact]
    public async Task A_watch_without_resource_version_starts_with_the_current_objects_and_streams_new_ones()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "existing" } },
            ns
        );
        var create = Task.Run(async () =>
        {
            await Task.Delay(200);
            await Client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "live" } },
                ns
            );
        });

        var (events, _) = await CollectAsync(Client, ns, null, e => e.Count >= 2);
        await create;

        Assert.Equal(["existing", "live"], events.Select(e => e.Object.Metadata.Name));
    }

    [Fact]
    public async Task Bookmarks_carry_the_current_resource_version()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);

        var (events, _) = await CollectAsync(
            Client,
            ns,
            list.Metadata.ResourceVersion,
            e => e.Any(x => x.Item1 == WatchEventType.Bookmark),
            bookmarks: true
        );

        var bookmark = events.First(e => e.Type == WatchEventType.Bookmark);
        Assert.True(long.Parse(bookmark.Object.Metadata.ResourceVersion) >= long.Parse(list.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task A_too_old_resource_version_gets_a_410_watch_error()
    {
        var options = SandboxTestCluster.FastOptions();
        options.EventHistorySize = 16;
        options.RunControllers = false;
        await using var small = await Portal.Sandbox.Hosting.SandboxCluster.StartAsync(options);
        using var client = SandboxTestCluster.ClientFor(small.Kubeconfig);
        var first = await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c0" } },
            "default"
        );
        for (var i = 1; i < 40; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } },
                "default"
            );
        }

        var (_, error) = await CollectAsync(client, "default", first.Metadata.ResourceVersion, _ => false);

        var gone = Assert.IsType<KubernetesException>(error);
        Assert.Equal(410, gone.Status.Code);
        Assert.Equal("Expired", gone.Status.Reason);
        Assert.StartsWith("too old resource version", gone.Status.Message);
    }

    [Fact]
    public async Task A_label_selector_on_a_watch_filters_events()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "other" } },
            ns
        );
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "wanted",
                    Labels = new Dictionary<string, string> { ["pick"] = "me" },
                },
            },
            ns
        );
        var events = new ConcurrentQueue<string>();
        var response = Client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(
            ns,
            watch: true,
            resourceVersion: list.Metadata.ResourceVersion,
            labelSelector: "pick=me",
            timeoutSeconds: 5
        );
        using var watcher = response.Watch<V1ConfigMap, V1ConfigMapList>(
            (_, item) => events.Enqueue(item.Metadata.Name)
        );

        await Eventually.Until(() => Task.FromResult(events.ToArray()), e => e.Length >= 1);

        Assert.Equal(["wanted"], events.ToArray());
    }
}

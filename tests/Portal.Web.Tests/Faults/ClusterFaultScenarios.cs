using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Environments;
using Portal.Domain.Middleware;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Clusters;
using Portal.Sandbox.Faults;
using Portal.Web.Clusters;
using Portal.Web.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Faults;

/// <summary>
/// Cluster faults injected by the embedded sandbox while operations run (20% 5xx, 429 with Retry-After, 2 s latency,
/// dropped watches, 410 Gone): every operation ends Succeeded with the cluster state it asked for, or Failed with a
/// reason, none stuck; the watch relists and catches what changed meanwhile; and while it fails, the pages that show
/// what it keeps say the cluster is degraded, since when, until it is back.
/// </summary>
public sealed class ClusterFaultScenarios(SandboxPortal portal, ITestOutputHelper output)
    : IClassFixture<SandboxPortal>,
        IAsyncLifetime
{
    private const string ManagedPods = "app.kubernetes.io/managed-by=portal,app.kubernetes.io/name";
    private static readonly TimeSpan OperationDeadline = TimeSpan.FromSeconds(150);

    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld Sandbox => new(portal.Factory);
    private SandboxFaults Faults => portal.Factory.Services.GetRequiredService<EmbeddedSandbox>().Cluster!.Faults;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>A test that fails must not leave its faults to the next one.</summary>
    public Task DisposeAsync()
    {
        if (portal.Factory.Services.GetService<EmbeddedSandbox>()?.Cluster is { } cluster)
            cluster.Faults.Reset();
        return Task.CompletedTask;
    }

    [SkippableFact]
    public async Task Under_20_percent_server_errors_every_operation_ends_with_its_cluster_state_or_a_reason()
    {
        var world = await WorldAsync();

        var outcomes = await UnderFaultAsync(world, "20% 5xx", faults => faults.ErrorRate = 0.2);

        await AssertEndedWellAsync(world, outcomes);
        Assert.True(Faults.Failed > 0, "The sandbox answered no request 500.");
    }

    [SkippableFact]
    public async Task Under_throttling_every_operation_ends_and_no_request_comes_again_before_its_Retry_After()
    {
        var world = await WorldAsync();

        var outcomes = await UnderFaultAsync(world, "20% 429, Retry-After 2 s", faults =>
        {
            faults.RetryAfterSeconds = 2;
            faults.ThrottleRate = 0.2;
        });

        await AssertEndedWellAsync(world, outcomes);
        Assert.True(Faults.Throttled > 0, "The sandbox answered no request 429.");
        var retries = Faults.RetriesAfterThrottle.ToList();
        foreach (var (request, after) in retries)
            output.WriteLine($"  429, then again after {after.TotalMilliseconds:0} ms: {request}");
        // Retry-After is whole seconds; the sandbox's clock and the client's timer may differ by a few milliseconds.
        var early = retries.Where(r => r.After < TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(50)).ToList();
        Assert.Contains(retries, r => !early.Contains(r));
        // The sandbox pairs a 429 with the next request to the same path, whoever sends it. Each write is one
        // operation's step, so a write sent again is that step's retry; a read such as the namespace's is made by every
        // operation running alongside, so a read soon after may be another's.
        Assert.All(early, r => Assert.StartsWith("GET ", r.Request));
    }

    [SkippableFact]
    public async Task Under_2_s_latency_every_operation_ends_with_its_cluster_state_or_a_reason()
    {
        var world = await WorldAsync();

        var outcomes = await UnderFaultAsync(world, "2 s latency", faults => faults.Latency = TimeSpan.FromSeconds(2));

        await AssertEndedWellAsync(world, outcomes);
    }

    [SkippableFact]
    public async Task With_watches_dropped_every_few_seconds_and_410_on_resume_operations_end_and_the_watch_relists()
    {
        var world = await WorldAsync();
        var watch = await WatchAsync();
        var relistsBefore = watch.Relists;
        var watchesBefore = watch.WatchesStarted;
        using var cluster = Sandbox.Client();

        var outcomes = await UnderFaultAsync(
            world,
            "watches dropped every 3 s, history compacted twice",
            faults => faults.DropWatchAfter = TimeSpan.FromSeconds(3),
            async faults =>
            {
                for (var round = 0; round < 2; round++)
                {
                    // History compacted, streams dropped, then a pod changed behind the portal: the resumed pod
                    // watch is told 410 Gone and must list again.
                    faults.ExpireNextWatches(1, "/api/v1/pods");
                    faults.DropWatches();
                    await DeleteOnePodAsync(cluster, world.Namespace, "worker");
                    await Task.Delay(TimeSpan.FromSeconds(5));
                }
            }
        );

        await AssertEndedWellAsync(world, outcomes);
        var relists = watch.Relists - relistsBefore;
        var watches = watch.WatchesStarted - watchesBefore;
        output.WriteLine($"watch: {watches} watch requests, {relists} relists after 410 Gone");
        Assert.True(relists >= 2, $"The watch listed again {relists} times after two compactions.");
        Assert.True(watches >= 4, $"Only {watches} watch requests: the streams were not dropped and resumed.");
        Assert.Null(await WatchFailingSinceAsync());
    }

    [SkippableFact]
    public async Task While_the_watch_fails_the_app_environment_and_cluster_pages_say_degraded_since_when_until_back()
    {
        var world = await WorldAsync();
        using var cluster = Sandbox.Client();
        var platformAdmin = await Arrange.AdminAsync();
        var watch = await WatchAsync();
        var relistsBefore = watch.Relists;
        Assert.All(await PagesAsync(world, platformAdmin), page =>
            Assert.DoesNotContain("data-cluster-degraded", page)
        );

        // Every watch refused with 410 Gone, even from a version just listed, and the open streams cut.
        Faults.ExpireWatches = true;
        Faults.DropWatches();
        var since = await SandboxWorldEventuallyAsync(WatchFailingSinceAsync, "the cluster to be marked degraded");
        var deleted = await DeleteOnePodAsync(cluster, world.Namespace, "api");
        var degradedPages = await PagesAsync(world, platformAdmin);

        Assert.All(degradedPages, page =>
        {
            Assert.Contains("data-cluster-degraded=\"sandbox\"", page);
            Assert.Contains($"has been failing since {since:yyyy-MM-dd HH:mm:ss} UTC", Text(page));
            Assert.Contains("410", page);
        });

        Faults.ExpireWatches = false;
        await SandboxWorld.EventuallyAsync(
            async () => await WatchFailingSinceAsync() is null,
            "the degraded mark to clear",
            60
        );
        // Cleared only once the restarted watch has listed and written: the pod deleted meanwhile is gone already.
        var kept = await WorkloadPodNamesAsync(world.Namespace, "api");
        var running = await ClusterPodNamesAsync(cluster, world.Namespace, "api");
        Assert.DoesNotContain(deleted, kept);
        Assert.Equal(running.Order(), kept.Order());
        Assert.All(await PagesAsync(world, platformAdmin), page =>
            Assert.DoesNotContain("data-cluster-degraded", page)
        );
        Assert.True(watch.Relists > relistsBefore);
        output.WriteLine(
            $"degraded since {since:O}; {Faults.ExpiredWatches} watches answered 410; "
                + $"{watch.Relists - relistsBefore} relists"
        );
    }

    /// <summary>A tenant, its environment "dev" and three applications running there, with no fault.</summary>
    private async Task<World> WorldAsync()
    {
        Faults.Reset();
        var (tenant, admin, pool) = await Sandbox.TenantWithQuotaAsync(cpu: "20", memory: "12Gi");
        await Sandbox.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "6", "6Gi", "30");
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));
        var world = new World(tenant, admin, api, pool, $"{tenant.Slug}-dev");
        foreach (var app in new[] { "shop", "api", "worker" })
        {
            var created = await api.PostAsJsonAsync(
                world.Apps,
                new
                {
                    name = app,
                    description = app,
                    owner = "team",
                    spec = Spec("nginx:1.27"),
                }
            );
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }
        var deploys = await Task.WhenAll(
            new[] { "shop", "api", "worker" }.Select(async app =>
                await FinishedAsync(
                    app,
                    await api.PostAsJsonAsync($"{world.Apps}/{app}/environments/dev/deploy", new { })
                )
            )
        );
        Assert.All(deploys, d => Assert.True(d.State == OperationState.Succeeded, d.Error));
        await SandboxWorld.EventuallyAsync(
            async () => (await WorkloadPodNamesAsync(world.Namespace, "api")).Count == 1,
            "the watch to keep the pod of api"
        );
        return world;
    }

    private static object Spec(string image, int replicas = 1) =>
        new
        {
            image,
            resources = new
            {
                cpuRequestMillis = 100,
                cpuLimitMillis = 200,
                memoryRequestBytes = 64L << 20,
                memoryLimitBytes = 128L << 20,
            },
            replicas,
        };

    /// <summary>
    /// Switches the fault on, starts a deploy, a scale, a restart, an environment's creation and a middleware
    /// instance's provisioning at once (and <paramref name="meanwhile"/>), waits for each to finish, and switches
    /// the fault off.
    /// </summary>
    private async Task<IReadOnlyList<Outcome>> UnderFaultAsync(
        World world,
        string fault,
        Action<SandboxFaults> on,
        Func<SandboxFaults, Task>? meanwhile = null
    )
    {
        var api = world.Api;
        var changed = await api.PutAsJsonAsync(
            $"{world.Apps}/shop",
            new
            {
                description = "shop",
                owner = "team",
                spec = Spec("nginx:1.28"),
            }
        );
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Faults.ResetCounts();
        on(Faults);
        var clock = Stopwatch.StartNew();
        // Sent one after another (two changes of one environment at the same moment are refused, rightly); the
        // operations then run together.
        var requests = new (string Name, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("deploy", () => api.PostAsJsonAsync($"{world.Apps}/shop/environments/dev/deploy", new { note = "1.28" })),
            ("scale", () => api.PostAsJsonAsync($"{world.Apps}/api/environments/dev/scale", new { replicas = 3 })),
            ("restart", () => api.PostAsync($"{world.Apps}/worker/environments/dev/restart", null)),
            ("environment creation", () => api.PostAsJsonAsync(
                    $"/api/v1/tenants/{world.Tenant.Slug}/environments",
                    new
                    {
                        name = "qa",
                        pool = world.Pool,
                        share = new
                        {
                            cpuRequests = "1",
                            cpuLimits = "1",
                            memoryRequests = "1Gi",
                            memoryLimits = "1Gi",
                            storage = "5Gi",
                            pods = "5",
                        },
                    }
                )),
            ("middleware provisioning", () => api.PostAsJsonAsync(
                    $"/api/v1/tenants/{world.Tenant.Slug}/middleware/instances",
                    new
                    {
                        environment = "dev",
                        name = "cache",
                        template = "redis",
                        version = "7.2.7",
                        plan = "small",
                        parameters = new { },
                    }
                )),
        };
        var accepted = new List<(string Name, HttpResponseMessage Response)>();
        foreach (var (name, send) in requests)
            accepted.Add((name, await send()));
        var finishing = accepted.Select(a => FinishedAsync(a.Name, a.Response)).ToList();
        if (meanwhile is not null)
            finishing.Add(AlongsideAsync(meanwhile));
        var finished = (await Task.WhenAll(finishing)).Where(o => o.Operation.Length > 0).ToList();
        var counts =
            $"{Faults.ApiRequests} API requests, {Faults.Throttled} answered 429, {Faults.Failed} answered 500, "
            + $"{Faults.ExpiredWatches} watches answered 410; shortest retry after a 429: "
            + $"{Faults.ShortestRetryAfterThrottle?.TotalMilliseconds.ToString("0") ?? "-"} ms";
        Faults.Reset();
        output.WriteLine($"{fault}: {finished.Count} operations in {clock.Elapsed.TotalSeconds:0} s; {counts}");
        foreach (var outcome in finished)
            output.WriteLine(
                $"  {outcome.Operation}: {outcome.State} after {outcome.Took.TotalSeconds:0.0} s"
                    + (outcome.Error is null ? "" : $" ({outcome.Error})")
            );
        return finished;
    }

    /// <summary>What a test does while the operations run, as an outcome of no operation.</summary>
    private async Task<Outcome> AlongsideAsync(Func<SandboxFaults, Task> meanwhile)
    {
        await meanwhile(Faults);
        return new Outcome("", OperationState.Succeeded, null, TimeSpan.Zero);
    }

    private async Task<Outcome> FinishedAsync(string name, HttpResponseMessage accepted)
    {
        Assert.True(
            accepted.StatusCode == HttpStatusCode.Accepted,
            $"{name}: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}"
        );
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("operation").GetGuid();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var operation = await Arrange.QueryAsync(db =>
                db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == id)
            );
            if (operation.IsFinished)
                return new Outcome(name, operation.State, operation.Error, clock.Elapsed);
            if (clock.Elapsed > OperationDeadline)
                Assert.Fail($"{name} is stuck: {operation.State} after {OperationDeadline.TotalSeconds:0} s");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Each operation Succeeded with the cluster in the state it asked for, or Failed saying why; and the watch keeps
    /// the managed pods as they run.
    /// </summary>
    private async Task AssertEndedWellAsync(World world, IReadOnlyList<Outcome> outcomes)
    {
        Assert.Equal(5, outcomes.Count);
        using var cluster = Sandbox.Client();
        foreach (var outcome in outcomes)
        {
            if (outcome.State == OperationState.Failed)
            {
                Assert.False(string.IsNullOrWhiteSpace(outcome.Error), $"{outcome.Operation} failed without a reason");
                Assert.DoesNotContain("   at ", outcome.Error);
                continue;
            }
            Assert.Equal(OperationState.Succeeded, outcome.State);
            switch (outcome.Operation)
            {
                case "deploy":
                    var shop = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", world.Namespace);
                    Assert.Equal("nginx:1.28", shop.Spec.Template.Spec.Containers[0].Image);
                    break;
                case "scale":
                    Assert.Equal(
                        3,
                        (await cluster.AppsV1.ReadNamespacedDeploymentAsync("api", world.Namespace)).Spec.Replicas
                    );
                    break;
                case "restart":
                    var worker = await cluster.AppsV1.ReadNamespacedDeploymentAsync("worker", world.Namespace);
                    Assert.Contains("kubectl.kubernetes.io/restartedAt", worker.Spec.Template.Metadata.Annotations);
                    break;
                case "environment creation":
                    var qa = $"{world.Tenant.Slug}-qa";
                    Assert.Single((await cluster.CoreV1.ListNamespacedResourceQuotaAsync(qa)).Items);
                    Assert.Equal(
                        EnvironmentState.Ready,
                        await Arrange.QueryAsync(db =>
                            db.Environments.IgnoreQueryFilters()
                                .Where(e => e.TenantId == world.Tenant.Id && e.Name == "qa")
                                .Select(e => e.State)
                                .SingleAsync()
                        )
                    );
                    break;
                case "middleware provisioning":
                    Assert.NotNull(await cluster.AppsV1.ReadNamespacedStatefulSetAsync("cache", world.Namespace));
                    Assert.Equal(
                        InstanceState.Ready,
                        await Arrange.QueryAsync(db =>
                            db.MiddlewareInstances.IgnoreQueryFilters()
                                .Where(i => i.TenantId == world.Tenant.Id && i.Name == "cache")
                                .Select(i => i.State)
                                .SingleAsync()
                        )
                    );
                    break;
            }
        }
        // With the fault off, the pods the watch keeps are those that run, each as ready as it is.
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                var running = (await cluster.CoreV1.ListNamespacedPodAsync(world.Namespace, labelSelector: ManagedPods))
                    .Items.Select(p => $"{p.Metadata.Name}:{IsReady(p)}")
                    .Order()
                    .ToList();
                var kept = await Arrange.QueryAsync(db =>
                    db.WorkloadPods.Where(p => p.Namespace == world.Namespace)
                        .Select(p => new { p.Name, p.Ready })
                        .ToListAsync()
                );
                return running.SequenceEqual(kept.Select(p => $"{p.Name}:{p.Ready}").Order());
            },
            "the watched pods to be those running"
        );
    }

    private static bool IsReady(k8s.Models.V1Pod pod) =>
        (pod.Status?.Conditions ?? []).Any(c => c is { Type: "Ready", Status: "True" });

    /// <summary>The application's page, the environments page and the cluster's page, as readers see them.</summary>
    private async Task<IReadOnlyList<string>> PagesAsync(World world, BrowserSession platformAdmin)
    {
        var pages = new List<string>();
        foreach (
            var (session, url) in new[]
            {
                (world.Admin, $"/t/{world.Tenant.Slug}/apps/api"),
                (world.Admin, $"/t/{world.Tenant.Slug}/environments"),
                (platformAdmin, $"/admin/clusters/{EmbeddedSandboxOptions.ClusterName}"),
            }
        )
        {
            var response = await session.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            pages.Add(await response.Content.ReadAsStringAsync());
        }
        return pages;
    }

    private async Task<ClusterWatch> WatchAsync()
    {
        var id = await Arrange.QueryAsync(db =>
            db.Clusters.Where(c => c.Name == EmbeddedSandboxOptions.ClusterName).Select(c => c.Id).SingleAsync()
        );
        return portal.Factory.Services.GetRequiredService<ClusterWatcher>().Find(id)!;
    }

    private Task<DateTime?> WatchFailingSinceAsync() =>
        Arrange.QueryAsync(db =>
            db.Clusters.Where(c => c.Name == EmbeddedSandboxOptions.ClusterName)
                .Select(c => c.WatchFailingSince)
                .SingleAsync()
        );

    private static async Task<T> SandboxWorldEventuallyAsync<T>(Func<Task<T?>> attempt, string what)
        where T : struct
    {
        T? found = null;
        await SandboxWorld.EventuallyAsync(async () => (found = await attempt()) is not null, what);
        return found!.Value;
    }

    private Task<List<string>> WorkloadPodNamesAsync(string ns, string app) =>
        Arrange.QueryAsync(db =>
            db.WorkloadPods.Where(p => p.Namespace == ns && p.App == app).Select(p => p.Name).ToListAsync()
        );

    private static async Task<List<string>> ClusterPodNamesAsync(IKubernetes cluster, string ns, string app) =>
        (await cluster.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"app.kubernetes.io/name={app}"))
            .Items.Select(p => p.Metadata.Name)
            .ToList();

    /// <summary>
    /// Deletes a pod of the application behind the portal's back; its Deployment makes another. The operations running
    /// alongside replace pods too, so one listed may be gone before it is deleted: then another is taken.
    /// </summary>
    private static async Task<string> DeleteOnePodAsync(IKubernetes cluster, string ns, string app)
    {
        for (var attempt = 1; ; attempt++)
        {
            var pod = (await ClusterPodNamesAsync(cluster, ns, app)).First();
            try
            {
                await cluster.CoreV1.DeleteNamespacedPodAsync(pod, ns);
                return pod;
            }
            catch (k8s.Autorest.HttpOperationException e)
                when (e.Response.StatusCode == HttpStatusCode.NotFound && attempt < 10)
            {
                // Replaced meanwhile by the rollout running alongside.
            }
        }
    }

    /// <summary>A page's text as a reader sees it: without tags, spaces folded.</summary>
    private static string Text(string html) =>
        System.Text.RegularExpressions.Regex.Replace(
            WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(html, "<[^>]+>", " ")),
            @"\s+",
            " "
        );

    private sealed record World(Tenant Tenant, BrowserSession Admin, HttpClient Api, string Pool, string Namespace)
    {
        public string Apps => $"/api/v1/tenants/{Tenant.Slug}/apps";
    }

    private sealed record Outcome(string Operation, OperationState State, string? Error, TimeSpan Took);
}

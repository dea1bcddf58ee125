using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using k8s;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Operations;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// Parts 2 to 4 of `--applications`, against the real portal (src/Portal.Web as a child process) on PostgreSQL with its
/// embedded sandbox cluster, its cluster watch and its Hangfire job server: the time from a pod's change in the sandbox
/// to the status pushed over SignalR, 100 deploys at once, and the portal's admission of concurrent deploys.
/// Everything is set up through the API as the platform admin.
/// </summary>
internal static class LiveApplicationsBenchmark
{
    private const string Tenant = "live";
    private const string Pool = "bench";
    private const string LiveEnvironment = "live";
    private const string BatchEnvironment = "batch";
    private const string TightEnvironment = "tight";
    private const string LiveApp = "storefront";
    private const int LiveReplicas = 5;
    private const int Changes = 60;
    private const int SynchronisedChanges = 20;
    private const int Deploys = 100;
    private const int DeployReplicas = 2;
    private const int RaceDeploys = 20;
    private const int TightReplicas = 10;
    private const int SandboxNodes = 6;
    private static readonly ContainerResources Size = new(25, 50, 32L << 20, 64L << 20);
    private static readonly TimeSpan EventWait = TimeSpan.FromSeconds(15);

    public sealed record Outcome(
        Samples? Deleted,
        Samples? Ready,
        DeployFigures? Deploys,
        IReadOnlyList<string> Findings
    );

    public sealed record DeployFigures(
        int Requested,
        int Succeeded,
        int Refused,
        int Failed,
        int Unfinished,
        TimeSpan Wall,
        Samples Total
    );

    public static async Task<Outcome> RunAsync(
        Report report,
        string root,
        string server,
        Action<string> progress,
        bool keep,
        CancellationToken ct
    )
    {
        var findings = new List<string>();
        await using var portal = await PostgresPortal.CreateAsync(server, "live", ct);
        portal.Keep = keep;
        progress("starting Portal.Web on PostgreSQL with its embedded sandbox, watch and job server");
        var starting = Stopwatch.StartNew();
        var settings = new Dictionary<string, string>
        {
            ["Portal:Database:Provider"] = "Postgres",
            ["Portal:Sandbox:Enabled"] = "true",
            ["Portal:Sandbox:Nodes"] = SandboxNodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Portal:Clusters:Watch"] = "true",
            ["Portal:Jobs:RunServer"] = "true",
        };
        var web = await WebProcess.StartAsync(root, portal.ConnectionString, settings, ct);
        await using (web)
        {
            starting.Stop();
            using var api = await PortalApi.SignInAsync(web, ct);
            progress("setting up tenant, pool, quota, environments and applications through the API");
            var setup = Stopwatch.StartNew();
            var (clusterId, environmentOps) = await SetUpAsync(api, portal.Services, progress, ct);
            using var kube = await portal
                .Services.GetRequiredService<KubernetesClients>()
                .CreateDedicatedAsync(clusterId, ct);
            setup.Stop();

            report.Heading("## Set-up of parts 2–4 (the real portal)");
            report.Line(
                (
                    Invariant($"`src/Portal.Web` ({Machine.BuildConfiguration} build) as a child ")
                    + "process on 127.0.0.1, on its own fresh PostgreSQL database, with the "
                    + "settings of a single production replica except the database: embedded "
                    + Invariant($"sandbox on (`Portal:Sandbox:Nodes={SandboxNodes}`, 4 CPU / 16Gi each, ")
                    + "`PodStartDelay` 1 s — the default), cluster watch on "
                    + "(`Portal:Clusters:FlushInterval` 0.25 s — the default), Hangfire job "
                    + "server on PostgreSQL storage with 10 workers (the default). Ready "
                    + Invariant($"after {Format.Seconds(starting.Elapsed)}.")
                )
            );
            report.Line(
                (
                    Invariant($"Set up in {Format.Seconds(setup.Elapsed)} through `/api/v1` with a ")
                    + "platform admin's user token (authorization code + PKCE as "
                    + Invariant($"`portal-cli`): tenant `{Tenant}`, pool `{Pool}` over the sandbox ")
                    + Invariant($"cluster, a quota, environments `{LiveEnvironment}`, `")
                    + Invariant($"{BatchEnvironment}` and `{TightEnvironment}` (each made by its own ")
                    + "operation: namespace, ResourceQuota, LimitRange, NetworkPolicy; "
                    + string.Join(
                        ", ",
                        environmentOps.Select(o =>
                            Invariant($"{(o.FinishedAt - o.CreatedAt)!.Value.TotalSeconds:F1} s")
                        )
                    )
                    + " "
                    + Invariant($"from request to done), {Deploys + RaceDeploys + 2} applications ")
                    + "(`nginx:1.27`, 25m/50m CPU, 32Mi/64Mi)."
                )
            );

            var (deleted, ready) = await StatusLatencyAsync(
                report,
                web,
                api,
                portal.Services,
                kube,
                progress,
                findings,
                ct
            );
            var deploys = await ConcurrentDeploysAsync(report, web, api, portal.Services, kube, progress, findings, ct);
            await AdmissionRaceAsync(report, api, findings, progress, ct);
            return new Outcome(deleted, ready, deploys, findings);
        }
    }

    // ------------------------------------------------------------------ set-up

    private static async Task<(Guid ClusterId, List<Operation> EnvironmentOps)> SetUpAsync(
        PortalApi api,
        IServiceProvider services,
        Action<string> progress,
        CancellationToken ct
    )
    {
        var clusterId = await ClusterIdAsync(services, "sandbox", ct);
        await api.SendAsync(
            HttpMethod.Post,
            "/api/v1/tenants",
            new { slug = Tenant, displayName = "Live benchmark" },
            HttpStatusCode.Created,
            ct
        );
        await api.SendAsync(
            HttpMethod.Post,
            "/api/v1/pools",
            new
            {
                name = Pool,
                displayName = "Benchmark pool",
                cluster = "sandbox",
                region = "local",
                cpuOvercommit = 1m,
                memoryOvercommit = 1m,
            },
            HttpStatusCode.Created,
            ct
        );
        // The pool's capacity comes from the hosts the watch has written: until then a grant is refused.
        var quota = Amounts("8", "16", "12Gi", "24Gi", "300");
        quota["middlewareInstances"] = "0";
        var granting = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await api.SendAsync(
                    HttpMethod.Put,
                    $"/api/v1/pools/{Pool}/quotas/{Tenant}",
                    quota,
                    HttpStatusCode.OK,
                    ct
                );
                break;
            }
            catch (ApiRefused) when (granting.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(500, ct);
            }
        }
        var operations = new List<Guid>();
        foreach (
            var (name, share) in new[]
            {
                (LiveEnvironment, Amounts("1", "2", "1Gi", "2Gi", "20")),
                (BatchEnvironment, Amounts("6", "12", "8Gi", "16Gi", "260")),
                (
                    TightEnvironment,
                    Amounts(
                        Milli(Size.CpuRequestMillis * TightReplicas),
                        Milli(Size.CpuLimitMillis * TightReplicas),
                        Mebi(Size.MemoryRequestBytes * TightReplicas),
                        Mebi(Size.MemoryLimitBytes * TightReplicas),
                        TightReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    )
                ),
            }
        )
        {
            operations.Add(
                await api.AcceptedAsync(
                    $"/api/v1/tenants/{Tenant}/environments",
                    new
                    {
                        name,
                        pool = Pool,
                        share,
                    },
                    ct
                )
            );
        }
        progress("waiting for the environments' operations");
        var environments = await WaitForAsync(services, operations, TimeSpan.FromSeconds(120), ct);
        if (environments.Any(o => o.State != OperationState.Succeeded))
            throw new InvalidOperationException(
                "An environment was not made: "
                    + string.Join("; ", environments.Select(o => $"{o.TargetId} {o.State} {o.Error}"))
            );

        await CreateAppAsync(api, LiveApp, LiveReplicas, ct);
        var names = Enumerable
            .Range(0, Deploys)
            .Select(BatchApp)
            .Concat(Enumerable.Range(0, RaceDeploys + 1).Select(RaceApp))
            .ToList();
        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
            async (name, c) =>
                await CreateAppAsync(
                    api,
                    name,
                    name.StartsWith("race", StringComparison.Ordinal) ? 1 : DeployReplicas,
                    c
                )
        );
        return (clusterId, environments);
    }

    /// <summary>An environment's share; a tenant's grant also counts middleware instances.</summary>
    private static Dictionary<string, string> Amounts(
        string cpuRequests,
        string cpuLimits,
        string memoryRequests,
        string memoryLimits,
        string pods
    ) =>
        new()
        {
            ["cpuRequests"] = cpuRequests,
            ["cpuLimits"] = cpuLimits,
            ["memoryRequests"] = memoryRequests,
            ["memoryLimits"] = memoryLimits,
            ["storage"] = "0",
            ["pods"] = pods,
        };

    private static string Milli(long millis) => Invariant($"{millis}m");

    private static string Mebi(long bytes) => Invariant($"{bytes >> 20}Mi");

    private static string BatchApp(int i) => Invariant($"batch-{i:000}");

    private static string RaceApp(int i) => Invariant($"race-{i:00}");

    private static Task CreateAppAsync(PortalApi api, string name, int replicas, CancellationToken ct) =>
        api.SendAsync(
            HttpMethod.Post,
            $"/api/v1/tenants/{Tenant}/apps",
            new
            {
                name,
                description = "made by the applications benchmark",
                owner = "bench",
                spec = new DeploymentSpec
                {
                    Image = "nginx:1.27",
                    Ports = [new ContainerPort("http", 8080)],
                    Resources = Size,
                    Replicas = replicas,
                },
            },
            HttpStatusCode.Created,
            ct
        );

    private static async Task<Guid> ClusterIdAsync(IServiceProvider services, string name, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope
            .ServiceProvider.GetRequiredService<PortalDbContext>()
            .Clusters.AsNoTracking()
            .Where(c => c.Name == name)
            .Select(c => c.Id)
            .SingleAsync(ct);
    }

    private static async Task<List<Operation>> OperationsAsync(
        IServiceProvider services,
        IReadOnlyCollection<Guid> ids,
        CancellationToken ct
    )
    {
        await using var scope = services.CreateAsyncScope();
        return await scope
            .ServiceProvider.GetRequiredService<PortalDbContext>()
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o => ids.Contains(o.Id))
            .ToListAsync(ct);
    }

    /// <summary>Polls the operations (in the portal's database) until all have ended or the time is up.</summary>
    internal static async Task<List<Operation>> WaitForAsync(
        IServiceProvider services,
        IReadOnlyCollection<Guid> ids,
        TimeSpan timeout,
        CancellationToken ct,
        Action<List<Operation>>? seen = null
    )
    {
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            var operations = await OperationsAsync(services, ids, ct);
            seen?.Invoke(operations);
            if ((operations.Count == ids.Count && operations.All(o => o.IsFinished)) || waiting.Elapsed > timeout)
                return operations;
            await Task.Delay(100, ct);
        }
    }

    // ------------------------------------------------------------------ 2. pod change → SignalR

    private sealed record StatusEvent(long At, IReadOnlyDictionary<string, bool> Pods);

    private static async Task<(Samples? Deleted, Samples? Ready)> StatusLatencyAsync(
        Report report,
        WebProcess web,
        PortalApi api,
        IServiceProvider services,
        IKubernetes kube,
        Action<string> progress,
        List<string> findings,
        CancellationToken ct
    )
    {
        report.Heading(
            (
                "## 2. From a pod's change in the sandbox to the status pushed to the "
                + Invariant($"browser ({Changes} + {SynchronisedChanges} changes)")
            )
        );
        progress("deploying the followed application");
        var deployed = await api.AcceptedAsync(
            $"/api/v1/tenants/{Tenant}/apps/{LiveApp}/environments/{LiveEnvironment}/deploy",
            new { note = "followed" },
            ct
        );
        var rollout = (await WaitForAsync(services, [deployed], TimeSpan.FromSeconds(120), ct)).Single();
        if (rollout.State != OperationState.Succeeded)
            throw new InvalidOperationException($"The deploy of {LiveApp} ended {rollout.State}: {rollout.Error}");

        var ns = $"{Tenant}-{LiveEnvironment}";
        var readyAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = Task.Run(
            () => WatchReadinessAsync(kube, ns, readyAt, stopWatching.Token),
            CancellationToken.None
        );

        var events = Channel.CreateUnbounded<StatusEvent>(new UnboundedChannelOptions { SingleReader = true });
        var received = 0;
        // As a browser does: the signed-in session's cookie, negotiation, then WebSockets.
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(web.BaseAddress, "/hubs/applications"), options => options.Cookies = web.Cookies)
            .Build();
        hub.On<JsonElement>("statusChanged", update =>
        {
            var at = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref received);
            if (
                update.GetProperty("app").GetString() == LiveApp
                && update.GetProperty("status") is var status
                && status.GetProperty("environment").GetString() == LiveEnvironment
            )
            {
                events.Writer.TryWrite(new StatusEvent(at, PodsOf(status)));
            }
        });
        await hub.StartAsync(ct);
        var following = Stopwatch.StartNew();
        var initial = await hub.InvokeAsync<JsonElement>("Follow", Tenant, LiveApp, ct);
        following.Stop();
        var current = PodsOf(
            initial.EnumerateArray().Single(s => s.GetProperty("environment").GetString() == LiveEnvironment)
        );

        var deleted = new Samples("pod deleted (Kubernetes API `DELETE`) → first `statusChanged` without it");
        var readied = new Samples(
            "replacement pod Ready (seen by a direct watch of the sandbox) → first `statusChanged` showing it ready"
        );
        var deletedAfterPush = new Samples("pod deleted right after a push → first `statusChanged` without it");
        var readiedAfterPush = new Samples("… its replacement Ready → first `statusChanged` showing it ready");
        var deleteCalls = new Samples("… the `DELETE` call alone (benchmark → sandbox API, for reference)");
        var firstSeenReady = new Dictionary<string, long>(StringComparer.Ordinal);
        var missed = 0;
        var followedEvents = 0;

        async Task<StatusEvent?> NextAsync()
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(EventWait);
            try
            {
                var next = await events.Reader.ReadAsync(wait.Token);
                foreach (var (pod, isReady) in next.Pods)
                {
                    if (isReady)
                        firstSeenReady.TryAdd(pod, next.At);
                }
                followedEvents++;
                return next;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return null;
            }
        }

        bool Settled(IReadOnlyDictionary<string, bool> pods) => pods.Count == LiveReplicas && pods.Values.All(r => r);

        var jitter = new Random(2026);
        progress(Invariant($"{Changes} + {SynchronisedChanges} pod deletions"));
        var running = Stopwatch.StartNew();
        await Task.Delay(1000, ct);
        for (var change = 0; change < Changes + SynchronisedChanges; change++)
        {
            var synchronised = change >= Changes;
            while (!Settled(current))
            {
                var next = await NextAsync()
                    ?? throw new TimeoutException(
                        (
                            Invariant($"change {change}: the followed status did not settle at {LiveReplicas} ")
                            + Invariant($"ready pods within {EventWait.TotalSeconds} s of the last event; it ")
                            + Invariant($"shows {current.Count} pods, {current.Values.Count(r => r)} ready")
                        )
                    );
                current = next.Pods;
            }
            // A pod's change falls anywhere in the portal's flush cycle; right after a push is the worst case, measured
            // apart.
            if (!synchronised)
                await Task.Delay(TimeSpan.FromMilliseconds(jitter.NextDouble() * 1000), ct);
            var before = current.Keys.ToHashSet(StringComparer.Ordinal);
            var victim = current.Keys.Order(StringComparer.Ordinal).ElementAt(change % LiveReplicas);
            var t0 = Stopwatch.GetTimestamp();
            await kube.CoreV1.DeleteNamespacedPodAsync(victim, $"{Tenant}-{LiveEnvironment}", cancellationToken: ct);
            deleteCalls.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var gone = false;
            while (!gone)
            {
                var next = await NextAsync();
                if (next is null)
                {
                    missed++;
                    break;
                }
                current = next.Pods;
                if (!current.ContainsKey(victim))
                {
                    gone = true;
                    (synchronised ? deletedAfterPush : deleted).Add(
                        Stopwatch.GetElapsedTime(t0, next.At).TotalMilliseconds
                    );
                }
            }
            while (!Settled(current))
            {
                var next = await NextAsync();
                if (next is null)
                    break;
                current = next.Pods;
            }
            foreach (var replacement in current.Keys.Where(p => !before.Contains(p)))
            {
                // The direct watch normally sees readiness long before the portal's push; give it a moment if not.
                for (var i = 0; i < 50 && !readyAt.ContainsKey(replacement); i++)
                    await Task.Delay(20, ct);
                if (
                    readyAt.TryGetValue(replacement, out var at)
                    && firstSeenReady.TryGetValue(replacement, out var seen)
                )
                    (synchronised ? readiedAfterPush : readied).Add(
                        Stopwatch.GetElapsedTime(at, seen).TotalMilliseconds
                    );
            }
        }
        running.Stop();
        await stopWatching.CancelAsync();
        await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        report.Line(
            (
                Invariant($"Application `{LiveApp}` deployed through the API with {LiveReplicas} ")
                + Invariant($"replicas to `{LiveEnvironment}` (operation done in ")
                + Invariant($"{(rollout.FinishedAt - rollout.CreatedAt)!.Value.TotalSeconds:F1} s). ")
                + "A SignalR client (`Microsoft.AspNetCore.SignalR.Client`, WebSockets, "
                + "the admin's session cookie as a browser sends it) connects to "
                + Invariant($"`/hubs/applications` and calls `Follow(\"{Tenant}\", \"{LiveApp}\")` (")
                + Invariant($"{following.Elapsed.TotalMilliseconds:F0} ms, the initial status ")
                + "included)."
            )
                + " "
                + "Then, one at a time, a pod is deleted through the sandbox's Kubernetes "
                + "API (its ReplicaSet makes a replacement, Pending, then Running and "
                + "Ready after the start delay), and the next change waits until the "
                + "pushed status shows all replicas ready again. "
                + (
                    Invariant($"Before each of the first {Changes} deletions the benchmark pauses a ")
                    + "random 0–1 s, so that changes fall anywhere in the portal's 1 s flush "
                    + Invariant($"cycle as real ones do; the last {SynchronisedChanges} are made at once ")
                    + "after a push (itself just after a flush tick), the worst case: a user "
                    + "who acts on what the page has just shown. "
                )
                + "Times are taken in the benchmark process on one monotonic clock: from "
                + "just before the `DELETE` is sent, and from the moment the benchmark's "
                + "own watch of the namespace saw the replacement Ready, to the arrival "
                + "of the `statusChanged` message at the client (a browser then only "
                + "re-renders a table row)."
        );
        report.Line();
        report.Table([deleted, readied, deletedAfterPush, readiedAfterPush, deleteCalls]);
        report.Line(
            (
                Invariant($"{Changes + SynchronisedChanges} deletions in ")
                + Invariant($"{Format.Seconds(running.Elapsed)}; {received} `statusChanged` messages ")
                + Invariant($"received ({followedEvents} for the followed app in `")
                + Invariant($"{LiveEnvironment}`); deletions never reflected within ")
                + Invariant($"{EventWait.TotalSeconds:F0} s: {missed}.")
            )
        );
        report.Line();
        report.Line(
            "The path: sandbox watch event → `ClusterWatch.ApplyPod` marks the pod "
                + "dirty → the next tick of the flush loop (`PeriodicTimer`, "
                + "`FlushInterval` = 0.25 s by default) writes the `WorkloadPods` rows "
                + "and calls `IWorkloadChangeNotifier` → `SignalRWorkloadChangeNotifier` "
                + "reads the status (`AppStatusReader.ForWorkloadAsync`, 2 queries) and "
                + "sends it to the group. The flush tick alone waits 0–0.25 s after the "
                + "change."
        );
        var worst = deletedAfterPush.Count > 0 ? deletedAfterPush.Percentile(0.95) : 0;
        if (deleted.Count > 0 && (deleted.Percentile(0.95) > 800 || worst > 1000))
        {
            findings.Add(
                (
                    Invariant($"Pod change → browser: p50 {deleted.Percentile(0.5):F0} ms, **p95 ")
                    + Invariant($"{deleted.Percentile(0.95):F0} ms** for changes at random moments ")
                )
                    + (
                        deleted.Percentile(0.95) < 1000
                            ? "— inside the 1 s goal, but with little margin — "
                            : "— above the 1 s goal — "
                    )
                    + (
                        Invariant($"and p95 {worst:F0} ms for a change made right after a push. Nearly all ")
                        + "of it is the fixed flush tick: `ClusterWatch.FlushLoopAsync` "
                        + "(src/Portal.Infrastructure/Clusters/ClusterWatch.cs) writes and "
                        + "announces managed-pod changes only on a `PeriodicTimer` of "
                        + "`Portal:Clusters:FlushInterval` (1 s), so a change waits 0–1 s before "
                        + "anything happens; the write, the status read and the push add only "
                        + "tens of ms. Suggested fix: flush the managed pods "
                        + "(`FlushWorkloadsAsync`) as soon as one is dirty, debounced by ~100–200 "
                        + "ms (a signalled `Channel`/`SemaphoreSlim` beside the timer; a burst "
                        + "still costs one flush), and keep the 1 s timer for hosts and namespace "
                        + "totals; or lower the default interval to 250 ms. Either bounds the "
                        + "path by the debounce plus the write and read instead of a whole "
                        + "interval."
                    )
            );
        }
        return (deleted, readied);
    }

    private static IReadOnlyDictionary<string, bool> PodsOf(JsonElement status) =>
        status
            .GetProperty("pods")
            .EnumerateArray()
            .ToDictionary(
                p => p.GetProperty("name").GetString()!,
                p => p.GetProperty("ready").GetBoolean(),
                StringComparer.Ordinal
            );

    /// <summary>Records when each pod of the namespace is first seen Ready, straight from the sandbox's API.</summary>
    private static async Task WatchReadinessAsync(
        IKubernetes kube,
        string ns,
        ConcurrentDictionary<string, long> readyAt,
        CancellationToken ct
    )
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (
                    var (type, pod) in kube.CoreV1.WatchListNamespacedPodAsync(
                        ns,
                        timeoutSeconds: 300,
                        cancellationToken: ct
                    )
                )
                {
                    if (
                        type is WatchEventType.Added or WatchEventType.Modified
                        && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true
                    )
                    {
                        readyAt.TryAdd(pod.Metadata.Name, Stopwatch.GetTimestamp());
                    }
                }
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // The stream dropped; watch again.
            }
        }
    }

    // ------------------------------------------------------------------ 3. 100 deploys at once

    private static async Task<DeployFigures> ConcurrentDeploysAsync(
        Report report,
        WebProcess web,
        PortalApi api,
        IServiceProvider services,
        IKubernetes kube,
        Action<string> progress,
        List<string> findings,
        CancellationToken ct
    )
    {
        report.Heading(Invariant($"## 3. {Deploys} deploys at once"));
        progress(Invariant($"{Deploys} deploys at once"));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posting = Enumerable
            .Range(0, Deploys)
            .Select(async i =>
            {
                await gate.Task;
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    var id = await api.AcceptedAsync(
                        $"/api/v1/tenants/{Tenant}/apps/{BatchApp(i)}/environments/{BatchEnvironment}/deploy",
                        new { note = "batch" },
                        ct
                    );
                    return (Id: (Guid?)id, Answered: Stopwatch.GetElapsedTime(sent), Refusal: (string?)null);
                }
                catch (Exception e) when (e is ApiRefused or HttpRequestException or TaskCanceledException)
                {
                    return (Id: null, Answered: Stopwatch.GetElapsedTime(sent), Refusal: e.Message);
                }
            })
            .ToList();
        var startedAt = DateTime.UtcNow;
        var wall = Stopwatch.StartNew();
        gate.SetResult();
        var answers = await Task.WhenAll(posting);
        var allAnswered = wall.Elapsed;
        var ids = answers.Where(a => a.Id is not null).Select(a => a.Id!.Value).ToList();
        TimeSpan? lastSeenDone = null;
        var finishedSeries = new List<(double Seconds, int Finished)>();
        var operations = await WaitForAsync(services, ids, TimeSpan.FromMinutes(4), ct, seen =>
        {
            var finished = seen.Count(o => o.IsFinished);
            finishedSeries.Add((wall.Elapsed.TotalSeconds, finished));
            if (finished == ids.Count && lastSeenDone is null)
                lastSeenDone = wall.Elapsed;
        });
        var observedWall = lastSeenDone ?? wall.Elapsed;

        var succeeded = operations.Where(o => o.State == OperationState.Succeeded).ToList();
        var failed = operations.Where(o => o.State == OperationState.Failed).ToList();
        var unfinished = operations.Count(o => !o.IsFinished);
        var refused = answers.Where(a => a.Id is null).ToList();
        var ended = operations.Where(o => o.IsFinished).ToList();
        var serverWall = ended.Count == 0 ? TimeSpan.Zero : ended.Max(o => o.FinishedAt!.Value) - startedAt;

        var total = new Samples("per operation: created → finished (server timestamps)");
        var queued = new Samples(
            "… queued: created → first step started (Hangfire pick-up, waiting for a free worker)"
        );
        var applying = new Samples("… applying the objects: first step started → `rollout` step started");
        var rolling = new Samples("… `rollout` step (followed until every replica is available)");
        var answered = new Samples(
            "`POST …/deploy` → `202 Accepted` (admission, revision, operation saved, job enqueued)"
        );
        foreach (var a in answers)
            answered.Add(a.Answered.TotalMilliseconds);
        foreach (var o in ended)
        {
            total.Add((o.FinishedAt!.Value - o.CreatedAt).TotalMilliseconds);
            if (o.Steps.Count == 0)
                continue;
            var first = o.Steps.Min(s => s.StartedAt);
            queued.Add((first - o.CreatedAt).TotalMilliseconds);
            if (o.Steps.FirstOrDefault(s => s.Name == "rollout") is { } step)
            {
                applying.Add((step.StartedAt - first).TotalMilliseconds);
                if (step.FinishedAt is { } done)
                    rolling.Add((done - step.StartedAt).TotalMilliseconds);
            }
        }
        var pods = await kube.CoreV1.ListNamespacedPodAsync($"{Tenant}-{BatchEnvironment}", cancellationToken: ct);
        var readyPods = pods.Items.Count(p =>
            p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true
        );

        report.Line(
            (
                Invariant($"{Deploys} applications already created (`batch-000` … `batch-")
                + Invariant($"{Deploys - 1:000}`, {DeployReplicas} replicas each), never deployed. ")
                + Invariant($"{Deploys} `POST /api/v1/tenants/{Tenant}/apps/{{app}}/environments/")
                + Invariant($"{BatchEnvironment}/deploy` are released together (one `HttpClient`, a ")
                + "connection each); each answers 202 with its operation, which a "
                + "Hangfire job carries out (ConfigMap, Secret, Deployment, Service, "
                + "Ingress, autoscaler, then the rollout followed to the end). The "
                + "benchmark polls the operations' rows every 100 ms."
            )
        );
        report.Line();
        report.Line("| outcome | value |");
        report.Line("|---|---:|");
        report.Line(Invariant($"| deploys requested at once | {Deploys} |"));
        report.Line(Invariant($"| answered 202 / refused | {ids.Count} / {refused.Count} |"));
        report.Line(Invariant($"| all {Deploys} answered after | {Format.Seconds(allAnswered)} |"));
        report.Line(
            (
                "| operations succeeded / failed / unfinished after 4 min | **"
                + Invariant($"{succeeded.Count} / {failed.Count} / {unfinished}** |")
            )
        );
        report.Line(
            (
                "| **wall time, first request → last operation done** (server "
                + Invariant($"timestamps) | **{Format.Seconds(serverWall)}** |")
            )
        );
        report.Line(Invariant($"| … as observed by the poll | {Format.Seconds(observedWall)} |"));
        report.Line(
            Invariant(
                $"| throughput | {Format.N(ended.Count / Math.Max(serverWall.TotalSeconds, 0.001), 1)} deploys/s |"
            )
        );
        report.Line(
            (
                Invariant($"| pods Ready in namespace `{Tenant}-{BatchEnvironment}` afterwards ")
                + Invariant($"(expected {Deploys * DeployReplicas}) | {readyPods} of ")
                + Invariant($"{pods.Items.Count} |")
            )
        );
        report.Line();
        report.Table([total, queued, applying, rolling, answered]);
        var reasons = failed
            .Select(o => "operation failed: " + (o.Error ?? "(no reason)"))
            .Concat(refused.Select(r => "request refused: " + r.Refusal))
            .Concat(operations.Where(o => !o.IsFinished).Select(o => $"operation still {o.State}"))
            .GroupBy(r => r, StringComparer.Ordinal)
            .ToList();
        foreach (var reason in reasons)
            report.Line(Invariant($"- {reason.Count()}× {reason.Key}"));
        if (reasons.Count > 0)
        {
            var log = Path.Combine(Path.GetTempPath(), $"portal-bench-web-{Guid.NewGuid():N}.log");
            await File.WriteAllTextAsync(log, web.Output, CancellationToken.None);
            progress($"the portal's output is in {log}");
            var logged = web
                .Output.Split('\n')
                .Select(l => l.Trim())
                .Where(l => l.Contains("Exception:", StringComparison.Ordinal))
                .GroupBy(l => l, StringComparer.Ordinal)
                .Take(5)
                .ToList();
            if (logged.Count > 0)
            {
                report.Line();
                report.Line("What the portal logged (distinct exception lines of its console):");
                report.Line();
                foreach (var line in logged)
                    report.Line(Invariant($"- {line.Count()}× `{line.Key.Replace('`', '\'')}`"));
            }
            report.Line();
        }
        report.Line("Operations finished over time (seconds since the requests were released):");
        report.Line();
        report.Line("| t (s) | finished |");
        report.Line("|---:|---:|");
        foreach (var (seconds, finished) in Thin(finishedSeries, 12))
            report.Line(Invariant($"| {seconds:F1} | {finished} |"));
        report.Line();
        if (queued.Count > 0 && rolling.Count > 0 && queued.Percentile(0.5) > rolling.Percentile(0.5))
            findings.Add(
                (
                    Invariant($"{Deploys} deploys at once took {Format.Seconds(serverWall)}: each job ")
                    + "holds one of the 10 Hangfire workers (`Portal:Jobs:Workers`) for its "
                    + "whole rollout (`ApplicationDeployer.FollowRolloutAsync`, "
                    + "src/Portal.Infrastructure/Applications/ApplicationDeployer.cs, a loop "
                    + "of reads and watches of up to `RecheckEvery`), rollout p50 "
                    + Invariant($"{rolling.Percentile(0.5) / 1000:F1} s, so the deploys run 10 at a time ")
                    + Invariant($"and the median operation spends {queued.Percentile(0.5) / 1000:F1} s ")
                    + "queued. The house style (STYLE.md, Hangfire jobs) allows long waits as "
                    + "loops with a deadline or as a follow-up job; the loop is correct but "
                    + "it keeps a worker for the whole wait, which is what caps throughput. "
                    + "With real rollouts (image pulls and readiness probes take tens of "
                    + "seconds) the same queue would stretch in proportion: at 30 s a "
                    + "rollout, 100 deploys would take about 100 × 30 s / 4 ≈ 12 minutes. "
                    + "Suggested fix: end the job after applying the objects and let a "
                    + "follow-up (a delayed job re-scheduled every few seconds, or the "
                    + "cluster watch's Deployment/pod changes) judge the rollout, so that "
                    + "workers are only busy while they talk to the cluster; or, at least, "
                    + "more workers (`Portal:Jobs:Workers`) — they mostly wait."
                )
            );
        if (refused.Count > 0 && web.Output.Contains("53300", StringComparison.Ordinal))
            findings.Add(
                (
                    Invariant($"**{refused.Count} of {Deploys} deploy requests failed with 500**: ")
                    + "PostgreSQL refused new connections (`53300: remaining connection slots "
                    + "are reserved for non-replication superuser connections`; this server "
                    + "has `max_connections` = 100, PostgreSQL's default and the `postgres` "
                    + "image's). The portal sets no pool bound — `ConnectionStrings:Portal` "
                    + "(appsettings, docker-compose.yml) has no `Maximum Pool Size`, so "
                    + Invariant($"Npgsql's default of 100 applies — and a burst of {Deploys} concurrent ")
                    + "requests opens a connection each, beside Hangfire's and the cluster "
                    + "watch's. The failures surface as `InvalidOperationException: … likely "
                    + "due to a transient failure` from `ApplicationChanges.DeployAsync`'s "
                    + "first query, i.e. a 500 to the caller. Suggested fix: cap the pool "
                    + "(`Maximum Pool Size=…` in the production connection string, sized to "
                    + "the server's `max_connections` divided among replicas, with headroom "
                    + "for Hangfire) so that a burst waits in the pool (up to `Timeout`, 15 "
                    + "s) instead of failing, and say so in README's Production section; "
                    + "optionally map SqlState 53300 to a 503 with `Retry-After`."
                )
            );
        return new DeployFigures(Deploys, succeeded.Count, refused.Count, failed.Count, unfinished, serverWall, total);
    }

    // ------------------------------------------------------------------ 4. admission under concurrency

    private static async Task AdmissionRaceAsync(
        Report report,
        PortalApi api,
        List<string> findings,
        Action<string> progress,
        CancellationToken ct
    )
    {
        report.Heading("## 4. Side check: the portal's admission under concurrent deploys");
        progress("admission race");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posting = Enumerable
            .Range(0, RaceDeploys)
            .Select(async i =>
            {
                await gate.Task;
                try
                {
                    await api.AcceptedAsync(
                        $"/api/v1/tenants/{Tenant}/apps/{RaceApp(i)}/environments/{TightEnvironment}/deploy",
                        new { note = "race" },
                        ct
                    );
                    return (Admitted: true, Status: HttpStatusCode.Accepted, Message: "");
                }
                catch (ApiRefused refused)
                {
                    return (Admitted: false, refused.Status, Message: refused.Message);
                }
            })
            .ToList();
        gate.SetResult();
        var answers = await Task.WhenAll(posting);
        var admitted = answers.Count(a => a.Admitted);
        // One more, alone, once the others are saved: the books as admission now sees them.
        string control;
        try
        {
            await api.AcceptedAsync(
                $"/api/v1/tenants/{Tenant}/apps/{RaceApp(RaceDeploys)}/environments/{TightEnvironment}/deploy",
                new { note = "after the race" },
                ct
            );
            control = "admitted (202)";
        }
        catch (ApiRefused refused)
        {
            control = Invariant($"refused: `{refused.Message}`");
        }
        report.Line(
            (
                Invariant($"Environment `{TightEnvironment}`'s share holds exactly {TightReplicas} ")
                + "replicas of the size used ("
                + Invariant($"{Milli(Size.CpuRequestMillis * TightReplicas)} CPU requests, ")
                + Invariant($"{TightReplicas} pods). {RaceDeploys} applications of 1 replica each ")
                + Invariant($"are deployed to it at once: at most {TightReplicas} should be ")
                + "admitted, the others refused with \"Over quota in environment '"
                + Invariant($"{TightEnvironment}'\".")
            )
        );
        report.Line();
        report.Line(
            (
                Invariant($"- admitted (202): **{admitted}**; refused: ")
                + Invariant($"{answers.Count(a => !a.Admitted)} (")
                + string.Join(
                    ", ",
                    answers
                        .Where(a => !a.Admitted)
                        .GroupBy(a => (int)a.Status)
                        .Select(g => Invariant($"{g.Count()}× {g.Key}"))
                )
                + ")"
            )
        );
        if (answers.FirstOrDefault(a => !a.Admitted) is { Message.Length: > 0 } first)
            report.Line(Invariant($"- a refusal: `{first.Message}`"));
        report.Line(Invariant($"- one more deploy of 1 replica, made alone afterwards: {control}"));
        report.Line(
            "- (their operations are not waited for: the ones beyond the share "
                + "would meet the namespace's ResourceQuota, and the run ends here.)"
        );
        if (admitted > TightReplicas)
            findings.Add(
                (
                    Invariant($"**Admission race (product bug):** {RaceDeploys} concurrent deploys of ")
                    + Invariant($"1 replica into an environment whose share holds {TightReplicas} **")
                    + Invariant($"{admitted} were admitted**. `ApplicationChanges.DeployAsync` → ")
                    + "`AdmitAsync` "
                    + "(src/Portal.Infrastructure/Applications/ApplicationChanges.cs) sums "
                    + "the other `AppDeployments` of the environment with a plain read (read "
                    + "committed), then saves; nothing serialises two admissions into the "
                    + "same environment, so each reads the books before the others have "
                    + "committed and sees the share still free. The overdraft would surface "
                    + "only later, in the cluster, when the namespace's ResourceQuota refuses "
                    + "the extra pods and those rollouts fail — and the portal's own books "
                    + "stay overdrawn (see the deploy made alone afterwards). "
                    + "`ChangeReplicasAsync` (scale, start) has the same read-then-save "
                    + "window. Suggested fix: serialise admissions per environment inside the "
                    + "saving transaction — e.g. `SELECT … FROM \"Environments\" WHERE \"Id\" "
                    + "= @id FOR UPDATE` (PostgreSQL; on SQLite the write lock already "
                    + "serialises) at the start of a transaction that spans `AdmitAsync` and "
                    + "`SaveChangesAsync`, or a concurrency token on the environment row "
                    + "bumped by every admission, retrying on conflict. A test: N parallel "
                    + "deploys into a share for M < N replicas admit exactly M."
                )
            );
        else
            report.Line("- No overdraft in this run.");
    }

    private static IEnumerable<(double Seconds, int Finished)> Thin(
        List<(double Seconds, int Finished)> samples,
        int count
    )
    {
        if (samples.Count <= count)
            return samples;
        return Enumerable
            .Range(0, count)
            .Select(i => samples[(int)Math.Round(i * (samples.Count - 1) / (double)(count - 1))]);
    }
}

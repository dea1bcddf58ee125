using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// The list+watch cache of one cluster's nodes and pods. Each kind is listed in pages, then watched from the
/// list's resource version; a dropped stream is resumed from the last version seen, and a 410 Gone (the
/// version is too old) starts over with a fresh list. Changes are folded into the hosts inventory, the namespaces'
/// workload totals and the managed pods (<see cref="WorkloadPod"/>) in batches, and pushed to browsers. Of a pod, the
/// watch keeps what it holds on its node; its status only when the portal manages it, so that memory follows what pages
/// show.
/// </summary>
public sealed class ClusterWatch(
    Guid clusterId,
    KubernetesClients clients,
    IServiceScopeFactory scopes,
    IHostChangeNotifier notifier,
    ClusterOptions options,
    ClusterWatchMetrics metrics,
    TimeProvider clock,
    ILogger<ClusterWatch> logger
)
{
    private const int ListPageSize = 500;
    private const int WatchSeconds = 300;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, NodeSnapshot> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodLoad> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Cpu, long Memory, int Count)> _load = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkloadTotals> _namespaces = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyNamespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodStatusReading> _workloads = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyWorkloads = new(StringComparer.Ordinal);
    private bool _podsListed;
    private bool _podsRelisted;
    private bool _workloadsRelisted;
    private bool _nodesListed;

    /// <summary>Watch events handled since the start, lists included: what the benchmark counts.</summary>
    public long EventsProcessed => Interlocked.Read(ref _events);
    private long _events;

    /// <summary>
    /// Watch requests made: one per kind at the start, and one more each time a stream ends or drops.
    /// </summary>
    public int WatchesStarted => _watchesStarted;
    private int _watchesStarted;

    /// <summary>Times a watch had to start over with a fresh list (410 Gone).</summary>
    public int Relists => _relists;
    private int _relists;

    public int NodeCount
    {
        get
        {
            lock (_gate)
                return _nodes.Count;
        }
    }
    public int PodCount
    {
        get
        {
            lock (_gate)
                return _pods.Count;
        }
    }
    public int ManagedPodCount
    {
        get
        {
            lock (_gate)
                return _workloads.Count;
        }
    }

    /// <summary>
    /// Whether this watch is failing now (it failed and has not run since): what the metric and the cluster's mark say.
    /// </summary>
    private bool _failing;

    /// <summary>
    /// Keeps the watch running: node watch, pod watch and flush run together, and when any of them fails the others are
    /// stopped and the whole watch starts over with a fresh list, after a backoff (1 s, doubling up to 30 s). Each
    /// failure is logged, counted and marked on the cluster (degraded, since when, why) until a restarted watch has
    /// listed both kinds, written them and held both watches (<see cref="ClusterOptions.WatchHoldsAfter"/>). After
    /// <see cref="ClusterOptions.HandOverAfterFailures"/> failures in a row it returns, so that its replica lets the
    /// lease go and another replica may try.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = FirstBackoff;
        var failures = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var run = new WatchRun();
                Exception failure;
                try
                {
                    await RunOnceAsync(run, ct);
                    continue;
                }
                catch (Exception) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    failure = e;
                }
                if (run.Ran)
                    (failures, backoff) = (0, FirstBackoff);
                failures++;
                var (branch, cause) = failure is BranchFailed failed
                    ? (failed.Branch, failed.InnerException!)
                    : ("connection", failure);
                var reason = $"{branch}: {Describe(cause)}";
                metrics.Restarted(clusterId, branch);
                if (!_failing)
                {
                    _failing = true;
                    metrics.StartedFailing();
                }
                await MarkFailingAsync(reason, ct);
                if (failures >= options.HandOverAfterFailures)
                {
                    logger.LogError(
                        cause,
                        "The watch of cluster {Cluster} failed {Failures} times in a row "
                            + "({Reason}); this replica hands it over",
                        clusterId,
                        failures,
                        reason
                    );
                    return;
                }
                logger.LogWarning(
                    cause,
                    "The watch of cluster {Cluster} failed ({Reason}); starting it over in {Delay}",
                    clusterId,
                    reason,
                    backoff
                );
                await Task.Delay(backoff, clock, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(LongestBackoff.Ticks, backoff.Ticks * 2));
            }
        }
        finally
        {
            if (_failing)
            {
                _failing = false;
                metrics.StoppedFailing();
            }
        }
    }

    /// <summary>
    /// One start of the watch; it ends only by failing (or being stopped), and the first branch to fail stops the
    /// others.
    /// </summary>
    private async Task RunOnceAsync(WatchRun run, CancellationToken ct)
    {
        // A client of its own: disposing it is what ends its long watch requests when the watch stops.
        using var client = await clients.CreateDedicatedAsync(clusterId, ct);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = stopping.Token;
        await using var ending = token.Register(client.Dispose);
        Task[] branches =
        [
            Branch(
                "node watch",
                token,
                WatchAsync<V1Node, V1NodeList, NodeSnapshot>(
                    cont =>
                        client.CoreV1.ListNodeWithHttpMessagesAsync(
                            limit: ListPageSize,
                            continueParameter: cont,
                            cancellationToken: token
                        ),
                    (rv, onError) =>
                        client.CoreV1.WatchListNodeAsync(
                            allowWatchBookmarks: true,
                            resourceVersion: rv,
                            timeoutSeconds: WatchSeconds,
                            onError: onError,
                            cancellationToken: token
                        ),
                    NodeReading.From,
                    ReplaceNodes,
                    ApplyNode,
                    run.Nodes,
                    token
                )
            ),
            Branch(
                "pod watch",
                token,
                WatchAsync<V1Pod, V1PodList, PodReading>(
                    cont =>
                        client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(
                            limit: ListPageSize,
                            continueParameter: cont,
                            cancellationToken: token
                        ),
                    (rv, onError) =>
                        client.CoreV1.WatchListPodForAllNamespacesAsync(
                            allowWatchBookmarks: true,
                            resourceVersion: rv,
                            timeoutSeconds: WatchSeconds,
                            onError: onError,
                            cancellationToken: token
                        ),
                    NodeReading.Read,
                    ReplacePods,
                    ApplyPod,
                    run.Pods,
                    token
                )
            ),
            Branch("flush", token, FlushLoopAsync(run, token)),
        ];
        var first = await Task.WhenAny(branches);
        await stopping.CancelAsync();
        await Task.WhenAll(branches).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await FlushWhatWasListedAsync(ct);
        await first;
        throw new BranchFailed("watch", new InvalidOperationException("A branch of the watch ended by itself."));
    }

    /// <summary>
    /// A list that a failing watch made is fresh: it is written before the watch starts over (a server that refuses
    /// every watch at once still lets the lists through, and the pages would otherwise keep what they had).
    /// </summary>
    private async Task FlushWhatWasListedAsync(CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
            return;
        try
        {
            await FlushAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogDebug(e, "Cluster {Cluster}: what was listed could not be written now", clusterId);
        }
    }

    /// <summary>
    /// Names a branch's failure; what a branch throws because the watch is stopping is no failure of its own.
    /// </summary>
    private static async Task Branch(string name, CancellationToken stopping, Task work)
    {
        try
        {
            await work;
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            throw new BranchFailed(name, e);
        }
    }

    /// <summary>
    /// A failure in words an operator can act on: the API server's status, or the database's or the network's own
    /// message.
    /// </summary>
    private static string Describe(Exception e) =>
        e switch
        {
            HttpOperationException http =>
                $"{(int)http.Response.StatusCode} {http.Response.ReasonPhrase ?? http.Response.StatusCode.ToString()}",
            KubernetesException { Status: { } status } => $"{status.Code} {status.Reason}: {status.Message}",
            DbUpdateException db => $"database: {db.InnerException?.Message ?? db.Message}",
            _ => e.Message,
        };

    private async Task MarkFailingAsync(string reason, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            if (await db.Clusters.FirstOrDefaultAsync(c => c.Id == clusterId, ct) is not { } cluster)
                return;
            cluster.WatchFailed(reason, clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The database may be what fails; the log and the metric still say it.
            logger.LogWarning(e, "Cluster {Cluster} could not be marked degraded", clusterId);
        }
    }

    /// <summary>
    /// The restarted watch has listed both kinds, written them and holds both watches: the cluster is no longer
    /// degraded.
    /// </summary>
    private async Task MarkRunningAsync(CancellationToken ct)
    {
        if (_failing)
        {
            _failing = false;
            metrics.StoppedFailing();
            logger.LogInformation("The watch of cluster {Cluster} runs again", clusterId);
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        if (
            await db.Clusters.FirstOrDefaultAsync(c => c.Id == clusterId && c.WatchFailingSince != null, ct)
            is not { } cluster
        )
            return;
        cluster.WatchRecovered();
        await db.SaveChangesAsync(ct);
    }

    /// <summary>What one start of the watch has done so far.</summary>
    private sealed class WatchRun
    {
        public KindWatch Nodes { get; } = new();
        public KindWatch Pods { get; } = new();
        public bool Ran;
    }

    /// <summary>How far one kind's watch got in one start of the watch.</summary>
    private sealed class KindWatch
    {
        private long _openSinceTicks;
        private volatile bool _listed;
        private volatile bool _delivered;

        public void Listed() => _listed = true;

        /// <summary>A watch request starts: its stream is open from now until it ends.</summary>
        public void Opened(DateTimeOffset now)
        {
            _delivered = false;
            Interlocked.Exchange(ref _openSinceTicks, now.UtcTicks);
        }

        public void Delivered() => _delivered = true;

        public void Closed() => Interlocked.Exchange(ref _openSinceTicks, 0);

        /// <summary>
        /// Listed, and its stream kept: it delivered an event, or stayed open <paramref name="settle"/> (a watch the
        /// server ends at once with an error is no watch; KubernetesClient's streaming watch does not tell when the
        /// server answered).
        /// </summary>
        public bool Holds(DateTimeOffset now, TimeSpan settle) =>
            _listed
            && Interlocked.Read(ref _openSinceTicks) is var since and not 0
            && (_delivered || now.UtcTicks - since >= settle.Ticks);
    }

    /// <summary>A branch of the watch (node watch, pod watch, flush) failed.</summary>
    private sealed class BranchFailed(string branch, Exception cause)
        : Exception($"The {branch} failed: {cause.Message}", cause)
    {
        public string Branch { get; } = branch;
    }

    /// <summary>
    /// Lists one kind in pages, keeping only what the portal reads of each object (a page at a time, so that
    /// a large cluster never sits in memory whole), then watches it from the list's version. A stream that ends or
    /// drops is resumed from the last version seen; one whose version is too old (410 Gone) starts over with a fresh
    /// list. What it cannot get past fails the branch, and so the watch, which starts over after a backoff and marks
    /// the cluster degraded, such as a 410 Gone for the version a list has just returned (a server that keeps no
    /// watch now: listing again at once would only list again and again).
    /// </summary>
    private async Task WatchAsync<TItem, TList, TReading>(
        Func<string?, Task<HttpOperationResponse<TList>>> listPage,
        Func<string, Action<Exception>, IAsyncEnumerable<(WatchEventType, TItem)>> watch,
        Func<TItem, TReading> read,
        Action<List<TReading>> replace,
        Action<WatchEventType, TReading> apply,
        KindWatch state,
        CancellationToken ct
    )
        where TItem : IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<TItem>
    {
        string? version = null;
        while (!ct.IsCancellationRequested)
        {
            Exception? gone = null;
            var fromList = false;
            try
            {
                if (version is null)
                {
                    version = await ListAllAsync(listPage, read, replace, ct);
                    state.Listed();
                    fromList = true;
                }
                Interlocked.Increment(ref _watchesStarted);
                state.Opened(clock.GetUtcNow());
                await foreach (var (type, item) in watch(version, e =>
                    {
                        if (IsGone(e))
                            gone = e;
                    }))
                {
                    state.Delivered();
                    fromList = false;
                    version = item.Metadata?.ResourceVersion ?? version;
                    Interlocked.Increment(ref _events);
                    if (type != WatchEventType.Bookmark)
                        apply(type, read(item));
                }
                state.Closed();
                if (gone is not null)
                    throw gone;
            }
            catch (Exception e) when (IsGone(e))
            {
                state.Closed();
                Interlocked.Increment(ref _relists);
                if (fromList)
                    throw;
                // The watch's version, or a list's continue token, is older than the server keeps.
                logger.LogInformation(
                    "Cluster {Cluster}: {Kind} version {Version} expired; listing again",
                    clusterId,
                    typeof(TItem).Name,
                    version
                );
                version = null;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !ct.IsCancellationRequested)
            {
                state.Closed();
                // The stream dropped: resume from the last version seen.
                logger.LogDebug(
                    e,
                    "Cluster {Cluster}: {Kind} watch dropped at version {Version}",
                    clusterId,
                    typeof(TItem).Name,
                    version
                );
            }
        }
    }

    private async Task<string> ListAllAsync<TItem, TList, TReading>(
        Func<string?, Task<HttpOperationResponse<TList>>> listPage,
        Func<TItem, TReading> read,
        Action<List<TReading>> replace,
        CancellationToken ct
    )
        where TList : IKubernetesObject<V1ListMeta>, IItems<TItem>
    {
        var readings = new List<TReading>();
        string? next = null;
        string version;
        do
        {
            using var response = await listPage(next);
            readings.AddRange(response.Body.Items.Select(read));
            next = response.Body.Metadata?.ContinueProperty;
            version = response.Body.Metadata?.ResourceVersion ?? "0";
        } while (!string.IsNullOrEmpty(next) && !ct.IsCancellationRequested);
        Interlocked.Add(ref _events, readings.Count);
        replace(readings);
        return version;
    }

    private static bool IsGone(Exception e) =>
        e switch
        {
            KubernetesException k => k.Status?.Code == (int)HttpStatusCode.Gone,
            HttpOperationException h => h.Response.StatusCode == HttpStatusCode.Gone,
            _ => false,
        };

    private void ReplaceNodes(List<NodeSnapshot> nodes)
    {
        lock (_gate)
        {
            _dirty.UnionWith(_nodes.Keys);
            _nodes.Clear();
            foreach (var node in nodes)
                _nodes[node.Name] = node;
            _dirty.UnionWith(_nodes.Keys);
            _nodesListed = true;
        }
    }

    private void ApplyNode(WatchEventType type, NodeSnapshot node)
    {
        lock (_gate)
        {
            if (type == WatchEventType.Deleted)
                _nodes.Remove(node.Name);
            else
                _nodes[node.Name] = node;
            _dirty.Add(node.Name);
        }
    }

    private void ReplacePods(List<PodReading> pods)
    {
        lock (_gate)
        {
            _dirty.UnionWith(_load.Keys);
            _dirtyNamespaces.UnionWith(_namespaces.Keys);
            _pods.Clear();
            _load.Clear();
            _namespaces.Clear();
            foreach (var pod in pods)
                Add(pod.Load);
            ReplaceWorkloads(pods);
            _podsListed = _podsRelisted = _workloadsRelisted = true;
        }
    }

    /// <summary>
    /// Only the managed pods whose status differs from what was known are written again after a list.
    /// </summary>
    private void ReplaceWorkloads(List<PodReading> pods)
    {
        var fresh = new Dictionary<string, PodStatusReading>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (pod.Status is { } status)
                fresh[Key(status.Namespace, status.Name)] = status;
        }
        foreach (var (key, known) in _workloads)
        {
            if (!fresh.TryGetValue(key, out var now) || now != known)
                _dirtyWorkloads.Add(key);
        }
        foreach (var key in fresh.Keys)
        {
            if (!_workloads.ContainsKey(key))
                _dirtyWorkloads.Add(key);
        }
        _workloads.Clear();
        foreach (var (key, status) in fresh)
            _workloads[key] = status;
    }

    private void ApplyPod(WatchEventType type, PodReading pod)
    {
        lock (_gate)
        {
            var key = Key(pod.Load.Namespace, pod.Load.Name);
            // Most changes of a running pod are of its status (a restart, readiness): its node's and namespace's
            // totals stay, and neither is written again for it.
            var sameLoad = type != WatchEventType.Deleted && _pods.TryGetValue(key, out var held) && held == pod.Load;
            if (!sameLoad)
            {
                if (_pods.Remove(key, out var previous))
                    Subtract(previous);
                if (type != WatchEventType.Deleted)
                    Add(pod.Load);
            }
            var status = type == WatchEventType.Deleted ? null : pod.Status;
            if (status is null)
            {
                if (_workloads.Remove(key))
                    _dirtyWorkloads.Add(key);
            }
            else if (!_workloads.TryGetValue(key, out var known) || known != status)
            {
                _workloads[key] = status;
                _dirtyWorkloads.Add(key);
            }
        }
    }

    private static string Key(string @namespace, string name) => $"{@namespace}/{name}";

    private void Add(PodLoad pod)
    {
        _pods[Key(pod.Namespace, pod.Name)] = pod;
        if (pod.CountsAgainstQuota)
        {
            _namespaces[pod.Namespace] = _namespaces.GetValueOrDefault(pod.Namespace) + WorkloadTotals.Of(pod);
            _dirtyNamespaces.Add(pod.Namespace);
        }
        if (!pod.HoldsResources)
            return;
        var load = _load.GetValueOrDefault(pod.NodeName!);
        _load[pod.NodeName!] = (
            load.Cpu + pod.CpuRequestedMillis,
            load.Memory + pod.MemoryRequestedBytes,
            load.Count + 1
        );
        _dirty.Add(pod.NodeName!);
    }

    private void Subtract(PodLoad pod)
    {
        if (pod.CountsAgainstQuota && _namespaces.TryGetValue(pod.Namespace, out var totals))
        {
            var left = totals - WorkloadTotals.Of(pod);
            if (left.Pods == 0)
                _namespaces.Remove(pod.Namespace);
            else
                _namespaces[pod.Namespace] = left;
            _dirtyNamespaces.Add(pod.Namespace);
        }
        if (!pod.HoldsResources || !_load.TryGetValue(pod.NodeName!, out var load))
            return;
        _load[pod.NodeName!] = (
            load.Cpu - pod.CpuRequestedMillis,
            load.Memory - pod.MemoryRequestedBytes,
            load.Count - 1
        );
        _dirty.Add(pod.NodeName!);
    }

    private async Task FlushLoopAsync(WatchRun run, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.FlushInterval, clock);
        while (await timer.WaitForNextTickAsync(ct))
        {
            await FlushAsync(ct);
            var now = clock.GetUtcNow();
            if (
                !run.Ran
                && run.Nodes.Holds(now, options.WatchHoldsAfter)
                && run.Pods.Holds(now, options.WatchHoldsAfter)
            )
            {
                run.Ran = true;
                await MarkRunningAsync(ct);
            }
        }
    }

    /// <summary>
    /// Writes what changed since the last flush: managed pods and hosts (said to browsers too) and namespaces' workload
    /// totals.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await FlushWorkloadsAsync(ct);
        await FlushNamespacesAsync(ct);
        await FlushHostsAsync(ct);
    }

    private async Task FlushWorkloadsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        bool relisted;
        lock (_gate)
        {
            relisted = _workloadsRelisted;
            _workloadsRelisted = false;
        }
        // After a fresh list, rows written before it (by this replica, another one, or before a restart) may name pods
        // gone since.
        var stored = relisted
            ? await db
                .WorkloadPods.Where(p => p.ClusterId == clusterId)
                .Select(p => new { p.Namespace, p.Name })
                .ToListAsync(ct)
            : [];
        List<(string Key, PodStatusReading? Status)> changes;
        lock (_gate)
        {
            if (!_podsListed)
                return;
            foreach (var row in stored)
            {
                var key = Key(row.Namespace, row.Name);
                if (!_workloads.ContainsKey(key))
                    _dirtyWorkloads.Add(key);
            }
            if (_dirtyWorkloads.Count == 0)
                return;
            changes = _dirtyWorkloads.Select(key => (key, _workloads.GetValueOrDefault(key))).ToList();
            _dirtyWorkloads.Clear();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var changed = new HashSet<AppWorkload>();
        foreach (var batch in changes.Chunk(500))
        {
            // Namespaces and names, each in a list: a name may come back from another namespace of the batch (a
            // StatefulSet's "db-0"), and the key keeps only the pod meant.
            var namespaces = batch
                .Select(c => c.Key[..c.Key.IndexOf('/', StringComparison.Ordinal)])
                .Distinct()
                .ToList();
            var names = batch
                .Select(c => c.Key[(c.Key.IndexOf('/', StringComparison.Ordinal) + 1)..])
                .Distinct()
                .ToList();
            var rows = await db
                .WorkloadPods.Where(p =>
                    p.ClusterId == clusterId && namespaces.Contains(p.Namespace) && names.Contains(p.Name)
                )
                .ToDictionaryAsync(p => Key(p.Namespace, p.Name), StringComparer.Ordinal, ct);
            foreach (var (key, status) in batch)
            {
                rows.TryGetValue(key, out var row);
                if (status is null)
                {
                    if (row is not null)
                    {
                        db.WorkloadPods.Remove(row);
                        changed.Add(new AppWorkload(clusterId, row.Namespace, row.App));
                    }
                    continue;
                }
                if (row is null)
                {
                    row = new WorkloadPod(clusterId, status.Namespace, status.Name);
                    db.WorkloadPods.Add(row);
                }
                var app = row.App;
                if (row.Observe(status, now))
                {
                    changed.Add(new AppWorkload(clusterId, status.Namespace, status.App));
                    if (app.Length > 0 && app != status.App)
                        changed.Add(new AppWorkload(clusterId, status.Namespace, app));
                }
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        if (changed.Count == 0)
            return;
        await scope.ServiceProvider.GetRequiredService<IWorkloadChangeNotifier>().WorkloadsChangedAsync(changed, ct);
        foreach (var observer in scope.ServiceProvider.GetServices<IWorkloadPodsObserver>())
        {
            try
            {
                await observer.PodsChangedAsync(changed, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "Cluster {Cluster}: {Observer} missed a change of pods", clusterId, observer);
            }
        }
    }

    private async Task FlushNamespacesAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        bool relisted;
        lock (_gate)
        {
            relisted = _podsRelisted;
            _podsRelisted = false;
        }
        // After a fresh list, rows written before it (by this replica or another) may name namespaces now empty.
        var stored = relisted
            ? await db.NamespaceLoads.Where(l => l.ClusterId == clusterId).Select(l => l.Namespace).ToListAsync(ct)
            : [];
        List<(string Namespace, WorkloadTotals Totals)> changes;
        lock (_gate)
        {
            if (!_podsListed)
                return;
            _dirtyNamespaces.UnionWith(stored);
            changes = _dirtyNamespaces.Select(ns => (ns, _namespaces.GetValueOrDefault(ns))).ToList();
            _dirtyNamespaces.Clear();
        }
        if (changes.Count == 0)
            return;
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var batch in changes.Chunk(500))
        {
            var names = batch.Select(c => c.Namespace).ToList();
            var loads = await db
                .NamespaceLoads.Where(l => l.ClusterId == clusterId && names.Contains(l.Namespace))
                .ToDictionaryAsync(l => l.Namespace, ct);
            foreach (var (name, totals) in batch)
            {
                if (totals.Pods == 0)
                {
                    if (loads.TryGetValue(name, out var emptied))
                        db.NamespaceLoads.Remove(emptied);
                    continue;
                }
                if (!loads.TryGetValue(name, out var load))
                {
                    load = new NamespaceLoad(clusterId, name);
                    db.NamespaceLoads.Add(load);
                }
                load.Observe(totals, now);
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
    }

    private async Task FlushHostsAsync(CancellationToken ct)
    {
        List<(string Name, NodeSnapshot? Node, (long Cpu, long Memory, int Count) Load)> changes;
        lock (_gate)
        {
            if (!_nodesListed || _dirty.Count == 0)
                return;
            changes = _dirty
                .Select(name => (name, _nodes.GetValueOrDefault(name), _load.GetValueOrDefault(name)))
                .ToList();
            _dirty.Clear();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var changed = new List<HostRow>();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        foreach (var batch in changes.Chunk(500))
        {
            var names = batch.Select(c => c.Name).ToList();
            var hosts = await db
                .Hosts.Where(h => h.ClusterId == clusterId && names.Contains(h.Name))
                .ToDictionaryAsync(h => h.Name, ct);
            foreach (var (name, node, load) in batch)
            {
                if (node is null)
                {
                    if (hosts.TryGetValue(name, out var gone))
                        db.Hosts.Remove(gone);
                    continue;
                }
                if (!hosts.TryGetValue(name, out var host))
                {
                    host = new ClusterHost(clusterId, name);
                    db.Hosts.Add(host);
                }
                var shown = host.Observe(node, now) | host.ObserveLoad(load.Cpu, load.Memory, load.Count);
                if (shown)
                    changed.Add(HostRows.From(host));
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        if (changed.Count > 0)
            await notifier.HostsChangedAsync(clusterId, changed, ct);
    }
}

using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

/// <summary>Bound from <c>Portal:Clusters</c>.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Portal:Clusters";

    /// <summary>
    /// How long checking a kubeconfig or a cluster may take in all, retries included, before the answer is "no".
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Keep a list+watch of every registered cluster's nodes and pods (off in tests that do not need it).
    /// </summary>
    public bool Watch { get; set; } = true;

    /// <summary>How often observed changes are written to the hosts inventory and pushed to browsers.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a replica's claim to watch a cluster lasts unless renewed (it renews every third of it).
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Failures in a row of a cluster's watch (each started over after a backoff) after which this replica lets the
    /// cluster's lease go for a lease duration, so that another replica, which may reach the cluster or the database
    /// better, can take it.
    /// </summary>
    public int HandOverAfterFailures { get; set; } = 6;

    /// <summary>
    /// How long a restarted watch's streams must stay open (unless an event came first) before its cluster is no
    /// longer marked degraded: a server that answers every watch with an error at once lets the lists through, and
    /// would otherwise clear the mark between two failures.
    /// </summary>
    public TimeSpan WatchHoldsAfter { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Runs one <see cref="ClusterWatch"/> per registered cluster for the life of the portal, on the replica that
/// holds the cluster's watch lease; the other replicas stand by and take over when the lease expires.
/// </summary>
public sealed class ClusterWatcher(
    IServiceScopeFactory scopes,
    KubernetesClients clients,
    IHostChangeNotifier notifier,
    IOptions<ClusterOptions> options,
    ClusterWatchMetrics metrics,
    TimeProvider clock,
    ILoggerFactory logs
) : BackgroundService
{
    private readonly ConcurrentDictionary<
        Guid,
        (ClusterWatch Watch, CancellationTokenSource Stop, Task Running)
    > _watches = new();
    private CancellationToken _stopping = CancellationToken.None;

    /// <summary>This replica's name in the watch leases.</summary>
    public string Holder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        if (!options.Value.Watch)
            return;
        // A cluster registered or removed through another replica reaches this one here: it stands by for the lease of
        // a new cluster (and takes it over if that replica dies), and stops watching a removed one.
        var every = options.Value.LeaseDuration / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            await FollowRegisteredAsync(stoppingToken);
            await Task.Delay(every, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task FollowRegisteredAsync(CancellationToken ct)
    {
        // Only watches started before the read can be of clusters removed since: a newer one may not be in it yet.
        var known = _watches.Keys.ToList();
        List<Guid> ids;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            ids = await scope
                .ServiceProvider.GetRequiredService<PortalDbContext>()
                .Clusters.Select(c => c.Id)
                .ToListAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logs.CreateLogger<ClusterWatcher>().LogWarning(e, "The registered clusters could not be read");
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }
        foreach (var id in ids)
            Start(id);
        foreach (var gone in known.Except(ids))
            await StopAsync(gone);
    }

    /// <summary>The watch of a cluster, for readers of its live state (and for tests).</summary>
    public ClusterWatch? Find(Guid clusterId) => _watches.TryGetValue(clusterId, out var entry) ? entry.Watch : null;

    public void Start(Guid clusterId)
    {
        if (!options.Value.Watch || _stopping.IsCancellationRequested)
            return;
        _watches.GetOrAdd(clusterId, id =>
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            var watch = new ClusterWatch(
                id,
                clients,
                scopes,
                notifier,
                options.Value,
                metrics,
                clock,
                logs.CreateLogger<ClusterWatch>()
            );
            return (watch, stop, Task.Run(() => LeadAsync(id, watch, stop.Token)));
        });
    }

    /// <summary>Watches the cluster while this replica holds its lease, renewing it; waits for it otherwise.</summary>
    private async Task LeadAsync(Guid clusterId, ClusterWatch watch, CancellationToken ct)
    {
        var renewEvery = options.Value.LeaseDuration / 3;
        while (!ct.IsCancellationRequested)
        {
            if (!await HoldAsync(clusterId, ct))
            {
                await Task.Delay(renewEvery, clock, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var kubeconfig = await KubeconfigVersionAsync(clusterId, ct);
            var running = watch.RunAsync(leading.Token);
            var replaced = false;
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(renewEvery, clock, ct));
                if (running.IsCompleted)
                    break;
                // A kubeconfig replaced on any replica reaches the watch here: its long requests hold the old client.
                var current = await KubeconfigVersionAsync(clusterId, ct);
                kubeconfig ??= current;
                replaced = current is not null && current != kubeconfig;
                if (ct.IsCancellationRequested || replaced || !await HoldAsync(clusterId, ct))
                    await leading.CancelAsync();
            }
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (replaced)
            {
                logs.CreateLogger<ClusterWatcher>()
                    .LogInformation(
                        "The kubeconfig of cluster {Cluster} was replaced; its watch starts over with it",
                        clusterId
                    );
            }
            else if (!leading.IsCancellationRequested)
            {
                // The watch gave up here: another replica may do better. This one tries again after a lease duration.
                await ReleaseAsync(clusterId);
                await Task.Delay(options.Value.LeaseDuration, clock, ct)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        await ReleaseAsync(clusterId);
    }

    /// <summary>
    /// The version of the cluster's kubeconfig, or null when it cannot be read now (the next round reads it again).
    /// </summary>
    private async Task<int?> KubeconfigVersionAsync(Guid clusterId, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope
                .ServiceProvider.GetRequiredService<PortalDbContext>()
                .Clusters.AsNoTracking()
                .Where(c => c.Id == clusterId)
                .Select(c => (int?)c.KubeconfigVersion)
                .FirstOrDefaultAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logs.CreateLogger<ClusterWatcher>()
                .LogWarning(e, "The kubeconfig version of cluster {Cluster} could not be read", clusterId);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task ReleaseAsync(Guid clusterId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope
                .ServiceProvider.GetRequiredService<ClusterWatchLeases>()
                .ReleaseAsync(clusterId, Holder, CancellationToken.None);
        }
        catch (Exception e)
        {
            logs.CreateLogger<ClusterWatcher>()
                .LogWarning(
                    e,
                    "The watch lease of cluster {Cluster} could not be let go; it lapses by itself",
                    clusterId
                );
        }
    }

    private async Task<bool> HoldAsync(Guid clusterId, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope
                .ServiceProvider.GetRequiredService<ClusterWatchLeases>()
                .TryHoldAsync(clusterId, Holder, options.Value.LeaseDuration, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logs.CreateLogger<ClusterWatcher>()
                .LogWarning(e, "The watch lease of cluster {Cluster} could not be taken or renewed", clusterId);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async Task StopAsync(Guid clusterId)
    {
        if (!_watches.TryRemove(clusterId, out var entry))
            return;
        await entry.Stop.CancelAsync();
        await entry.Running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        entry.Stop.Dispose();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var id in _watches.Keys)
            await StopAsync(id);
        await base.StopAsync(cancellationToken);
    }
}

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

    /// <summary>How long checking a kubeconfig or a cluster may take in all, retries included, before the answer is "no".</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Keep a list+watch of every registered cluster's nodes and pods (off in tests that do not need it).</summary>
    public bool Watch { get; set; } = true;

    /// <summary>How often observed changes are written to the hosts inventory and pushed to browsers.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Runs one <see cref="ClusterWatch"/> per registered cluster for the life of the portal.</summary>
public sealed class ClusterWatcher(
    IServiceScopeFactory scopes, KubernetesClients clients, IHostChangeNotifier notifier, IOptions<ClusterOptions> options,
    TimeProvider clock, ILoggerFactory logs) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, (ClusterWatch Watch, CancellationTokenSource Stop, Task Running)> _watches = new();
    private CancellationToken _stopping = CancellationToken.None;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        if (!options.Value.Watch)
            return;
        await using var scope = scopes.CreateAsyncScope();
        var ids = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Clusters.Select(c => c.Id).ToListAsync(stoppingToken);
        foreach (var id in ids)
            Start(id);
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
            var watch = new ClusterWatch(id, clients, scopes, notifier, options.Value, clock, logs.CreateLogger<ClusterWatch>());
            return (watch, stop, Task.Run(() => watch.RunAsync(stop.Token)));
        });
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

using System.Text;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;
using Portal.Sandbox.Hosting;

namespace Portal.Infrastructure.Tests.Clusters;

/// <summary>
/// A sandbox cluster registered with the portal's infrastructure (on a fresh SQLite file) and watched by it,
/// with a KubernetesClient of its own to change the cluster from the outside.
/// </summary>
public sealed class WatchedCluster : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _databaseFile;
    private readonly IConfiguration _configuration;
    private readonly Action<IServiceCollection>? _configureServices;
    private readonly List<ServiceProvider> _replicas = [];

    public SandboxCluster Sandbox { get; }
    public IKubernetes Kubernetes { get; }
    public Guid ClusterId { get; private set; }
    public ClusterWatch Watch => _services.GetRequiredService<ClusterWatcher>().Find(ClusterId)!;

    private WatchedCluster(
        ServiceProvider services,
        IConfiguration configuration,
        Action<IServiceCollection>? configureServices,
        string databaseFile,
        SandboxCluster sandbox
    )
    {
        _services = services;
        _configuration = configuration;
        _configureServices = configureServices;
        _databaseFile = databaseFile;
        Sandbox = sandbox;
        Kubernetes = new Kubernetes(
            KubernetesClientConfiguration.BuildConfigFromConfigFile(
                new MemoryStream(Encoding.UTF8.GetBytes(sandbox.Kubeconfig))
            )
        );
    }

    /// <param name="beforeWatching">Runs before the portal starts watching, e.g. to turn on faults that apply to new
    /// watches.</param>
    /// <param name="services">Changes the portal's services, e.g. to put a fault between it and its database.</param>
    /// <param name="settings">Settings beyond the test defaults.</param>
    public static async Task<WatchedCluster> StartAsync(
        int nodes = 3,
        Action<SandboxCluster>? beforeWatching = null,
        Action<IServiceCollection>? services = null,
        IReadOnlyDictionary<string, string?>? settings = null
    )
    {
        var sandbox = await SandboxCluster.StartAsync(
            new SandboxOptions { NodeCount = nodes, PodStartDelay = TimeSpan.FromMilliseconds(50) }
        );
        beforeWatching?.Invoke(sandbox);
        var databaseFile = Path.Combine(Path.GetTempPath(), $"portal-watch-{Guid.NewGuid():N}.db");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Portal"] = $"Data Source={databaseFile};Pooling=False",
                    ["Portal:Clusters:FlushInterval"] = "00:00:00.100",
                    ["Portal:Clusters:LeaseDuration"] = "00:00:01",
                }
            )
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var cluster = new WatchedCluster(
            Replica(configuration, services),
            configuration,
            services,
            databaseFile,
            sandbox
        );
        await using var scope = cluster._services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(default);
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(Actor.System);
        var registered = await scope
            .ServiceProvider.GetRequiredService<ClusterRegistry>()
            .RegisterAsync(new RegisterCluster("sandbox", null, sandbox.Kubeconfig, false), default);
        Assert.True(registered.Succeeded, registered.Problem?.Message);
        cluster.ClusterId = registered.Value.Id;
        return cluster;
    }

    /// <summary>Another portal replica on the same database, watching the same cluster if it gets the lease.</summary>
    /// <param name="services">Its own changes to the services, instead of the first replica's.</param>
    public ClusterWatcher StartReplica(Action<IServiceCollection>? services = null)
    {
        var replica = Replica(_configuration, services ?? _configureServices);
        _replicas.Add(replica);
        var watcher = replica.GetRequiredService<ClusterWatcher>();
        watcher.Start(ClusterId);
        return watcher;
    }

    public ClusterWatcher Watcher => _services.GetRequiredService<ClusterWatcher>();

    private static ServiceProvider Replica(IConfiguration configuration, Action<IServiceCollection>? configure)
    {
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(configuration)
            .AddPortalInfrastructure(configuration, Path.GetTempPath());
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public async Task<List<ClusterHost>> HostsAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope
            .ServiceProvider.GetRequiredService<PortalDbContext>()
            .Hosts.AsNoTracking()
            .Where(h => h.ClusterId == ClusterId)
            .OrderBy(h => h.Name)
            .ToListAsync();
    }

    /// <summary>Waits until the hosts inventory satisfies a condition, or fails after a deadline.</summary>
    public async Task<List<ClusterHost>> EventuallyAsync(
        Func<List<ClusterHost>, bool> condition,
        string what,
        int seconds = 15
    )
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var hosts = await HostsAsync();
            if (condition(hosts))
                return hosts;
            if (DateTime.UtcNow > deadline)
                Assert.Fail(
                    $"Timed out waiting until {what}; hosts: "
                        + string.Join(
                            ", ",
                            hosts.Select(h =>
                                $"{h.Name}(pods {h.PodCount}, cpu {h.CpuRequestedMillis}m, cordoned {h.Unschedulable})"
                            )
                        )
                );
            await Task.Delay(50);
        }
    }

    public async Task<Cluster> ClusterAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope
            .ServiceProvider.GetRequiredService<PortalDbContext>()
            .Clusters.AsNoTracking()
            .SingleAsync(c => c.Id == ClusterId);
    }

    /// <summary>Waits until the cluster's record satisfies a condition, or fails after a deadline.</summary>
    public async Task<Cluster> EventuallyClusterAsync(Func<Cluster, bool> condition, string what, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var cluster = await ClusterAsync();
            if (condition(cluster))
                return cluster;
            if (DateTime.UtcNow > deadline)
                Assert.Fail(
                    $"Timed out waiting until {what}; the cluster's health: "
                        + $"{cluster.Health}, last error: {cluster.LastError}"
                );
            await Task.Delay(50);
        }
    }

    public T Service<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.GetRequiredService<ClusterWatcher>().StopAsync(ClusterId);
            await replica.DisposeAsync();
        }
        await _services.GetRequiredService<ClusterWatcher>().StopAsync(ClusterId);
        await _services.DisposeAsync();
        Kubernetes.Dispose();
        await Sandbox.DisposeAsync();
        foreach (var path in new[] { _databaseFile, _databaseFile + "-wal", _databaseFile + "-shm" })
            File.Delete(path);
    }
}

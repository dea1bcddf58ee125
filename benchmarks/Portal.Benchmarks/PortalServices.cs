using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Audit;
using Portal.Infrastructure;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Benchmarks;

/// <summary>
/// The portal's own infrastructure (AddPortalInfrastructure) on a fresh SQLite file, without the web host:
/// migrations, cluster registration, the hosts inventory, and a <see cref="ClusterWatch"/> run by the benchmark.
/// The background ClusterWatcher is switched off (Portal:Clusters:Watch=false) so that the benchmark decides
/// when the watch starts.
/// </summary>
internal sealed class PortalServices : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private PortalServices(ServiceProvider services, string databaseFile)
    {
        _services = services;
        DatabaseFile = databaseFile;
    }

    public string DatabaseFile { get; }

    public string ConnectionString => $"Data Source={DatabaseFile}";

    public IServiceProvider Services => _services;

    public static async Task<PortalServices> CreateAsync(string databaseFile, CancellationToken ct)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Portal:Database:Provider"] = "Sqlite",
                    ["ConnectionStrings:Portal"] = $"Data Source={databaseFile}",
                    ["Portal:Clusters:Watch"] = "false",
                }
            )
            .Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddPortalInfrastructure(configuration, Path.GetDirectoryName(databaseFile)!)
            .BuildServiceProvider();
        var portal = new PortalServices(services, databaseFile);
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
        return portal;
    }

    /// <summary>
    /// Registers the cluster the way a platform admin does: the kubeconfig is probed, then stored encrypted.
    /// </summary>
    public async Task<Guid> RegisterAsync(string name, string kubeconfig, CancellationToken ct)
    {
        await using var scope = _services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(Actor.System);
        var registered = await scope
            .ServiceProvider.GetRequiredService<ClusterRegistry>()
            .RegisterAsync(new RegisterCluster(name, null, kubeconfig, false), ct);
        return registered.Succeeded
            ? registered.Value.Id
            : throw new InvalidOperationException(
                $"The cluster could not be registered: {registered.Problem!.Message}"
            );
    }

    /// <summary>A watch built exactly as ClusterWatcher.Start builds one, but started by the caller.</summary>
    public ClusterWatch CreateWatch(Guid clusterId) =>
        new(
            clusterId,
            _services.GetRequiredService<KubernetesClients>(),
            _services.GetRequiredService<IServiceScopeFactory>(),
            _services.GetRequiredService<IHostChangeNotifier>(),
            _services.GetRequiredService<IOptions<ClusterOptions>>().Value,
            _services.GetRequiredService<ClusterWatchMetrics>(),
            _services.GetRequiredService<TimeProvider>(),
            _services.GetRequiredService<ILogger<ClusterWatch>>()
        );

    public TimeSpan FlushInterval => _services.GetRequiredService<IOptions<ClusterOptions>>().Value.FlushInterval;

    /// <summary>Rows of the hosts table for the cluster and the sum of their pod counts.</summary>
    public async Task<(int Hosts, long Pods)> HostTotalsAsync(Guid clusterId, CancellationToken ct)
    {
        await using var scope = _services.CreateAsyncScope();
        var hosts = scope
            .ServiceProvider.GetRequiredService<PortalDbContext>()
            .Hosts.AsNoTracking()
            .Where(h => h.ClusterId == clusterId);
        var count = await hosts.CountAsync(ct);
        var pods = await hosts.SumAsync(h => (long)h.PodCount, ct);
        return (count, pods);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}

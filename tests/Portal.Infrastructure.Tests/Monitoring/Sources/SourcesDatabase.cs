using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Domain.Clusters;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tests.Monitoring.Sources;

/// <summary>
/// The portal's infrastructure with the metrics sources, on a fresh SQLite file, with clusters and pools added
/// directly.
/// </summary>
public sealed class SourcesDatabase : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _databaseFile;
    private readonly bool _ownsFile;

    private SourcesDatabase(ServiceProvider services, string databaseFile, bool ownsFile)
    {
        _services = services;
        _databaseFile = databaseFile;
        _ownsFile = ownsFile;
    }

    public static async Task<SourcesDatabase> CreateAsync(Dictionary<string, string?>? settings = null)
    {
        var databaseFile = Path.Combine(Path.GetTempPath(), $"portal-sources-{Guid.NewGuid():N}.db");
        var database = new SourcesDatabase(Build(databaseFile, null, settings), databaseFile, ownsFile: true);
        await database.InScopeAsync(provider => provider.GetRequiredService<DatabaseMigrator>().MigrateAsync(default));
        return database;
    }

    /// <summary>
    /// A second portal process on the same database, as another replica would be, with its own singletons and clock.
    /// </summary>
    public SourcesDatabase AnotherReplica(TimeProvider? clock = null) =>
        new(Build(_databaseFile, clock, null), _databaseFile, ownsFile: false);

    private static ServiceProvider Build(
        string databaseFile,
        TimeProvider? clock,
        Dictionary<string, string?>? settings
    )
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>(settings ?? [])
                {
                    ["ConnectionStrings:Portal"] = $"Data Source={databaseFile};Pooling=False",
                }
            )
            .Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddPortalInfrastructure(configuration, Path.GetTempPath());
        if (clock is not null)
            services.AddSingleton(clock);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    /// <summary>A registered cluster reached with this kubeconfig; nothing watches it.</summary>
    public Task<Guid> AddClusterAsync(string kubeconfig) =>
        InScopeAsync(async provider =>
        {
            var db = provider.GetRequiredService<PortalDbContext>();
            var cluster = Cluster
                .Register(
                    $"c-{Guid.NewGuid():N}"[..12],
                    null,
                    "https://127.0.0.1:1",
                    provider.GetRequiredService<KubeconfigVault>().Protect(kubeconfig),
                    "v1.31.0",
                    "test",
                    DateTime.UtcNow
                )
                .Value;
            db.Clusters.Add(cluster);
            await db.SaveChangesAsync();
            return cluster.Id;
        });

    public Task AddPoolAsync(Guid clusterId, string name, string? prometheusUrl = null) =>
        InScopeAsync(async provider =>
        {
            var db = provider.GetRequiredService<PortalDbContext>();
            var pool = ResourcePool.Create(name, null, clusterId, null, "bj", 1m, 1m, DateTime.UtcNow).Value;
            Assert.True(pool.UseMetricsFrom(prometheusUrl).Succeeded);
            db.ResourcePools.Add(pool);
            await db.SaveChangesAsync();
        });

    /// <summary>A singleton service, such as the cache of cluster clients.</summary>
    public T Service<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public Task InScopeAsync(Func<IServiceProvider, Task> work) =>
        InScopeAsync(async provider =>
        {
            await work(provider);
            return true;
        });

    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (!_ownsFile)
            return;
        foreach (var path in new[] { _databaseFile, _databaseFile + "-wal", _databaseFile + "-shm" })
            File.Delete(path);
    }
}

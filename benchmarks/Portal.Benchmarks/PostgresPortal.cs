using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Domain.Operations;
using Portal.Infrastructure;
using Portal.Infrastructure.Persistence;

namespace Portal.Benchmarks;

/// <summary>
/// A throw-away PostgreSQL database on the server named by PORTAL_TEST_POSTGRES (a role that may create databases),
/// migrated, with the portal's own infrastructure (AddPortalInfrastructure) over it; dropped on dispose. The background
/// cluster watcher is off; operations queued by use cases run here are refused, since no job server runs in this
/// process.
/// </summary>
internal sealed class PostgresPortal : IAsyncDisposable
{
    public const string ServerVariable = "PORTAL_TEST_POSTGRES";
    private readonly string _server;
    private readonly ServiceProvider _services;

    private PostgresPortal(string server, string database, ServiceProvider services)
    {
        _server = server;
        Database = database;
        _services = services;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
    }

    public string Database { get; }

    public string ConnectionString { get; }

    public IServiceProvider Services => _services;

    /// <summary>Leave the database behind (to look at its plans with psql); it is named in the console.</summary>
    public bool Keep { get; set; }

    public static string? Server =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } server ? server : null;

    public static async Task<PostgresPortal> CreateAsync(string server, string purpose, CancellationToken ct)
    {
        var database = $"portal_bench_{purpose}_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Portal:Database:Provider"] = "Postgres",
                    ["ConnectionStrings:Portal"] = connectionString,
                    ["Portal:Clusters:Watch"] = "false",
                }
            )
            .Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddPortalInfrastructure(configuration, Path.GetTempPath())
            .AddSingleton<IOperationQueue, NoJobServer>()
            .BuildServiceProvider();
        var portal = new PostgresPortal(server, database, services);
        try
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
            return portal;
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (Keep)
        {
            Console.Error.WriteLine($"Database {Database} kept: DROP DATABASE \"{Database}\" WITH (FORCE) when done.");
            return;
        }
        await using var admin = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(_server) { Database = "postgres" }.ConnectionString
        );
        await admin.OpenAsync(CancellationToken.None);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>The benchmark process queues no job: operations belong to the portal process.</summary>
    internal sealed class NoJobServer : IOperationQueue
    {
        public void Enqueue(Operation operation) =>
            throw new InvalidOperationException(
                $"The benchmark process runs no job server: operation {operation.Kind} belongs to the portal process."
            );

        public bool Holds(string jobId) =>
            throw new InvalidOperationException(
                "The benchmark process runs no job server: sweeping operations belongs to the portal process."
            );

        public void LookAgainAfter(Guid operationId, TimeSpan delay) =>
            throw new InvalidOperationException(
                "The benchmark process runs no job server: rollouts are followed by the portal process."
            );

        public void Wake(Guid operationId) =>
            throw new InvalidOperationException(
                "The benchmark process runs no job server: rollouts are followed by the portal process."
            );
    }
}

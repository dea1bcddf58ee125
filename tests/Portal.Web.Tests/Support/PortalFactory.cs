using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Portal.Web.Tests.Support;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The portal in a test host, on its own fresh database of the given kind, reached over HTTPS as in production, with
/// its key ring encrypted by a test certificate.
/// </summary>
public sealed class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@portal.test";
    public const string AdminPassword = "Admin-Passw0rd";

    /// <summary>Where test clients reach the portal: its own origin.</summary>
    public static readonly Uri Origin = new("https://localhost");

    private readonly IReadOnlyDictionary<string, string?> _settings;

    public DatabaseKind Kind { get; }
    public string ConnectionString { get; }

    public PortalFactory(DatabaseKind kind, IReadOnlyDictionary<string, string?>? settings = null)
    {
        Kind = kind;
        ConnectionString =
            kind == DatabaseKind.Sqlite
                ? $"Data Source={Path.Combine(Path.GetTempPath(), $"portal-test-{Guid.NewGuid():N}.db")};Pooling=False"
                : new NpgsqlConnectionStringBuilder(TestDatabases.PostgresServer!)
                {
                    Database = $"portal_test_{Guid.NewGuid():N}",
                }.ConnectionString;
        _settings = settings ?? new Dictionary<string, string?>();
        ClientOptions.BaseAddress = Origin;
    }

    /// <summary>
    /// The host environment: "Testing" (not Development, so production's rules apply) unless a test needs another.
    /// </summary>
    public string EnvironmentName { get; init; } = "Testing";

    /// <summary>Every log line the portal writes, when asked for before it starts.</summary>
    public CapturedLogs? Logs { get; init; }

    /// <summary>Replaces services after the portal registered its own, e.g. a clock a test moves.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        ((TestServer)host.Services.GetRequiredService<IServer>()).BaseAddress = Origin;
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("Portal:DataProtection:CertificatePath", TestKeyRing.CertificatePath);
        builder.UseSetting("Portal:DataProtection:CertificatePassword", TestKeyRing.Password);
        builder.UseSetting("Portal:Database:Provider", Kind.ToString());
        builder.UseSetting("ConnectionStrings:Portal", ConnectionString);
        builder.UseSetting("Portal:Admin:Email", AdminEmail);
        builder.UseSetting("Portal:Admin:Password", AdminPassword);
        builder.UseSetting("Portal:Security:LoginAttemptsPerMinute", "10000");
        // Most tests need neither a cluster nor a job server; those that do turn them on.
        builder.UseSetting("Portal:Sandbox:Enabled", "false");
        // Tests that need the registry start their own, on a port and in a folder of their own.
        builder.UseSetting("Portal:Builds:Registry:Embedded", "false");
        // Tests never run apt-get: a missing tool is skipped or says so.
        builder.UseSetting("Portal:Builds:InstallTools", "false");
        // Local base images would be made with mmdebstrap in the background of every test portal.
        builder.UseSetting("Portal:Builds:BaseImages:Source", "Public");
        builder.UseSetting("Portal:Jobs:RunServer", "false");
        // The tests' pools name their Prometheus by in-cluster names, which operators allow as they would their own.
        builder.UseSetting("Portal:Monitoring:Prometheus:AllowedTargets:0", "prometheus");
        builder.UseSetting("Portal:Monitoring:Prometheus:AllowedTargets:1", "prometheus.monitoring");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<IStartupFilter, TestPeerAddress>();
            if (Logs is not null)
                services.AddLogging(logging => logging.AddProvider(Logs));
        });
        if (TestServices is not null)
            builder.ConfigureTestServices(TestServices);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Kind == DatabaseKind.Sqlite)
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                File.Delete(path);
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await DropDatabaseAsync(new NpgsqlConnectionStringBuilder(ConnectionString).Database!);
    }

    /// <summary>
    /// Drops the test's database. <c>WITH (FORCE)</c> ends the sessions the portal may still hold, but refuses (42501)
    /// to end an autovacuum worker busy in the database, which belongs to no role the test's role may signal; a plain
    /// <c>DROP</c> ends such a worker by itself, and fails (55006) only while a session is left. So: FORCE, and on its
    /// refusal a plain DROP, a few times over.
    /// </summary>
    internal static async Task DropDatabaseAsync(string database)
    {
        await using var admin = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(TestDatabases.PostgresServer!) { Database = "postgres" }.ConnectionString
        );
        await admin.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
                return;
            }
            catch (PostgresException refused)
                when (refused.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 10)
            {
                try
                {
                    await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{database}\"");
                    return;
                }
                catch (PostgresException inUse) when (inUse.SqlState == PostgresErrorCodes.ObjectInUse)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
                }
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// Where the PostgreSQL tests find their server: <c>PORTAL_TEST_POSTGRES</c>, without a database name.
/// </summary>
public static class TestDatabases
{
    public static string? PostgresServer =>
        Environment.GetEnvironmentVariable("PORTAL_TEST_POSTGRES") is { Length: > 0 } value ? value : null;

    public static bool InCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

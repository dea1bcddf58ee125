using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Portal.Web.Tests.Support;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>The portal in a test host, on its own fresh database of the given kind.</summary>
public sealed class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@portal.test";
    public const string AdminPassword = "Admin-Passw0rd";

    private readonly IReadOnlyDictionary<string, string?> _settings;

    public DatabaseKind Kind { get; }
    public string ConnectionString { get; }

    public PortalFactory(DatabaseKind kind, IReadOnlyDictionary<string, string?>? settings = null)
    {
        Kind = kind;
        ConnectionString = kind == DatabaseKind.Sqlite
            ? $"Data Source={Path.Combine(Path.GetTempPath(), $"portal-test-{Guid.NewGuid():N}.db")};Pooling=False"
            : new NpgsqlConnectionStringBuilder(TestDatabases.PostgresServer!) { Database = $"portal_test_{Guid.NewGuid():N}" }.ConnectionString;
        _settings = settings ?? new Dictionary<string, string?>();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Portal:Database:Provider", Kind.ToString());
        builder.UseSetting("ConnectionStrings:Portal", ConnectionString);
        builder.UseSetting("Portal:Admin:Email", AdminEmail);
        builder.UseSetting("Portal:Admin:Password", AdminPassword);
        builder.UseSetting("Portal:Security:LoginAttemptsPerMinute", "10000");
        // Most tests need neither a cluster nor a job server; those that do turn them on.
        builder.UseSetting("Portal:Sandbox:Enabled", "false");
        builder.UseSetting("Portal:Jobs:RunServer", "false");
        // The tests' pools name their Prometheus by in-cluster names, which operators allow as they would their own.
        builder.UseSetting("Portal:Monitoring:Prometheus:AllowedTargets:0", "prometheus");
        builder.UseSetting("Portal:Monitoring:Prometheus:AllowedTargets:1", "prometheus.monitoring");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
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
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabases.PostgresServer!) { Database = "postgres" }.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>Where the PostgreSQL tests find their server: <c>PORTAL_TEST_POSTGRES</c>, without a database name.</summary>
public static class TestDatabases
{
    public static string? PostgresServer => Environment.GetEnvironmentVariable("PORTAL_TEST_POSTGRES") is { Length: > 0 } value ? value : null;

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

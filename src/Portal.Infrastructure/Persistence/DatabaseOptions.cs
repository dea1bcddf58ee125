using System.ComponentModel.DataAnnotations;

namespace Portal.Infrastructure.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Bound from <c>Portal:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Portal:Database";

    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations when the portal starts.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// PostgreSQL connections one replica may hold (requests, jobs and the watch together), when the connection string
    /// does not say: a burst then waits for a connection instead of failing at the server's max_connections.
    /// </summary>
    public int MaxPoolSize { get; set; } = 30;

    /// <summary>
    /// The PostgreSQL connection string with the pool capped at <see cref="MaxPoolSize"/> unless it caps it itself.
    /// </summary>
    public string PostgresConnectionString(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (
            !connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase)
            && !connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase)
        )
        {
            builder.MaxPoolSize = MaxPoolSize;
        }

        return builder.ConnectionString;
    }
}

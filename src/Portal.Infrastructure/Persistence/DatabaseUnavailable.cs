using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// Tells a failure of the database itself (down, restarting, refusing connections, no connection to be had in time)
/// from a failure of what was asked of it: the first passes by itself and is answered "try again shortly", the
/// second is a bug or a refusal. EF Core, Hangfire's client and the execution strategy wrap the driver's exception,
/// so the whole chain of inner exceptions is looked at.
/// </summary>
public static class DatabaseUnavailable
{
    /// <summary>PostgreSQL's SQLSTATEs of a server that is going away, starting, or full of connections.</summary>
    private static readonly HashSet<string> ServerStates =
    [
        PostgresErrorCodes.AdminShutdown,
        PostgresErrorCodes.CrashShutdown,
        PostgresErrorCodes.CannotConnectNow,
        PostgresErrorCodes.TooManyConnections,
    ];

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    public static bool Is(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is AggregateException many)
                return many.InnerExceptions.Any(Is);
            if (Says(e))
                return true;
        }
        return false;
    }

    private static bool Says(Exception e) =>
        e switch
        {
            PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                || ServerStates.Contains(pg.SqlState),
            // The driver's own: a connection refused or broken (socket, stream), or none acquired in time.
            NpgsqlException npgsql => npgsql.InnerException is IOException or SocketException or TimeoutException,
            SqliteException sqlite => sqlite.SqliteErrorCode is SqliteBusy or SqliteLocked,
            _ => false,
        };
}

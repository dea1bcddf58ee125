using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Pipelines;

namespace Portal.Web.Tests.Faults;

/// <summary>
/// What counts as the database being unavailable, told from failures the drivers really raise: a server that is not
/// there, a SQLite file another connection holds; and a failure of the statement itself, which is not.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public async Task A_query_to_a_postgresql_server_that_is_not_there_is_the_database_being_unavailable()
    {
        var nobody = new PortalDatabase(
            DatabaseProvider.Postgres,
            $"Host=127.0.0.1;Port={ChildProcess.FreePort()};Username=portal;Database=none;Timeout=2"
        );
        await using var db = nobody.Open();

        var failure = await Record.ExceptionAsync(() => db.Tenants.AnyAsync());

        Assert.NotNull(failure);
        Assert.True(DatabaseUnavailable.Is(failure), failure.ToString());
    }

    [Fact]
    public async Task A_sqlite_file_locked_by_another_writer_is_the_database_being_unavailable()
    {
        var file = Path.Combine(Path.GetTempPath(), $"portal-locked-{Guid.NewGuid():N}.db");
        try
        {
            await using var holder = new SqliteConnection($"Data Source={file};Pooling=False");
            await holder.OpenAsync();
            await Execute(
                holder,
                "CREATE TABLE t (id INTEGER PRIMARY KEY); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);"
            );
            await using var writer = new SqliteConnection($"Data Source={file};Pooling=False;Default Timeout=1");
            await writer.OpenAsync();

            var failure = await Record.ExceptionAsync(() => Execute(writer, "INSERT INTO t VALUES (2);"));

            Assert.True(DatabaseUnavailable.Is(failure), failure?.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_statement_the_database_refuses_is_not_the_database_being_unavailable()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await Execute(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);");

        var duplicate = await Record.ExceptionAsync(() => Execute(connection, "INSERT INTO t VALUES (1);"));
        var nonsense = await Record.ExceptionAsync(() => Execute(connection, "SELECT FROM WHERE;"));

        Assert.IsType<SqliteException>(duplicate);
        Assert.False(DatabaseUnavailable.Is(duplicate));
        Assert.IsType<SqliteException>(nonsense);
        Assert.False(DatabaseUnavailable.Is(new InvalidOperationException("wrapped", nonsense)));
    }

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

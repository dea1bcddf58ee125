using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Infrastructure;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>The portal's database, read and written by the test as the portal does, beside it.</summary>
internal sealed record PortalDatabase(DatabaseProvider Provider, string ConnectionString)
{
    public static PortalDatabase For(DatabaseKind kind, string folder) =>
        kind == DatabaseKind.Postgres
            ? new(
                DatabaseProvider.Postgres,
                new NpgsqlConnectionStringBuilder(TestDatabases.PostgresServer!)
                {
                    Database = $"portal_crash_{Guid.NewGuid():N}",
                }.ConnectionString
            )
            : new(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "portal.db")}");

    public PortalDbContext Open()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DependencyInjection.ConfigureProvider(options, Provider, ConnectionString, Path.GetTempPath());
        return new PortalDbContext(options.Options, new TenantScope());
    }

    /// <summary>Drops a PostgreSQL database; a SQLite file goes with the test's folder.</summary>
    public async Task DropAsync()
    {
        if (Provider != DatabaseProvider.Postgres)
            return;
        NpgsqlConnection.ClearAllPools();
        await PortalFactory.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(ConnectionString).Database!);
    }
}

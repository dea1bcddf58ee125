using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Environments;

/// <summary>The database's own guard on namespaces, on each provider.</summary>
public abstract class EnvironmentNamespaceScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    /// <summary>
    /// "a" + "bb-cc" and "a-bb" + "cc" are both namespace "a-bb-cc". Creating an environment checks that first; two
    /// creations at once can both pass that check, and then the unique index on namespaces refuses the second. It holds
    /// across clusters too: a namespace name is one environment's in the whole portal, so nothing that finds an
    /// environment by its namespace can find two.
    /// </summary>
    [SkippableFact]
    public async Task The_database_refuses_a_second_environment_of_the_same_namespace_whatever_its_tenant_or_cluster()
    {
        var first = await Arrange.TenantAsync();
        var second = await Arrange.TenantAsync($"{first.Slug}-bb");
        await Arrange.EnvironmentAsync(first, "bb-cc");
        var pool = await Arrange.QuotaAsync(second);

        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var poolId = db.ResourcePools.Single(p => p.Name == pool).Id;
        var twin = TenantEnvironment.Create(second, poolId, "cc", ResourceAmounts.Zero, DateTime.UtcNow).Value;
        db.Environments.Add(twin);
        var saved = await db.TrySaveUniqueAsync(default);

        Assert.Equal($"{first.Slug}-bb-cc", twin.Namespace);
        Assert.False(saved);
    }
}

[Trait("Database", "Sqlite")]
public sealed class EnvironmentNamespacesOnSqlite(SqlitePortal portal)
    : EnvironmentNamespaceScenarios(portal),
        IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class EnvironmentNamespacesOnPostgres(PostgresPortal portal)
    : EnvironmentNamespaceScenarios(portal),
        IClassFixture<PostgresPortal>;

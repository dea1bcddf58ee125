using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Operations;

/// <summary>
/// The claim that lets one run of a job at a time work on an operation, as each database provider keeps it.
/// </summary>
public abstract class OperationClaimScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task Of_two_runs_that_read_a_queued_operation_at_once_only_one_saves_its_claim()
    {
        var tenant = await Arrange.TenantAsync();
        var now = DateTime.UtcNow;
        var operation = new Operation(tenant.Id, "environment.create", "environment", "raced", "test", now);
        await Arrange.QueryAsync(async db =>
        {
            db.Operations.Add(operation);
            return await db.SaveChangesAsync();
        });
        await using var first = portal.Factory.Services.CreateAsyncScope();
        await using var second = portal.Factory.Services.CreateAsyncScope();
        var runs = new[] { (Db: Db(first), Run: "run-1"), (Db: Db(second), Run: "run-2") };
        var read = new List<Operation>();
        foreach (var (db, _) in runs)
            read.Add(await db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operation.Id));

        Assert.All(read.Zip(runs), pair => Assert.True(pair.First.Claim(pair.Second.Run, now.AddMinutes(15), now)));
        var saved = await Task.WhenAll(
            runs.Select(async r =>
            {
                try
                {
                    await r.Db.SaveChangesAsync();
                    return r.Run;
                }
                catch (DbUpdateConcurrencyException)
                {
                    return null;
                }
            })
        );

        var winner = Assert.Single(saved, run => run is not null);
        var stored = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == operation.Id)
        );
        Assert.Equal(winner, stored.ClaimedBy);
        Assert.Equal(1, stored.Attempts);
    }

    private static PortalDbContext Db(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<PortalDbContext>();
}

[Trait("Database", "Sqlite")]
public sealed class OperationClaimsOnSqlite(SqlitePortal portal)
    : OperationClaimScenarios(portal),
        IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class OperationClaimsOnPostgres(PostgresPortal portal)
    : OperationClaimScenarios(portal),
        IClassFixture<PostgresPortal>;

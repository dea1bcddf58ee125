using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Operations;

/// <summary>
/// How an operation's job runs against the faults of a real deployment: two runs at once, a long rollout, a target
/// gone.
/// </summary>
public abstract class OperationRunScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    [SkippableFact]
    public async Task Two_runs_of_one_operation_at_once_carry_out_its_steps_only_once()
    {
        var (tenant, pool) = await TenantAsync();
        var operationId = await QueuedEnvironmentAsync(tenant, pool, "twice");
        var together = new RunsTogether(2);

        await Task.WhenAll(
            RunEnvironmentJobAsync(operationId, together.Run(1)),
            RunEnvironmentJobAsync(operationId, together.Run(2))
        );

        var runsThatWorked = together.Begun.Where(b => b.Step == "namespace").Select(b => b.Run).Distinct().ToList();
        Assert.Single(runsThatWorked);
        var operation = await OperationAsync(operationId);
        Assert.Equal(OperationState.Succeeded, operation.State);
        Assert.Equal(1, operation.Attempts);
    }

    [SkippableFact]
    public async Task A_change_queued_for_an_environment_deleted_since_fails_instead_of_staying_running()
    {
        var (tenant, _) = await TenantAsync();
        var operationId = await SaveAsync(
            new Operation(
                tenant.Id,
                "environment.update-quota",
                "environment",
                "deleted-since",
                "test",
                DateTime.UtcNow
            )
        );

        await RunEnvironmentJobAsync(operationId, new DiesAfterStep(null));

        var operation = await OperationAsync(operationId);
        Assert.Equal(OperationState.Failed, operation.State);
        Assert.Contains("deleted-since", operation.Error);
    }

    [SkippableFact]
    public async Task An_environment_deleted_while_its_job_runs_leaves_the_operation_failed_not_running()
    {
        var (tenant, pool) = await TenantAsync();
        var operationId = await QueuedEnvironmentAsync(tenant, pool, "vanishing");
        var deleteMeanwhile = new MeanwhileAtStep("network-policy", () =>
            Arrange.QueryAsync(db =>
                db.Environments.IgnoreQueryFilters()
                    .Where(e => e.TenantId == tenant.Id && e.Name == "vanishing")
                    .ExecuteDeleteAsync()
            )
        );

        await RunEnvironmentJobAsync(operationId, deleteMeanwhile);

        var operation = await OperationAsync(operationId);
        Assert.Equal(OperationState.Failed, operation.State);
        Assert.NotNull(operation.Error);
    }

    [SkippableFact]
    public async Task A_job_whose_failure_cannot_be_saved_the_usual_way_still_leaves_its_operation_failed()
    {
        var (tenant, _) = await TenantAsync();
        var operationId = await SaveAsync(
            new Operation(
                tenant.Id,
                "environment.update-quota",
                "environment",
                "deleted-since",
                "test",
                DateTime.UtcNow
            )
        );

        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            var runner = new OperationSupervisor(
                new ScopesThatCannotSaveFailures(scope.ServiceProvider.GetRequiredService<IServiceScopeFactory>()),
                Options.Create(new OperationOptions()),
                TimeProvider.System,
                NullLogger<OperationSupervisor>.Instance
            );
            await JobsByHand
                .Environments(scope.ServiceProvider, new DiesAfterStep(null), runner)
                .RunAsync(operationId, default);
        }

        var operation = await OperationAsync(operationId);
        Assert.Equal(OperationState.Failed, operation.State);
        Assert.Contains("'deleted-since' no longer exists", operation.Error);
        Assert.Contains("Recording the failure failed", operation.Error);
    }

    private async Task<(Tenant Tenant, string Pool)> TenantAsync()
    {
        var (tenant, _, pool) = await World.TenantWithQuotaAsync(cpu: "8");
        return (tenant, pool);
    }

    /// <summary>
    /// An environment saved with its operation, as creating one does, but with no job queued: the test runs it.
    /// </summary>
    private async Task<Guid> QueuedEnvironmentAsync(Tenant tenant, string pool, string name)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var poolId = await db.ResourcePools.Where(p => p.Name == pool).Select(p => p.Id).SingleAsync();
        var environment = TenantEnvironment
            .Create(
                tenant,
                poolId,
                name,
                new Domain.Quotas.ResourceAmounts(1000, 1000, 1L << 30, 1L << 30, 1L << 30, 5, 0),
                DateTime.UtcNow
            )
            .Value;
        var operation = new Operation(tenant.Id, "environment.create", "environment", name, "test", DateTime.UtcNow);
        db.Environments.Add(environment);
        db.Operations.Add(operation);
        await db.SaveChangesAsync();
        return operation.Id;
    }

    private async Task<Guid> SaveAsync(Operation operation)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        db.Operations.Add(operation);
        await db.SaveChangesAsync();
        return operation.Id;
    }

    private Task<Operation> OperationAsync(Guid id) =>
        Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == id));

    private async Task RunEnvironmentJobAsync(Guid operationId, IOperationProgress progress)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await JobsByHand.Environments(scope.ServiceProvider, progress).RunAsync(operationId, default);
    }
}

[Trait("Database", "Sqlite")]
public sealed class OperationRunsOnSqlite(SandboxPortal portal)
    : OperationRunScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class OperationRunsOnPostgres(PostgresSandboxPortal portal)
    : OperationRunScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;

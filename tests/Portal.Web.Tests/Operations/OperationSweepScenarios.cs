using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Operations;

/// <summary>Operations whose job was lost are queued again, on each database provider.</summary>
public abstract class OperationSweepScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task An_operation_saved_but_never_run_is_queued_again_once_and_a_busy_one_is_left_alone()
    {
        var tenant = await Arrange.TenantAsync();
        var start = DateTime.UtcNow;
        var lost = await SaveAsync(
            new Operation(tenant.Id, "environment.create", "environment", "lost", "test", start)
        );
        var running = new Operation(tenant.Id, "environment.create", "environment", "busy", "test", start);
        running.Claim("run-1", start.AddMinutes(15), start);
        running.BeginStep("namespace", start.AddMinutes(2));
        await SaveAsync(running);
        var done = new Operation(tenant.Id, "environment.create", "environment", "done", "test", start);
        done.Claim("run-2", start.AddMinutes(15), start);
        done.Succeed(start);
        await SaveAsync(done);

        var queued = await SweepAtAsync(start.AddMinutes(3));
        var queuedAgain = await SweepAtAsync(start.AddMinutes(3.5));

        Assert.Contains(lost.Id, queued);
        Assert.DoesNotContain(running.Id, queued);
        Assert.DoesNotContain(done.Id, queued);
        Assert.DoesNotContain(lost.Id, queuedAgain);
        var swept = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == lost.Id)
        );
        Assert.Equal(OperationState.Queued, swept.State);
    }

    [SkippableFact]
    public async Task A_running_operation_without_a_step_for_longer_than_any_step_takes_is_queued_again()
    {
        var tenant = await Arrange.TenantAsync();
        var start = DateTime.UtcNow;
        var operation = new Operation(tenant.Id, "environment.create", "environment", "orphan", "test", start);
        // Claimed by a run whose process died: nothing renews the claim.
        operation.Claim("run-3", start.AddMinutes(15), start);
        await SaveAsync(operation);

        var early = await SweepAtAsync(start.AddMinutes(10));
        var late = await SweepAtAsync(start.AddMinutes(16));

        Assert.DoesNotContain(operation.Id, early);
        Assert.Contains(operation.Id, late);
    }

    [SkippableTheory]
    [InlineData("waiting behind busy workers", false)]
    [InlineData("running", false)]
    [InlineData("deleted", true)]
    public async Task A_queued_operation_is_queued_again_only_once_its_job_is_no_longer_held(
        string job,
        bool queuedAgain
    )
    {
        var tenant = await Arrange.TenantAsync();
        var start = DateTime.UtcNow;
        var operation = await SaveAsync(
            new Operation(tenant.Id, "environment.create", "environment", "waiting", "test", start)
        );
        // This portal runs no job server: the job stays enqueued, as behind busy workers, until the test moves it.
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<IOperationQueue>().Enqueue(operation);
            var jobId = (
                await Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operation.Id)
                )
            ).JobId;
            Assert.NotNull(jobId);
            var jobs = scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>();
            if (job == "running")
                Assert.True(jobs.ChangeState(jobId, new TakenByAWorker()));
            if (job == "deleted")
                Assert.True(jobs.Delete(jobId));
        }

        var queued = await SweepWithHangfireAtAsync(start.AddMinutes(3));

        Assert.Equal(queuedAgain, queued.Contains(operation.Id));
    }

    [SkippableTheory]
    [InlineData("scheduled", false)]
    [InlineData("deleted", true)]
    public async Task A_rollout_waited_on_is_left_alone_while_its_next_look_is_scheduled_and_queued_again_once_it_is_lost(
        string look,
        bool queuedAgain
    )
    {
        var tenant = await Arrange.TenantAsync();
        var start = DateTime.UtcNow;
        var operation = new Operation(tenant.Id, "application.deploy", "application", "shop/dev", "test", start);
        operation.Claim("run-1", start.AddMinutes(15), start);
        operation.BeginStep("rollout", start);
        operation.Waits("rollout", "Waiting for the rollout: 0 of 1 replicas ready.", start);
        var waiting = await SaveAsync(operation);
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            // The run that looked let its claim go when it ended, as the supervisor does.
            await scope
                .ServiceProvider.GetRequiredService<PortalDbContext>()
                .Operations.IgnoreQueryFilters()
                .Where(o => o.Id == waiting.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(o => o.ClaimedUntil, (DateTime?)null));
            scope
                .ServiceProvider.GetRequiredService<IOperationQueue>()
                .LookAgainAfter(waiting.Id, TimeSpan.FromHours(1));
            var jobId = (
                await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == waiting.Id))
            ).JobId;
            Assert.NotNull(jobId);
            if (look == "deleted")
                Assert.True(scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>().Delete(jobId));
        }

        var early = await SweepWithHangfireAtAsync(start.AddMinutes(1));
        var late = await SweepWithHangfireAtAsync(start.AddMinutes(3));

        Assert.DoesNotContain(waiting.Id, early);
        Assert.Equal(queuedAgain, late.Contains(waiting.Id));
    }

    private async Task<List<Guid>> SweepWithHangfireAtAsync(DateTime now)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var queue = new RecordingQueue(scope.ServiceProvider.GetRequiredService<IOperationQueue>());
        var sweeper = new OperationSweeper(
            scope.ServiceProvider.GetRequiredService<PortalDbContext>(),
            queue,
            Options.Create(new OperationOptions()),
            new FixedClock(now),
            NullLogger<OperationSweeper>.Instance
        );
        await sweeper.RunAsync(default);
        return queue.Ids;
    }

    private async Task<Operation> SaveAsync(Operation operation)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        db.Operations.Add(operation);
        await db.SaveChangesAsync();
        return operation;
    }

    private async Task<List<Guid>> SweepAtAsync(DateTime now)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var queue = new RecordingQueue();
        var sweeper = new OperationSweeper(
            scope.ServiceProvider.GetRequiredService<PortalDbContext>(),
            queue,
            Options.Create(new OperationOptions()),
            new FixedClock(now),
            NullLogger<OperationSweeper>.Instance
        );
        await sweeper.RunAsync(default);
        return queue.Ids;
    }

    /// <summary>
    /// The state Hangfire gives a job a worker took and runs (its own class is made only by a worker).
    /// </summary>
    private sealed class TakenByAWorker : IState
    {
        public string Name => ProcessingState.StateName;
        public string Reason => "taken by a worker of another replica";
        public bool IsFinal => false;
        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() =>
            new() { ["ServerId"] = "test-server", ["WorkerId"] = "worker-1" };
    }

    /// <summary>Records what the sweeper queues, and hands it on to the real queue when there is one.</summary>
    private sealed class RecordingQueue(IOperationQueue? inner = null) : IOperationQueue
    {
        public List<Guid> Ids { get; } = [];

        public void Enqueue(Operation operation)
        {
            Ids.Add(operation.Id);
            inner?.Enqueue(operation);
        }

        public bool Holds(string jobId) => inner?.Holds(jobId) ?? false;

        public void LookAgainAfter(Guid operationId, TimeSpan delay) => inner?.LookAgainAfter(operationId, delay);

        public void Wake(Guid operationId) => inner?.Wake(operationId);
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now, TimeSpan.Zero);
    }
}

[Trait("Database", "Sqlite")]
public sealed class OperationSweepOnSqlite(SqlitePortal portal)
    : OperationSweepScenarios(portal),
        IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class OperationSweepOnPostgres(PostgresPortal portal)
    : OperationSweepScenarios(portal),
        IClassFixture<PostgresPortal>;

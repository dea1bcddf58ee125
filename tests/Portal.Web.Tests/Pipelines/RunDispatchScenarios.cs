using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// Queued runs get run slots fairly: round the tenants before a tenant's second run, never beyond a tenant's quota or
/// the platform's limit, one run at a time per pipeline and ref; a run left waiting says why, with the numbers.
/// </summary>
public sealed class RunDispatchScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private RunWorld World => new(portal.Factory);

    [Fact]
    public async Task Slots_go_round_the_tenants_within_their_quotas_and_the_runs_left_waiting_say_why()
    {
        var (busy, busyApp) = await World.AppAsync();
        var busyMain = await World.RunAsync(busy, busyApp, null, []);
        var busyMainAgain = await World.RunAsync(busy, busyApp, null, []);
        var busyRelease = await World.RunAsync(busy, busyApp, null, [], gitRef: "release/1");
        var (quiet, quietApp) = await World.AppAsync();
        var quietMain = await World.RunAsync(quiet, quietApp, null, []);

        var admitted = await DispatchAsync(maxRunningRuns: 2);

        Assert.Equal([busyMain.Id, quietMain.Id], admitted);
        Assert.Equal(RunState.Running, (await FindAsync(quietMain)).State);
        Assert.Equal(
            "Waits for run 1 of the same pipeline and ref 'main' to finish.",
            (await FindAsync(busyMainAgain)).WaitingReason
        );
        Assert.Equal(
            "Waits for a run slot of the platform: 2 runs are going, at most 2.",
            (await FindAsync(busyRelease)).WaitingReason
        );

        await World.Arrange.QueryAsync(db =>
        {
            db.RunQuotas.Add(RunQuota.Create(busy.Id, 1, 600, "admin@portal.test", DateTime.UtcNow).Value);
            return db.SaveChangesAsync();
        });
        var none = await DispatchAsync(maxRunningRuns: 20);

        Assert.Empty(none);
        Assert.Equal(
            "Needs 1 run slot, 0 left of 1: 1 runs of the tenant are going.",
            (await FindAsync(busyRelease)).WaitingReason
        );
        Assert.Equal(RunState.Queued, (await FindAsync(busyMainAgain)).State);
    }

    /// <summary>Runs the dispatcher once, as its job does, and returns the runs it handed to their jobs.</summary>
    private async Task<List<Guid>> DispatchAsync(int maxRunningRuns)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var queue = new RecordingQueue();
        var dispatcher = new RunDispatcher(
            services.GetRequiredService<PortalDbContext>(),
            queue,
            services.GetRequiredService<IRunProgress>(),
            Options.Create(new PipelineOptions { MaxRunningRuns = maxRunningRuns }),
            TimeProvider.System
        );
        await dispatcher.DispatchAsync(CancellationToken.None);
        return queue.Advanced;
    }

    private Task<PipelineRun> FindAsync(PipelineRun run) =>
        World.Arrange.QueryAsync(db =>
            db.PipelineRuns.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.Id == run.Id)
        );

    private sealed class RecordingQueue : IRunQueue
    {
        public List<Guid> Advanced { get; } = [];

        public void Advance(Guid runId) => Advanced.Add(runId);

        public void AdvanceAfter(Guid runId, TimeSpan delay) { }

        public void Dispatch() { }
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Web.Tests.Builds;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// The triggers without webhooks, run as the recurring job runs them: schedules against the clock, and polling against
/// a real Git repository made by the test (served as <c>https://git.example.com/…</c> from a local folder).
/// </summary>
public sealed class PipelineTriggerJobsTests(SourcesPortal portal) : IClassFixture<SourcesPortal>
{
    private PipelineArrange Arrange => new(portal.Factory);

    [Fact]
    public async Task A_schedule_that_came_due_starts_one_run_of_the_sources_branch_and_moves_on()
    {
        var savedAt = DateTime.UtcNow.AddHours(-3);
        var pipeline = await Arrange.PipelineAsync(Scheduled("0 * * * *"), savedAt: savedAt);

        await RunJobAsync(jobs => jobs.StartScheduledAsync(CancellationToken.None));
        await RunJobAsync(jobs => jobs.StartScheduledAsync(CancellationToken.None));

        var run = Assert.Single(await Arrange.RunsAsync(pipeline.Id));
        Assert.Equal(
            (TriggerKind.Schedule, "main", PipelineTriggerJobs.ScheduleActor, pipeline.Tenant.Id),
            (run.Trigger.Kind, run.Trigger.Ref, run.Trigger.By, run.TenantId)
        );
        var from = await ScheduledFromAsync(pipeline);
        Assert.Equal(0, from.Minute);
        Assert.True(from > savedAt && from <= DateTime.UtcNow, $"ScheduledFrom is {from:O}");
    }

    [Fact]
    public async Task A_schedule_whose_next_occurrence_is_to_come_starts_nothing()
    {
        var pipeline = await Arrange.PipelineAsync(Scheduled("0 0 1 1 *"));
        var before = await ScheduledFromAsync(pipeline);

        await RunJobAsync(jobs => jobs.StartScheduledAsync(CancellationToken.None));

        Assert.Empty(await Arrange.RunsAsync(pipeline.Id));
        Assert.Equal(before, await ScheduledFromAsync(pipeline));
    }

    [SkippableFact]
    public async Task Polling_notes_the_head_first_then_starts_a_run_for_a_new_commit_and_none_for_the_same()
    {
        var name = Support.Arrange.Unique("polled");
        var first = portal.Git.Repository(name);
        var pipeline = await Arrange.PipelineAsync(Polled(), repositoryUrl: LocalGitHost.Url(name));

        await RunJobAsync(jobs => jobs.PollAsync(CancellationToken.None));
        var afterFirst = await Arrange.RunsAsync(pipeline.Id);
        var second = portal.Git.Commit(name, "next.txt", "next");
        await PollDueAsync(pipeline);
        await RunJobAsync(jobs => jobs.PollAsync(CancellationToken.None));
        await PollDueAsync(pipeline);
        await RunJobAsync(jobs => jobs.PollAsync(CancellationToken.None));

        Assert.Empty(afterFirst);
        var run = Assert.Single(await Arrange.RunsAsync(pipeline.Id));
        Assert.Equal((TriggerKind.Poll, "main", second), (run.Trigger.Kind, run.Trigger.Ref, run.Trigger.Sha));
        Assert.NotEqual(first, second);
        Assert.Equal(
            second,
            await Query(db =>
                db.Pipelines.IgnoreQueryFilters().Where(p => p.Id == pipeline.Id).Select(p => p.PolledSha).SingleAsync()
            )
        );
    }

    [SkippableFact]
    public async Task A_pipeline_whose_repository_cannot_be_reached_does_not_stop_the_polling_of_another_tenants()
    {
        var name = Support.Arrange.Unique("polled");
        portal.Git.Repository(name);
        var broken = await Arrange.PipelineAsync(Polled(), repositoryUrl: LocalGitHost.Url("nowhere"));
        var working = await Arrange.PipelineAsync(Polled(), repositoryUrl: LocalGitHost.Url(name));

        await RunJobAsync(jobs => jobs.PollAsync(CancellationToken.None));

        Assert.NotEqual(broken.Tenant.Id, working.Tenant.Id);
        Assert.NotNull(
            await Query(db =>
                db.Pipelines.IgnoreQueryFilters().Where(p => p.Id == working.Id).Select(p => p.PolledSha).SingleAsync()
            )
        );
        Assert.Null(
            await Query(db =>
                db.Pipelines.IgnoreQueryFilters().Where(p => p.Id == broken.Id).Select(p => p.PolledSha).SingleAsync()
            )
        );
    }

    private static string Scheduled(string cron) =>
        PipelineArrange.BuildOnMain.Replace(
            "  tags: [v*]",
            $"  tags: [v*]\n  schedule: \"{cron}\"",
            StringComparison.Ordinal
        );

    private static string Polled() =>
        PipelineArrange.BuildOnMain.Replace("  tags: [v*]", "  tags: [v*]\n  poll: 1m", StringComparison.Ordinal);

    private async Task RunJobAsync(Func<PipelineTriggerJobs, Task> job)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await job(scope.ServiceProvider.GetRequiredService<PipelineTriggerJobs>());
    }

    /// <summary>Makes the pipeline's next poll due now, as if its interval had passed.</summary>
    private Task PollDueAsync(TestPipeline pipeline) =>
        Query(db =>
            db.Pipelines.IgnoreQueryFilters()
                .Where(p => p.Id == pipeline.Id)
                .ExecuteUpdateAsync(p => p.SetProperty(x => x.PolledAt, DateTime.UtcNow.AddHours(-1)))
        );

    private Task<DateTime> ScheduledFromAsync(TestPipeline pipeline) =>
        Query(db =>
            db.Pipelines.IgnoreQueryFilters().Where(p => p.Id == pipeline.Id).Select(p => p.ScheduledFrom).SingleAsync()
        );

    private async Task<T> Query<T>(Func<PortalDbContext, Task<T>> query)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }
}

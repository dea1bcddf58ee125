using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Pipelines;

/// <summary>
/// A recurring job, every minute: the triggers that need no webhook. A pipeline whose schedule came due since it last
/// started (or was saved) starts one run of its source's branch, however many occurrences it missed; a pipeline that
/// polls asks its source's branch for its head when due, and starts a run for a commit it has not seen (the first poll
/// only notes the head). Each pipeline is taken in its own tenant's scope, claimed first so that two job servers never
/// both start it, and a failure of one is logged without stopping the others; a pass takes a bounded number of each.
/// </summary>
public sealed class PipelineTriggerJobs(
    PortalDbContext db,
    IServiceScopeFactory scopes,
    TimeProvider clock,
    ILogger<PipelineTriggerJobs> logger
)
{
    public const int MaxSchedulesPerPass = 100;
    public const int MaxPollsPerPass = 20;
    public const string ScheduleActor = "schedule";
    public const string PollActor = "poll";

    public async Task RunAsync(CancellationToken ct)
    {
        await StartScheduledAsync(ct);
        await PollAsync(ct);
    }

    /// <summary>Starts the runs of the schedules that came due; answers how many it started.</summary>
    public async Task<int> StartScheduledAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var scheduled = await db
            .Pipelines.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(p => p.Schedule != null)
            .OrderBy(p => p.ScheduledFrom)
            .Select(p => new
            {
                p.Id,
                Schedule = p.Schedule!,
                p.ScheduledFrom,
            })
            .ToListAsync(ct);
        var started = 0;
        foreach (var pipeline in scheduled.Take(MaxSchedulesPerPass * 10))
        {
            DateTime? due;
            try
            {
                due = PipelineSchedules.DueOccurrence(pipeline.Schedule, pipeline.ScheduledFrom, now);
            }
            catch (Cronos.CronFormatException e)
            {
                logger.LogWarning(
                    "Pipeline {Pipeline} has a schedule that does not read: {Reason}",
                    pipeline.Id,
                    e.Message
                );
                continue;
            }
            if (due is not { } at)
                continue;
            // Claimed by moving ScheduledFrom from what was read: another server that read the same finds it moved.
            var claimed = await db
                .Pipelines.IgnoreQueryFilters()
                .Where(p => p.Id == pipeline.Id && p.ScheduledFrom == pipeline.ScheduledFrom)
                .ExecuteUpdateAsync(p => p.SetProperty(x => x.ScheduledFrom, at), ct);
            if (claimed == 0)
                continue;
            if (await StartAsync(pipeline.Id, TriggerKind.Schedule, ScheduleActor, null, ct))
                started++;
            if (started >= MaxSchedulesPerPass)
                break;
        }
        return started;
    }

    /// <summary>Polls the sources of the pipelines due; answers how many runs it started.</summary>
    public async Task<int> PollAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var polling = await db
            .Pipelines.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(p => p.PollEverySeconds != null)
            .ToListAsync(ct);
        var started = 0;
        foreach (var pipeline in polling.Where(p => p.IsPollDue(now)).OrderBy(p => p.PolledAt).Take(MaxPollsPerPass))
        {
            var claimed = await db
                .Pipelines.IgnoreQueryFilters()
                .Where(p => p.Id == pipeline.Id && p.PolledAt == pipeline.PolledAt)
                .ExecuteUpdateAsync(p => p.SetProperty(x => x.PolledAt, now), ct);
            if (claimed == 0)
                continue;
            if (await PollOneAsync(pipeline, now, ct))
                started++;
        }
        return started;
    }

    private async Task<bool> PollOneAsync(Pipeline pipeline, DateTime now, CancellationToken ct)
    {
        try
        {
            await using var scope = await TenantScopeAsync(pipeline.TenantId, PollActor, ct);
            var services = scope.ServiceProvider;
            var sources = services.GetRequiredService<AppSources>();
            var source = await sources.ToFetchAsync(pipeline.ApplicationId, ct);
            if (!source.Succeeded)
            {
                logger.LogWarning("Pipeline {Pipeline} was not polled: {Reason}", pipeline.Id, source.Problem!.Message);
                return false;
            }
            var branch = source.Value.Address.Ref.Value;
            var head = await services
                .GetRequiredService<IGitClient>()
                .TestConnectionAsync(source.Value.Remote, branch, ct);
            if (!head.Succeeded)
            {
                logger.LogWarning(
                    "Pipeline {Pipeline} could not poll '{Branch}': {Reason}",
                    pipeline.Id,
                    branch,
                    head.Problem!.Message
                );
                return false;
            }
            await sources.RememberHostKeysAsync(pipeline.ApplicationId, head.Value.KnownHosts, ct);
            var sha = head.Value.Commit;
            var seen = pipeline.PolledSha;
            var started =
                seen is not null
                && seen != sha
                && await StartInAsync(services, pipeline, TriggerKind.Poll, branch, sha, ct);
            // A commit whose run could not be started is asked about again at the next poll.
            if (seen is null || seen == sha || started)
                await services
                    .GetRequiredService<PortalDbContext>()
                    .Pipelines.Where(p => p.Id == pipeline.Id)
                    .ExecuteUpdateAsync(
                        p => p.SetProperty(x => x.PolledSha, sha).SetProperty(x => x.PolledAt, now),
                        ct
                    );
            return started;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Pipeline {Pipeline} could not be polled", pipeline.Id);
            return false;
        }
    }

    private async Task<bool> StartAsync(
        Guid pipelineId,
        TriggerKind kind,
        string actor,
        string? sha,
        CancellationToken ct
    )
    {
        try
        {
            await using var scope = await TenantScopeAsync(
                await db
                    .Pipelines.IgnoreQueryFilters()
                    .Where(p => p.Id == pipelineId)
                    .Select(p => p.TenantId)
                    .FirstAsync(ct),
                actor,
                ct
            );
            var services = scope.ServiceProvider;
            var pipeline = await services
                .GetRequiredService<PortalDbContext>()
                .Pipelines.AsNoTracking()
                .FirstAsync(p => p.Id == pipelineId, ct);
            var branch = await services
                .GetRequiredService<PortalDbContext>()
                .AppSources.Where(s => s.ApplicationId == pipeline.ApplicationId)
                .Select(s => s.Ref)
                .FirstOrDefaultAsync(ct);
            if (branch is null)
            {
                logger.LogWarning(
                    "Pipeline {Pipeline}'s schedule came due, but its application has no source",
                    pipelineId
                );
                return false;
            }
            return await StartInAsync(services, pipeline, kind, branch, sha, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Pipeline {Pipeline}'s scheduled run could not be started", pipelineId);
            return false;
        }
    }

    private async Task<bool> StartInAsync(
        IServiceProvider services,
        Pipeline pipeline,
        TriggerKind kind,
        string branch,
        string? sha,
        CancellationToken ct
    )
    {
        var app = await services
            .GetRequiredService<PortalDbContext>()
            .Applications.Where(a => a.Id == pipeline.ApplicationId)
            .Select(a => a.Name)
            .FirstAsync(ct);
        var actor = services.GetRequiredService<CurrentActor>().Actor.Name;
        var started = await services
            .GetRequiredService<PipelineRuns>()
            .StartAsync(new StartRun(app, pipeline.Name, new RunTrigger(kind, branch, sha, actor)), ct);
        if (started.Succeeded)
        {
            logger.LogInformation(
                "Pipeline {Pipeline} started run {Run} of '{Branch}' by its {Trigger}",
                pipeline.Id,
                started.Value.Number,
                branch,
                kind
            );
            return true;
        }
        logger.LogWarning(
            "Pipeline {Pipeline}'s {Trigger} started no run: {Reason}",
            pipeline.Id,
            kind,
            started.Problem!.Message
        );
        return false;
    }

    /// <summary>A scope bound to the pipeline's tenant, with the trigger as its actor.</summary>
    private async Task<AsyncServiceScope> TenantScopeAsync(Guid tenantId, string actor, CancellationToken ct)
    {
        var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var tenant = await services.GetRequiredService<PortalDbContext>().Tenants.FirstAsync(t => t.Id == tenantId, ct);
        services.GetRequiredService<TenantScope>().Bind(tenant);
        services.GetRequiredService<CurrentActor>().ActAs(new Actor(null, actor, null));
        return scope;
    }
}

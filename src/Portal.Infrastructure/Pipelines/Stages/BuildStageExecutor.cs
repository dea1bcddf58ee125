using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;
using BuildQueue = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Builds the run's commit (the pushed one when the trigger named it, else the head of the trigger's ref) as the
/// application's builds do, recipe and test command included, once the tenant's build minutes of the day allow it; the
/// image it pushes is the one the later stages deploy and test.
/// </summary>
internal sealed class BuildStageExecutor(
    BuildQueue builds,
    PortalDbContext db,
    RunQuotas quotas,
    IOptions<PipelineOptions> options
) : IStageExecutor
{
    public static StageKind Kind => StageKind.Build;

    public async Task<StageStatus> AdvanceAsync(StageContext context, CancellationToken ct)
    {
        var (run, stage) = (context.Run, context.Stage);
        if (stage.BuildNumber is not { } number)
            return await QueueAsync(context, ct);
        var build = await db
            .Builds.AsNoTracking()
            .FirstOrDefaultAsync(b => b.ApplicationId == run.ApplicationId && b.Number == number, ct);
        return build switch
        {
            null => new StageStatus.Failed($"Build {number} is gone: it was deleted with its application's builds."),
            { State: BuildState.Succeeded, Image: { } image, Commit: { } commit } => new StageStatus.Succeeded(
                $"Build {number} pushed {image.Pinned} ({commit.Sha[..Math.Min(12, commit.Sha.Length)]})."
            )
            {
                Apply = r => r.Built(number, commit.Sha, image.Pinned, DateTime.UtcNow),
            },
            { State: BuildState.Failed or BuildState.Cancelled } => new StageStatus.Failed(
                $"Build {number} {build.State.ToString().ToLowerInvariant()}: {build.Reason}"
            ),
            _ => new StageStatus.Going(options.Value.RecheckEvery),
        };
    }

    private async Task<StageStatus> QueueAsync(StageContext context, CancellationToken ct)
    {
        var run = context.Run;
        var limits = await quotas.LimitsAsync(run.TenantId, ct);
        var admitted = RunQuota.AdmitBuild(
            limits.BuildMinutesPerDay,
            await quotas.BuildMinutesTodayAsync(run.TenantId, ct)
        );
        if (!admitted.Succeeded)
            return new StageStatus.Failed(admitted.Problem!.Message);
        var commit = run.Trigger.Sha ?? run.Trigger.Ref;
        var queued = await builds.QueueAsync(
            new QueueBuild(context.App.Name, commit)
            {
                BeforeCommit = build => context.RecordBuildAsync(db, build.Number, build.OperationId!.Value, ct),
            },
            ct
        );
        if (!queued.Succeeded)
            return new StageStatus.Failed(queued.Problem!.Message);
        await context.Log.WriteAsync(context.Stage.Name, $"Build {queued.Value.Number} queued for {commit}.", ct);
        return new StageStatus.Going(options.Value.RecheckEvery);
    }

    public async Task CancelAsync(StageContext context, CancellationToken ct)
    {
        if (context.Stage.BuildNumber is { } number)
            await builds.CancelAsync(context.App.Name, number, ct);
    }
}

using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Carries out canary stages, each step a durable operation noted on the run in its own transaction:
/// <list type="number">
/// <item>admits the canary's replicas against the environment's share (beside everything there, the stable replicas
/// included) and queues its deploy (<see cref="ApplyCanaryRunner"/>);</item>
/// <item>for <see cref="CanaryStage.Duration"/> after it is deployed, looks at its pods at each call: more restarts
/// than <see cref="CanaryStage.MaxRestarts"/>, or a pod not ready after
/// <see cref="PipelineStageOptions.CanaryReadyGrace"/>, ends it early;</item>
/// <item>healthy to the end, deploys the run's build as the stable revision
/// (<see cref="ApplicationChanges.DeployBuildAsync"/>) and, once that rolled out, removes the canary; unhealthy,
/// removes it (<see cref="RemoveCanaryRunner"/>);</item>
/// <item>succeeds once the canary is removed after a promotion, else fails with what was seen, in words.</item>
/// </list>
/// The verdict is kept as the stage's outcome when the last operation is queued.
/// </summary>
public sealed class CanaryStageExecutor(
    PortalDbContext db,
    IOperationQueue queue,
    ICurrentActor actor,
    ApplicationChanges changes,
    AdmissionGate gate,
    MiddlewareHoldings instances,
    SpecVault vault,
    RegistryConnection registry,
    KubernetesClients clients,
    IOptions<PipelineStageOptions> options,
    TimeProvider clock
) : IStageExecutor
{
    public static StageKind Kind => StageKind.Canary;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
    private TimeSpan Interval => options.Value.CanaryCheckInterval;

    public async Task<StageStatus> AdvanceAsync(StageContext context, CancellationToken ct)
    {
        if (context.Definition is not CanaryStage canary)
            return new StageStatus.Failed($"Stage '{context.Stage.Name}' is not a canary.");
        var stage = context.Stage;
        if (stage.OperationId is not { } applyId)
            return await StartAsync(context, canary, ct);
        if (stage.FollowUpOperationId is { } followUpId)
            return await FollowUpAsync(context, canary, followUpId, ct);
        var apply = await OperationAsync(applyId, ct);
        if (apply is null || apply.State == OperationState.Failed)
            return await RemoveAsync(
                context,
                canary,
                $"The canary could not be deployed: {apply?.Error ?? "its operation was deleted"}",
                ct
            );
        if (!apply.IsFinished)
            return new StageStatus.Going(Interval, $"Deploying the canary to '{canary.Environment}'…");
        return await WatchAsync(context, canary, apply.FinishedAt!.Value, ct);
    }

    /// <summary>The run stopped waiting: the canary goes, whatever it did.</summary>
    public async Task CancelAsync(StageContext context, CancellationToken ct)
    {
        if (context.Stage.OperationId is null || context.Definition is not CanaryStage canary)
            return;
        var operation = Removal(context, canary);
        db.Operations.Add(operation);
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
    }

    private async Task<StageStatus> StartAsync(StageContext context, CanaryStage canary, CancellationToken ct)
    {
        var (run, app) = (context.Run, context.App);
        if (run.Image is null || run.BuildNumber is null)
            return new StageStatus.Failed(
                $"Run {run.Number} has no build to try as a canary: a build stage must come before stage "
                    + $"'{context.Stage.Name}'."
            );
        var site = await CanarySite.FindAsync(
            db,
            vault,
            registry,
            run.TenantId,
            CanarySite.Target(app.Name, canary.Environment),
            ct
        );
        if (site is null)
            return new StageStatus.Failed(
                $"'{app.Name}' is not deployed to environment '{canary.Environment}': a canary runs beside a stable "
                    + "revision, so deploy one first."
            );
        if (site.Deployment.ReplicasBeforeStop is not null || site.Deployment.Replicas == 0)
            return new StageStatus.Failed(
                $"'{app.Name}' is stopped in '{canary.Environment}': a canary takes a share of running replicas."
            );
        var replicas = CanaryManifests.Replicas(site.Deployment.Replicas, canary.Percent);
        using var entered = await gate.EnterAsync(site.Environment.Id, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db
            .Environments.Where(e => e.Id == site.Environment.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.AdmissionStamp, e => e.AdmissionStamp + 1), ct);
        var environment = await db.Environments.AsNoTracking().FirstAsync(e => e.Id == site.Environment.Id, ct);
        var quota = await new DeployPlanner(db, vault, instances).QuotaAsync(
            environment,
            null,
            site.Stable.Spec.Resources,
            replicas,
            ct
        );
        if (!quota.Admission.Succeeded)
            return new StageStatus.Failed(
                $"The canary of {replicas} replicas was refused: {quota.Admission.Problem!.Message}"
            );
        var operation = new Operation(
            run.TenantId,
            OperationKinds.ApplicationCanary,
            "application",
            CanarySite.Target(app.Name, canary.Environment),
            actor.Actor.Name,
            Now
        );
        db.Operations.Add(operation);
        await context.RecordOperationAsync(db, operation.Id, false, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        queue.Enqueue(operation);
        var words =
            $"Canary of {run.Image} queued in '{canary.Environment}': {replicas} of {site.Deployment.Replicas} "
            + $"stable replicas' worth ({canary.Percent}%), for {Durations.Format(canary.Duration)}.";
        await context.Log.WriteAsync(context.Stage.Name, words, ct);
        return new StageStatus.Going(Interval, words);
    }

    private async Task<StageStatus> WatchAsync(
        StageContext context,
        CanaryStage canary,
        DateTime deployedAt,
        CancellationToken ct
    )
    {
        var site = await CanarySite.FindAsync(
            db,
            vault,
            registry,
            context.Run.TenantId,
            CanarySite.Target(context.App.Name, canary.Environment),
            ct
        );
        if (site is null)
            return await RemoveAsync(context, canary, $"'{context.App.Name}' left '{canary.Environment}'.", ct);
        var client = await clients.ForAsync(site.ClusterId, ct);
        var pods = await client.CoreV1.ListNamespacedPodAsync(
            site.Namespace,
            labelSelector: CanaryManifests.Selector(context.App.Name),
            cancellationToken: ct
        );
        var health = CanaryHealth.Of(
            [.. pods.Items],
            canary.MaxRestarts,
            options.Value.CanaryReadyGrace,
            deployedAt,
            Now
        );
        if (health.Trouble is { } trouble)
            return await RemoveAsync(context, canary, $"The canary was rolled back: {trouble}", ct);
        var end = deployedAt + canary.Duration;
        if (Now < end)
        {
            var left = end - Now;
            return new StageStatus.Going(
                left < Interval ? left : Interval,
                $"Canary in '{canary.Environment}': {health.Words}; {Durations.Format(left)} left."
            );
        }
        return await PromoteAsync(context, canary, health, ct);
    }

    private async Task<StageStatus> PromoteAsync(
        StageContext context,
        CanaryStage canary,
        CanaryHealth health,
        CancellationToken ct
    )
    {
        var note =
            $"The canary stayed healthy for {Durations.Format(canary.Duration)} ({health.Words}): "
            + $"build {context.Run.BuildNumber} promoted to '{canary.Environment}'.";
        var deployed = await changes.DeployBuildAsync(
            new DeployBuild(
                context.App.Name,
                canary.Environment,
                context.Run.BuildNumber!.Value,
                $"run {context.Run.Number} of pipeline {context.Pipeline}: canary '{context.Stage.Name}' promoted",
                false
            )
            {
                BeforeSave = async operation =>
                {
                    await context.RecordOperationAsync(db, operation.Id, true, ct);
                    Tracked(context).StageNotes(context.Stage.Name, note, Now);
                },
            },
            ct
        );
        if (!deployed.Succeeded)
            return await RemoveAsync(
                context,
                canary,
                $"The canary was healthy but its promotion was refused: {deployed.Problem!.Message}",
                ct
            );
        await context.Log.WriteAsync(context.Stage.Name, note, ct);
        return new StageStatus.Going(Interval, note);
    }

    /// <summary>The promotion or the removal, queued after the canary ran, tells where the stage is.</summary>
    private async Task<StageStatus> FollowUpAsync(
        StageContext context,
        CanaryStage canary,
        Guid followUpId,
        CancellationToken ct
    )
    {
        var followUp = await OperationAsync(followUpId, ct);
        var said = context.Stage.Outcome ?? "The canary ended.";
        if (followUp is null || !followUp.IsFinished)
            return new StageStatus.Going(Interval, said);
        if (followUp.Kind == OperationKinds.ApplicationDeploy)
            return followUp.State == OperationState.Succeeded
                ? await RemoveAsync(context, canary, said + " The canary is removed.", ct)
                : await RemoveAsync(context, canary, $"The promotion's rollout failed: {followUp.Error}", ct);
        var removal =
            followUp.State == OperationState.Succeeded ? "" : $" The canary could not be removed: {followUp.Error}";
        return await PromotedAsync(context, ct)
            ? new StageStatus.Succeeded(said + removal)
            : new StageStatus.Failed(said + removal);
    }

    /// <summary>Whether a promotion of this attempt of the stage rolled out.</summary>
    private async Task<bool> PromotedAsync(StageContext context, CancellationToken ct)
    {
        var since = context.Stage.StartedAt ?? DateTime.MinValue;
        return await (
            from c in db.PipelineRunChildren.AsNoTracking()
            where c.RunId == context.Run.Id && c.Stage == context.Stage.Name
            join o in db.Operations.AsNoTracking() on c.OperationId equals o.Id
            where o.Kind == OperationKinds.ApplicationDeploy && o.State == OperationState.Succeeded
            where o.CreatedAt >= since
            select o.Id
        ).AnyAsync(ct);
    }

    /// <summary>Queues the canary's removal, noting it on the run with the verdict to end the stage with.</summary>
    private async Task<StageStatus> RemoveAsync(
        StageContext context,
        CanaryStage canary,
        string verdict,
        CancellationToken ct
    )
    {
        var operation = Removal(context, canary);
        db.Operations.Add(operation);
        await context.RecordOperationAsync(db, operation.Id, true, ct);
        Tracked(context).StageNotes(context.Stage.Name, verdict, Now);
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
        await context.Log.WriteAsync(context.Stage.Name, verdict, ct);
        return new StageStatus.Going(Interval, verdict);
    }

    private Operation Removal(StageContext context, CanaryStage canary) =>
        new(
            context.Run.TenantId,
            OperationKinds.ApplicationCanaryRemove,
            "application",
            CanarySite.Target(context.App.Name, canary.Environment),
            actor.Actor.Name,
            Now
        );

    /// <summary>The run <see cref="StageContext.RecordOperationAsync"/> read again, in this unit of work.</summary>
    private PipelineRun Tracked(StageContext context) => db.PipelineRuns.Local.First(r => r.Id == context.Run.Id);

    private Task<Operation?> OperationAsync(Guid id, CancellationToken ct) =>
        db.Operations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct);
}

/// <summary>How a canary's pods do: what is wrong with them, if anything, and a summary in words.</summary>
public sealed record CanaryHealth(string? Trouble, string Words)
{
    /// <summary>
    /// Unhealthy when its pods restarted more than <paramref name="maxRestarts"/> times in all, or one of them is not
    /// ready <paramref name="grace"/> after it was made (or no pod exists that long after the canary was deployed).
    /// </summary>
    public static CanaryHealth Of(
        IReadOnlyList<V1Pod> pods,
        int maxRestarts,
        TimeSpan grace,
        DateTime deployedAt,
        DateTime now
    )
    {
        var live = pods.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        var restarts = live.Sum(p => p.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0);
        var ready = live.Count(Ready);
        var words = $"{ready} of {live.Count} pods ready, {restarts} restarts";
        if (restarts > maxRestarts)
            return new($"its pods restarted {restarts} times, more than the {maxRestarts} allowed ({words}).", words);
        var late = live.FirstOrDefault(p => !Ready(p) && now - (p.Metadata.CreationTimestamp ?? deployedAt) > grace);
        if (late is not null)
            return new(
                $"pod {late.Metadata.Name} was not ready {Durations.Format(grace)} after it started"
                    + $"{Waiting(late)} ({words}).",
                words
            );
        if (live.Count == 0 && now - deployedAt > grace)
            return new($"no pod of it ran within {Durations.Format(grace)}.", words);
        return new(null, words);
    }

    private static bool Ready(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static string Waiting(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.Select(c => c.State?.Waiting?.Reason).FirstOrDefault(r => r is not null)
            is { } reason
            ? $": {reason}"
            : "";
}

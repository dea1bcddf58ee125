using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Operations;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Deploys the image the run built to an environment, pinned by digest, admitted against the environment's share like
/// every deploy, and follows the rollout through the deploy's operation; a failed rollout rolls back when the stage
/// says so. The operation is noted on the run in the deploy's own transaction: a resumed run never deploys twice.
/// </summary>
internal sealed class DeployStageExecutor(
    ApplicationChanges changes,
    PortalDbContext db,
    IOptions<PipelineOptions> options
) : IStageExecutor
{
    public static StageKind Kind => StageKind.Deploy;

    public async Task<StageStatus> AdvanceAsync(StageContext context, CancellationToken ct)
    {
        var stage = (DeployStage)context.Definition;
        if (context.Stage.OperationId is { } operationId)
            return await StageOperations.StatusAsync(db, operationId, stage.Environment, context, options.Value, ct);
        if (context.Run.BuildNumber is not { } build)
            return new StageStatus.Failed("The run has no image to deploy: its build stage has not succeeded.");
        var deployed = await changes.DeployBuildAsync(
            new DeployBuild(
                context.App.Name,
                stage.Environment,
                build,
                $"pipeline {context.Pipeline}, run {context.Run.Number}",
                stage.RollBackOnFailure
            )
            {
                BeforeSave = operation => context.RecordOperationAsync(db, operation.Id, false, ct),
            },
            ct
        );
        if (!deployed.Succeeded)
            return new StageStatus.Failed(deployed.Problem!.Message);
        await context.Log.WriteAsync(
            context.Stage.Name,
            $"Deploying build {build} ({context.Run.Image}) to {stage.Environment}.",
            ct
        );
        return new StageStatus.Going(options.Value.RecheckEvery);
    }
}

/// <summary>
/// Deploys what runs in one environment to another as the promotion page does, after checking that it is the run's own
/// image: another run may have deployed there since.
/// </summary>
internal sealed class PromoteStageExecutor(
    ApplicationChanges changes,
    PortalDbContext db,
    SpecVault vault,
    IOptions<PipelineOptions> options
) : IStageExecutor
{
    public static StageKind Kind => StageKind.Promote;

    public async Task<StageStatus> AdvanceAsync(StageContext context, CancellationToken ct)
    {
        var stage = (PromoteStage)context.Definition;
        if (context.Stage.OperationId is { } operationId)
            return await StageOperations.StatusAsync(db, operationId, stage.To, context, options.Value, ct);
        if (context.Run.Image is { } image)
        {
            var running = await (
                from d in db.AppDeployments.AsNoTracking()
                join e in db.Environments on d.EnvironmentId equals e.Id
                join r in db.Revisions
                    on new { d.ApplicationId, Number = d.Revision } equals new { r.ApplicationId, r.Number }
                where d.ApplicationId == context.App.Id && e.Name == stage.From
                select r.SealedSpec
            ).FirstOrDefaultAsync(ct);
            if (running is not null && vault.Open(running).Image != image)
                return new StageStatus.Failed(
                    $"{stage.From} no longer runs this run's image ({image}): another deploy replaced it, so it is "
                        + $"not promoted to {stage.To}."
                );
        }
        var promoted = await changes.PromoteAsync(
            new PromoteApplication(
                context.App.Name,
                stage.From,
                stage.To,
                $"pipeline {context.Pipeline}, run {context.Run.Number}",
                false
            )
            {
                BeforeSave = operation => context.RecordOperationAsync(db, operation.Id, false, ct),
            },
            ct
        );
        if (!promoted.Succeeded)
            return new StageStatus.Failed(promoted.Problem!.Message);
        await context.Log.WriteAsync(context.Stage.Name, $"Promoting {stage.From} to {stage.To}.", ct);
        return new StageStatus.Going(options.Value.RecheckEvery);
    }
}

/// <summary>How a stage that deployed through an operation learns how it went.</summary>
internal static class StageOperations
{
    public static async Task<StageStatus> StatusAsync(
        PortalDbContext db,
        Guid operationId,
        string environment,
        StageContext context,
        PipelineOptions options,
        CancellationToken ct
    )
    {
        var operation = await db.Operations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == operationId, ct);
        if (operation is null)
            return new StageStatus.Failed("The stage's operation is gone: its environment or application was deleted.");
        switch (operation.State)
        {
            case OperationState.Succeeded:
                var revision = await (
                    from d in db.AppDeployments.AsNoTracking()
                    join e in db.Environments on d.EnvironmentId equals e.Id
                    where d.ApplicationId == context.App.Id && e.Name == environment
                    select (int?)d.Revision
                ).FirstOrDefaultAsync(ct);
                return new StageStatus.Succeeded($"Revision {revision} rolled out in {environment}.");
            case OperationState.Failed:
                return new StageStatus.Failed(operation.Error ?? "The deploy failed.");
            default:
                var step = operation.Steps.LastOrDefault();
                return new StageStatus.Going(
                    options.RecheckEvery,
                    step is null ? "Queued." : $"{operation.State}: {step.Name}{(step.Done ? " done" : "…")}"
                );
        }
    }
}

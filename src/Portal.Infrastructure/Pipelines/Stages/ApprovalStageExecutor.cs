using Portal.Domain.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Waits for a decision: the run's job asks the approvers once, through the tenant's alert channels (the stage's
/// outcome then says whom it waits for), then only the decision (<see cref="PipelineRuns.DecideAsync"/>) or the stage's
/// timeout moves it.
/// </summary>
internal sealed class ApprovalStageExecutor(ApprovalNotifications notifications) : IStageExecutor
{
    public static StageKind Kind => StageKind.Approval;

    public async Task<StageStatus> AdvanceAsync(StageContext context, CancellationToken ct)
    {
        var stage = (ApprovalStage)context.Definition;
        var waiting = $"Waits for approval by {Approvers(stage)}.";
        if (context.Stage.Outcome == waiting)
            return new StageStatus.Going(TimeSpan.MaxValue, waiting);
        await context.Log.WriteAsync(context.Stage.Name, waiting, ct);
        await notifications.NotifyAsync(context, ct);
        return new StageStatus.Going(TimeSpan.MaxValue, waiting);
    }

    public static string Approvers(ApprovalStage stage)
    {
        var who = stage.Roles.Select(r => $"a {r}").Concat(stage.Members).ToList();
        return who.Count == 1 ? who[0] : $"{string.Join(", ", who[..^1])} or {who[^1]}";
    }
}

using Portal.Domain.Pipelines;

namespace Portal.Web.Pipelines;

/// <summary>A stage of a run as the run page's graph draws it.</summary>
public sealed record RunStageView(
    string Name,
    string Kind,
    int Step,
    bool Manual,
    string State,
    int Attempt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    DateTime? Deadline,
    string? Outcome,
    string? Error,
    int? Build,
    string? StartedBy,
    string? DecidedBy,
    string? Comment
);

/// <summary>A run as its page and its live updates show it.</summary>
public sealed record RunView(
    Guid Id,
    int Number,
    string State,
    string Trigger,
    string Ref,
    string? Commit,
    string By,
    string? Image,
    int? Build,
    string? WaitingReason,
    string? Error,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    IReadOnlyList<RunStageView> Stages
)
{
    public static RunView Of(PipelineRun run) =>
        new(
            run.Id,
            run.Number,
            run.State.ToString(),
            run.Trigger.Kind.ToString(),
            run.Trigger.Ref,
            run.CommitSha,
            run.Trigger.By,
            run.Image,
            run.BuildNumber,
            run.WaitingReason,
            run.Error,
            run.CreatedAt,
            run.StartedAt,
            run.FinishedAt,
            [
                .. run.Stages.Select(s => new RunStageView(
                    s.Name,
                    s.Kind.ToString().ToLowerInvariant(),
                    s.Step,
                    s.Manual,
                    s.State.ToString(),
                    s.Attempt,
                    s.StartedAt,
                    s.FinishedAt,
                    s.Deadline,
                    s.Outcome,
                    s.Error,
                    s.BuildNumber,
                    s.StartedBy,
                    s.DecidedBy,
                    s.Comment
                )),
            ]
        );
}

/// <summary>A line of a run's log, as sent to its followers.</summary>
public sealed record RunLogLineView(int Sequence, string Stage, DateTime At, string Text)
{
    public static RunLogLineView Of(PipelineRunLogLine line) => new(line.Sequence, line.Stage, line.At, line.Text);
}

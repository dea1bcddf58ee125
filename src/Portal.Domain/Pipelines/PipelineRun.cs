using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Pipelines;

public enum RunState
{
    /// <summary>Waiting for a run slot of its tenant (or behind a newer push, until superseded).</summary>
    Queued = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    Cancelled = 5,

    /// <summary>Replaced, before it started, by a newer run of the same branch.</summary>
    Superseded = 6,
}

public enum StageState
{
    Pending = 1,

    /// <summary>A manual stage whose turn came: it waits for a person to start it.</summary>
    WaitingToStart = 2,
    Running = 3,

    /// <summary>An approval stage waiting for a decision.</summary>
    AwaitingApproval = 4,
    Succeeded = 5,
    Failed = 6,

    /// <summary>Not run: the run failed or was cancelled before its turn.</summary>
    Skipped = 7,

    /// <summary>Stopped while it ran: the run was cancelled, or a stage beside it failed.</summary>
    Cancelled = 8,
}

public enum TriggerKind
{
    Push = 1,
    Tag = 2,
    Schedule = 3,
    Poll = 4,
    Manual = 5,
    Rerun = 6,
}

/// <summary>
/// What started a run: the kind, the ref it runs (a branch or tag), the commit when known (a webhook names it; a
/// schedule or a person may leave it to the build, which takes the ref's head), who or what started it, and the
/// webhook's delivery id.
/// </summary>
public sealed record RunTrigger(TriggerKind Kind, string Ref, string? Sha, string By, string? DeliveryId = null);

/// <summary>
/// One stage of a run, as the run page's graph shows it: its state and times, what it started (a build, an
/// operation: saved with that child in one transaction, so that a resumed run never starts it twice), what came of it,
/// and, for an approval, who decided and why.
/// </summary>
public sealed record RunStage(string Name, StageKind Kind, int Step, bool Manual)
{
    public StageState State { get; init; } = StageState.Pending;
    public int Attempt { get; init; } = 1;
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public DateTime? Deadline { get; init; }
    public string? Error { get; init; }

    /// <summary>What came of the stage, in words ("image …@sha256:…", "revision 4 running in dev").</summary>
    public string? Outcome { get; init; }
    public int? BuildNumber { get; init; }
    public Guid? OperationId { get; init; }

    /// <summary>A second operation of the stage (a canary's removal or promotion).</summary>
    public Guid? FollowUpOperationId { get; init; }
    public string? StartedBy { get; init; }
    public string? DecidedBy { get; init; }
    public string? Comment { get; init; }

    public bool IsActive => State is StageState.Running or StageState.AwaitingApproval;
    public bool IsDone =>
        State is StageState.Succeeded or StageState.Failed or StageState.Skipped or StageState.Cancelled;
    public TimeSpan? Duration => StartedAt is { } s && FinishedAt is { } f ? f - s : null;
}

/// <summary>
/// A run of a pipeline: the definition it runs (kept as it was when the run was made, so that editing the pipeline
/// changes later runs only), what triggered it, and its stages. Its methods are the state machine the run's jobs
/// follow; each save checks <see cref="Version"/>, so that of two jobs advancing one run at once, one saves and the
/// other starts over from what the first saved.
/// </summary>
public sealed class PipelineRun : ITenantOwned
{
    public const int ErrorMaxLength = 2000;
    private readonly List<RunStage> _stages = [];

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid PipelineId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public int Number { get; private set; }
    public RunState State { get; private set; }
    public RunTrigger Trigger { get; private set; } = null!;
    public string DefinitionYaml { get; private set; } = "";
    public IReadOnlyList<RunStage> Stages => _stages;

    /// <summary>The commit the run's build built, once known.</summary>
    public string? CommitSha { get; private set; }

    /// <summary>The image the run's build pushed, pinned by digest, once built.</summary>
    public string? Image { get; private set; }
    public int? BuildNumber { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? StartedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Why a queued run waits, in words ("needs 1 run slot, 0 left of 2").</summary>
    public string? WaitingReason { get; private set; }
    public string? SupersededBy { get; private set; }

    /// <summary>
    /// When the run's job should look at it again (a stage's child, a deadline); the sweeper's index.
    /// </summary>
    public DateTime? NextCheckAt { get; private set; }

    /// <summary>
    /// Changes with every save; checked by the database, so that two jobs cannot save over each other.
    /// </summary>
    public Guid Version { get; private set; }

    private PipelineRun() { }

    public static PipelineRun Queue(
        Guid tenantId,
        Guid pipelineId,
        Guid applicationId,
        int lastNumber,
        string definitionYaml,
        PipelineDefinition definition,
        RunTrigger trigger,
        DateTime now
    )
    {
        var run = new PipelineRun
        {
            Id = Guid.NewGuid(),
            TenantId = tenantId,
            PipelineId = pipelineId,
            ApplicationId = applicationId,
            Number = lastNumber + 1,
            State = RunState.Queued,
            Trigger = trigger,
            CommitSha = trigger.Sha,
            DefinitionYaml = definitionYaml,
            CreatedAt = now,
            NextCheckAt = now,
            Version = Guid.NewGuid(),
        };
        var steps = definition.Steps;
        for (var step = 0; step < steps.Count; step++)
            run._stages.AddRange(steps[step].Select(s => new RunStage(s.Name, s.Kind, step, s.Manual)));
        return run;
    }

    public bool IsFinished =>
        State is RunState.Succeeded or RunState.Failed or RunState.Cancelled or RunState.Superseded;

    public RunStage? Stage(string name) => _stages.FirstOrDefault(s => s.Name == name);

    /// <summary>The run leaves the queue: its tenant had a run slot for it.</summary>
    public void Admit(DateTime now)
    {
        if (State != RunState.Queued)
            throw new InvalidOperationException($"Run {Number} is {State}, not queued.");
        State = RunState.Running;
        StartedAt ??= now;
        WaitingReason = null;
        Touch();
    }

    public void Wait(string reason, DateTime now)
    {
        if (State != RunState.Queued)
            return;
        if (WaitingReason != reason)
            Touch();
        WaitingReason = reason;
    }

    /// <summary>
    /// The stages whose turn came: those of the first step not yet succeeded that are pending. A manual one among them
    /// waits for a person instead (it is marked so here and not returned).
    /// </summary>
    public IReadOnlyList<RunStage> DueStages(DateTime now)
    {
        if (State != RunState.Running)
            return [];
        var step = CurrentStep;
        if (step is null)
            return [];
        var due = new List<RunStage>();
        foreach (var stage in _stages.Where(s => s.Step == step && s.State == StageState.Pending).ToList())
        {
            if (stage.Manual && stage.StartedBy is null)
                Replace(stage with { State = StageState.WaitingToStart }, now);
            else
                due.Add(stage);
        }
        return due;
    }

    /// <summary>The first step with a stage not succeeded, or null when every stage succeeded.</summary>
    private int? CurrentStep =>
        _stages.Where(s => s.State != StageState.Succeeded).Select(s => (int?)s.Step).DefaultIfEmpty().Min();

    public IReadOnlyList<RunStage> ActiveStages => [.. _stages.Where(s => s.IsActive)];

    public void StageStarted(string name, DateTime deadline, DateTime now) =>
        Change(
            name,
            StageState.Pending,
            s => s with { State = StageState.Running, StartedAt = now, Deadline = deadline, FinishedAt = null },
            now
        );

    /// <summary>Notes the build the stage queued: saved with the build, in its transaction.</summary>
    public void StageQueuedBuild(string name, int build, DateTime now) =>
        Change(name, StageState.Running, s => s with { BuildNumber = build }, now);

    /// <summary>Notes the operation the stage queued: saved with the operation, in its transaction.</summary>
    public void StageQueuedOperation(string name, Guid operation, DateTime now) =>
        Change(name, StageState.Running, s => s with { OperationId = operation }, now);

    public void StageQueuedFollowUp(string name, Guid operation, DateTime now) =>
        Change(name, StageState.Running, s => s with { FollowUpOperationId = operation }, now);

    public void StageNotes(string name, string outcome, DateTime now) =>
        Change(name, Stage(name)?.State ?? StageState.Running, s => s with { Outcome = outcome }, now);

    /// <summary>The build stage's image: the stages after it deploy and test this image.</summary>
    public void Built(int build, string sha, string pinnedImage, DateTime now)
    {
        BuildNumber = build;
        CommitSha = sha;
        Image = pinnedImage;
        Touch();
    }

    public void AwaitApproval(string name, DateTime deadline, DateTime now) =>
        Change(
            name,
            StageState.Pending,
            s => s with { State = StageState.AwaitingApproval, StartedAt = now, Deadline = deadline },
            now
        );

    /// <summary>A person starts a manual stage whose turn came.</summary>
    public Result StartManually(string name, string by, DateTime now)
    {
        var stage = Stage(name);
        if (stage is null)
            return Problem.NotFound($"Stage '{name}' of run {Number}");
        if (stage.State != StageState.WaitingToStart)
            return Problem.Conflict(
                $"Stage '{name}' is {Describe(stage.State)}: only a manual stage whose turn came can be started."
            );
        Replace(stage with { State = StageState.Pending, StartedBy = by }, now);
        return Result.Ok();
    }

    /// <summary>Approves or rejects an approval stage that waits; a rejection fails the run.</summary>
    public Result Decide(string name, bool approve, string by, string? comment, DateTime now)
    {
        var stage = Stage(name);
        if (stage is null || stage.Kind != StageKind.Approval)
            return Problem.NotFound($"Approval '{name}' of run {Number}");
        if (stage.State != StageState.AwaitingApproval)
            return Problem.Conflict(
                $"Approval '{name}' is {Describe(stage.State)}: it no longer waits for a decision."
            );
        var decided = stage with { DecidedBy = by, Comment = comment };
        if (approve)
        {
            Replace(
                decided with
                {
                    State = StageState.Succeeded,
                    FinishedAt = now,
                    Outcome = $"Approved by {by}.",
                },
                now
            );
            return Result.Ok();
        }
        Replace(decided, now);
        StageFailed(name, $"Rejected by {by}{(string.IsNullOrWhiteSpace(comment) ? "." : $": {comment}")}", now);
        return Result.Ok();
    }

    public void StageSucceeded(string name, string? outcome, DateTime now)
    {
        var stage = Stage(name) ?? throw new InvalidOperationException($"Run {Number} has no stage '{name}'.");
        if (!stage.IsActive)
            return;
        Replace(stage with { State = StageState.Succeeded, FinishedAt = now, Outcome = outcome ?? stage.Outcome }, now);
        if (_stages.All(s => s.State == StageState.Succeeded))
            End(RunState.Succeeded, null, now);
    }

    /// <summary>
    /// The stage failed: the run fails with its reason, the stages beside it still running are cancelled (their
    /// children are told by the run's job) and the stages after it skipped.
    /// </summary>
    public void StageFailed(string name, string reason, DateTime now)
    {
        var stage = Stage(name) ?? throw new InvalidOperationException($"Run {Number} has no stage '{name}'.");
        if (stage.IsDone)
            return;
        Replace(stage with { State = StageState.Failed, FinishedAt = now, Error = Shortened(reason) }, now);
        StopTheRest(now);
        End(RunState.Failed, $"Stage '{name}' failed: {reason}", now);
    }

    public Result Cancel(string by, DateTime now)
    {
        if (IsFinished)
            return Problem.Conflict(
                $"Run {Number} is {State.ToString().ToLowerInvariant()}: there is nothing to cancel."
            );
        StopTheRest(now);
        End(RunState.Cancelled, $"Cancelled by {by}.", now);
        return Result.Ok();
    }

    /// <summary>A newer run of the same branch takes the place of this queued one.</summary>
    public Result Supersede(int newer, DateTime now)
    {
        if (State != RunState.Queued)
            return Problem.Conflict($"Run {Number} has started: only a queued run is superseded.");
        SupersededBy = $"run {newer}";
        foreach (var stage in _stages.ToList())
            Replace(stage with { State = StageState.Skipped }, now);
        End(RunState.Superseded, $"Superseded by run {newer}, of a newer push.", now);
        return Result.Ok();
    }

    /// <summary>
    /// Runs a failed or cancelled run again from the stage that stopped it: the stages that succeeded keep their
    /// results (the image stays the one built), the others start over as a new attempt once a run slot is free.
    /// </summary>
    public Result RetryFromFailed(DateTime now)
    {
        if (State is not (RunState.Failed or RunState.Cancelled))
            return Problem.Conflict(
                $"Run {Number} is {State.ToString().ToLowerInvariant()}: only a failed or cancelled run is retried."
            );
        foreach (var stage in _stages.Where(s => s.State != StageState.Succeeded).ToList())
            Replace(
                new RunStage(stage.Name, stage.Kind, stage.Step, stage.Manual) { Attempt = stage.Attempt + 1 },
                now
            );
        State = RunState.Queued;
        Error = null;
        FinishedAt = null;
        NextCheckAt = now;
        Touch();
        return Result.Ok();
    }

    /// <summary>When the run's job should look again; null once the run ended.</summary>
    public void CheckAgainAt(DateTime? at) => NextCheckAt = IsFinished ? null : at;

    private void StopTheRest(DateTime now)
    {
        foreach (var stage in _stages.Where(s => !s.IsDone).ToList())
            Replace(
                stage.IsActive
                    ? stage with
                    {
                        State = StageState.Cancelled,
                        FinishedAt = now,
                    }
                    : stage with
                    {
                        State = StageState.Skipped,
                    },
                now
            );
    }

    private void End(RunState state, string? error, DateTime now)
    {
        State = state;
        Error = error is null ? null : Shortened(error);
        FinishedAt = now;
        NextCheckAt = null;
        Touch();
    }

    private void Change(string name, StageState expected, Func<RunStage, RunStage> change, DateTime now)
    {
        var stage = Stage(name) ?? throw new InvalidOperationException($"Run {Number} has no stage '{name}'.");
        if (stage.State != expected)
            throw new InvalidOperationException($"Stage '{name}' of run {Number} is {stage.State}, not {expected}.");
        Replace(change(stage), now);
    }

    private void Replace(RunStage stage, DateTime now)
    {
        var index = _stages.FindIndex(s => s.Name == stage.Name);
        _stages[index] = stage;
        Touch();
    }

    private void Touch() => Version = Guid.NewGuid();

    public static string Describe(StageState state) =>
        state switch
        {
            StageState.WaitingToStart => "waiting to be started",
            StageState.AwaitingApproval => "awaiting approval",
            _ => state.ToString().ToLowerInvariant(),
        };

    private static string Shortened(string text) =>
        text.Length <= ErrorMaxLength ? text : text[..(ErrorMaxLength - 1)] + "…";
}

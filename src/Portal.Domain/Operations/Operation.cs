using Portal.Domain.Common;

namespace Portal.Domain.Operations;

public enum OperationState
{
    Queued = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
}

/// <summary>
/// One timed step of an operation, as the operations page shows it. <paramref name="Waiting"/> says what a begun step
/// waits for (a rollout) while no job runs it: a job looks again later, or when the cluster's watch sees a change.
/// </summary>
public sealed record OperationStep(
    string Name,
    DateTime StartedAt,
    DateTime? FinishedAt,
    string? Error,
    string? Waiting = null
)
{
    public bool Done => FinishedAt is not null && Error is null;
}

/// <summary>
/// A change to the outside world (create a namespace, deploy, scale…), written with the desired state in one
/// transaction and carried out by a job. The job may run twice: a step already done is not redone, and a
/// failed operation can be retried from where it stopped.
/// </summary>
public sealed class Operation
{
    public const int ErrorMaxLength = 2000;
    private readonly List<OperationStep> _steps = [];

    public Guid Id { get; private set; }

    /// <summary>Whose operation it is; null for the platform's own (a host of a pool), which no tenant sees.</summary>
    public Guid? TenantId { get; private set; }

    /// <summary>The tenant of an operation that has one: asking it of a platform operation is a mistake.</summary>
    public Guid OwnerTenantId =>
        TenantId
        ?? throw new InvalidOperationException($"Operation {Id} ({Kind}) is the platform's: it has no tenant.");
    public string Kind { get; private set; } = "";
    public string TargetType { get; private set; } = "";
    public string TargetId { get; private set; } = "";
    public string RequestedBy { get; private set; } = "";
    public OperationState State { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public string? Error { get; private set; }
    public int Attempts { get; private set; }

    /// <summary>
    /// When the operation last moved (queued, claimed, a step, its job's heartbeat, the end): how the sweeper tells a
    /// lost one.
    /// </summary>
    public DateTime LastActivityAt { get; private set; }

    /// <summary>
    /// The run of a job that holds the operation: a token of its own, never reused, so that a run that lost the claim
    /// cannot save over the run that took it (the database checks it on every save of the operation).
    /// </summary>
    public string? ClaimedBy { get; private set; }

    /// <summary>Until when the claim holds unless its run renews it; a run whose process died lets it lapse.</summary>
    public DateTime? ClaimedUntil { get; private set; }

    /// <summary>
    /// The job scheduler's id of the job last queued for the operation: whether the scheduler still holds it.
    /// </summary>
    public string? JobId { get; private set; }
    public IReadOnlyList<OperationStep> Steps => _steps;

    private Operation() { }

    public Operation(Guid? tenantId, string kind, string targetType, string targetId, string requestedBy, DateTime now)
    {
        Id = Guid.NewGuid();
        TenantId = tenantId;
        Kind = kind;
        TargetType = targetType;
        TargetId = targetId;
        RequestedBy = requestedBy;
        State = OperationState.Queued;
        CreatedAt = now;
        LastActivityAt = now;
    }

    public bool IsFinished => State is OperationState.Succeeded or OperationState.Failed;

    /// <summary>
    /// Takes the operation for one run of its job, until <paramref name="until"/> unless renewed: only a queued
    /// operation, or a running one whose claim lapsed or was let go, can be taken. False when it ended, or another run
    /// holds it. Saved with the claim token as the original value, the claim is atomic: of two runs that read the
    /// operation at once, one saves its claim and the other fails to.
    /// </summary>
    public bool Claim(string run, DateTime until, DateTime now)
    {
        if (!IsClaimable(now))
            return false;
        // Another look at what the operation waits for is the same attempt going on, not a new one.
        if (!IsWaiting)
            Attempts++;
        State = OperationState.Running;
        ClaimedBy = run;
        ClaimedUntil = until;
        LastActivityAt = now;
        return true;
    }

    public bool IsClaimable(DateTime now) =>
        State == OperationState.Queued
        || (State == OperationState.Running && (ClaimedUntil is null || ClaimedUntil < now));

    /// <summary>
    /// Whether the operation seems lost: queued but not picked up for longer than <paramref name="queuedFor"/> (the
    /// process died between saving it and queueing its job, or the queue lost it), or running under a claim that lapsed
    /// (a live run renews it; a run that ended without finishing lets it go, and is taken for lost after
    /// <paramref name="runningFor"/> without a step).
    /// </summary>
    /// A waiting operation (<see cref="IsWaiting"/>) is looked at every little while, each look noted: one left alone
    /// for <paramref name="queuedFor"/> lost the job of its next look.
    public bool IsStalled(DateTime now, TimeSpan queuedFor, TimeSpan runningFor) =>
        State switch
        {
            OperationState.Queued => now - LastActivityAt > queuedFor,
            OperationState.Running => ClaimedUntil is { } until
                ? until < now
                : now - LastActivityAt > (IsWaiting ? queuedFor : runningFor),
            _ => false,
        };

    /// <summary>
    /// Whether the operation runs but no job works on it: a begun step waits for the outside world (a rollout), and a
    /// job looks at it again later or when the cluster's watch sees it change.
    /// </summary>
    public bool IsWaiting =>
        State == OperationState.Running && _steps.Any(s => s.FinishedAt is null && s.Waiting != null);

    /// <summary>When <paramref name="step"/> was begun, if it was and has not finished.</summary>
    public DateTime? BegunAt(string step) =>
        _steps.LastOrDefault(s => s.Name == step && s.FinishedAt is null)?.StartedAt;

    /// <summary>Whether <paramref name="step"/> was begun, by this run or an earlier one, finished or not.</summary>
    public bool HasBegun(string step) => _steps.Any(s => s.Name == step);

    /// <summary>
    /// Notes what the begun <paramref name="step"/> waits for: the run ends, and a later one looks again.
    /// </summary>
    public void Waits(string step, string waiting, DateTime now)
    {
        var index = _steps.FindLastIndex(s => s.Name == step && s.FinishedAt is null);
        if (index < 0)
            throw new InvalidOperationException($"Step '{step}' was not begun.");
        _steps[index] = _steps[index] with { Waiting = waiting };
        LastActivityAt = now;
    }

    /// <summary>Notes that the operation's job was queued again, so that it is not swept twice in a row.</summary>
    public void Requeued(DateTime now) => LastActivityAt = now;

    /// <summary>Whether a step finished in an earlier run, so that a resumed job skips it.</summary>
    public bool HasDone(string step) => _steps.Any(s => s.Name == step && s.Done);

    public void BeginStep(string step, DateTime now)
    {
        _steps.RemoveAll(s => s.Name == step && !s.Done);
        _steps.Add(new OperationStep(step, now, null, null));
        LastActivityAt = now;
    }

    public void CompleteStep(string step, DateTime now)
    {
        var index = _steps.FindLastIndex(s => s.Name == step);
        if (index < 0)
            throw new InvalidOperationException($"Step '{step}' was not begun.");
        _steps[index] = _steps[index] with { FinishedAt = now, Error = null, Waiting = null };
        LastActivityAt = now;
    }

    /// <summary>Ends in failure with a reason a person understands (e.g. the cluster's quota message).</summary>
    public void Fail(string reason, DateTime now)
    {
        var index = _steps.FindLastIndex(s => s.FinishedAt is null);
        if (index >= 0)
            _steps[index] = _steps[index] with { FinishedAt = now, Error = reason, Waiting = null };
        State = OperationState.Failed;
        Error = Shortened(reason);
        FinishedAt = now;
        LastActivityAt = now;
    }

    /// <summary>
    /// Adds to the reason of a failed operation what came of its failure (an automatic rollback, or why there was
    /// none).
    /// </summary>
    public void AddToError(string more, DateTime now)
    {
        if (State != OperationState.Failed)
            throw new InvalidOperationException("Only a failed operation has an error to add to.");
        Error = Shortened($"{Error} {more}");
        LastActivityAt = now;
    }

    public void Succeed(DateTime now)
    {
        State = OperationState.Succeeded;
        Error = null;
        FinishedAt = now;
        LastActivityAt = now;
    }

    /// <summary>Queues a failed operation again; its finished steps stay done.</summary>
    public Result Retry(DateTime now)
    {
        if (State != OperationState.Failed)
            return Problem.Conflict($"Only a failed operation can be retried; this one is {State}.");
        State = OperationState.Queued;
        Error = null;
        FinishedAt = null;
        LastActivityAt = now;
        return Result.Ok();
    }

    private static string Shortened(string text) =>
        text.Length <= ErrorMaxLength ? text : text[..(ErrorMaxLength - 1)] + "…";
}

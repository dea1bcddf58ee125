using Portal.Domain.Common;

namespace Portal.Domain.Operations;

public enum OperationState
{
    Queued = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
}

/// <summary>One timed step of an operation, as the operations page shows it.</summary>
public sealed record OperationStep(string Name, DateTime StartedAt, DateTime? FinishedAt, string? Error)
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
    private readonly List<OperationStep> _steps = [];

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public string Kind { get; private set; } = "";
    public string TargetType { get; private set; } = "";
    public string TargetId { get; private set; } = "";
    public string RequestedBy { get; private set; } = "";
    public OperationState State { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public string? Error { get; private set; }
    public int Attempts { get; private set; }
    /// <summary>When the operation last moved (queued, started, a step, the end): how the sweeper tells a lost one.</summary>
    public DateTime LastActivityAt { get; private set; }
    public IReadOnlyList<OperationStep> Steps => _steps;

    private Operation() { }

    public Operation(Guid tenantId, string kind, string targetType, string targetId, string requestedBy, DateTime now)
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

    /// <summary>Starts (or resumes) the work; false when there is nothing to do because it already ended.</summary>
    public bool Start(DateTime now)
    {
        if (IsFinished)
            return false;
        State = OperationState.Running;
        Attempts++;
        LastActivityAt = now;
        return true;
    }

    /// <summary>
    /// Whether the operation seems lost: queued but never picked up (the process died between saving it and
    /// queueing its job, or the queue lost it), or running without a step for longer than any step takes.
    /// </summary>
    public bool IsStalled(DateTime now, TimeSpan queuedFor, TimeSpan runningFor) => State switch
    {
        OperationState.Queued => now - LastActivityAt > queuedFor,
        OperationState.Running => now - LastActivityAt > runningFor,
        _ => false,
    };

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
        _steps[index] = _steps[index] with { FinishedAt = now, Error = null };
        LastActivityAt = now;
    }

    /// <summary>Ends in failure with a reason a person understands (e.g. the cluster's quota message).</summary>
    public void Fail(string reason, DateTime now)
    {
        var index = _steps.FindLastIndex(s => s.FinishedAt is null);
        if (index >= 0)
            _steps[index] = _steps[index] with { FinishedAt = now, Error = reason };
        State = OperationState.Failed;
        Error = reason;
        FinishedAt = now;
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
}

using Portal.Domain.Common;

namespace Portal.Domain.Monitoring;

public enum AlertState
{
    Firing,
    Resolved,
}

/// <summary>
/// A rule's condition holding on one subject: fired, perhaps silenced, then resolved. There is at most one open alert
/// per rule and subject (de-duplication); a condition that comes back within the cool-down after resolving re-opens the
/// same alert instead of raising a new one, so a flapping metric is one alert that says how often it flapped, not a
/// storm of them.
/// </summary>
public sealed class Alert
{
    public static readonly TimeSpan LongestSilence = TimeSpan.FromDays(30);
    public const int SilenceReasonMaxLength = 200;

    public Guid Id { get; private set; }
    public Guid RuleId { get; private set; }
    public string RuleName { get; private set; } = "";

    /// <summary>The tenant whose subject it is; null for nodes and clusters.</summary>
    public Guid? TenantId { get; private set; }

    /// <summary>
    /// Whose rule raised it: a tenant sees the alerts on its subjects, from its rules or the platform's.
    /// </summary>
    public RuleScope RuleScope { get; private set; }
    public long SubjectId { get; private set; }
    public SubjectKind SubjectKind { get; private set; }
    public Guid ClusterId { get; private set; }

    /// <summary>"prod/api", "node-3": the subject as a person names it.</summary>
    public string Subject { get; private set; } = "";

    /// <summary>
    /// The workload's name for application and instance alerts, "" otherwise: what the alerts list filters by.
    /// </summary>
    public string AppName { get; private set; } = "";
    public Severity Severity { get; private set; }
    public AlertState State { get; private set; }
    public string Condition { get; private set; } = "";
    public double Value { get; private set; }
    public DateTime StartedAt { get; private set; }
    public DateTime? ResolvedAt { get; private set; }
    public DateTime LastEvaluatedAt { get; private set; }

    /// <summary>How many times it came back within the cool-down after resolving.</summary>
    public int Flaps { get; private set; }

    /// <summary>The state last told to the rule's channels, and when.</summary>
    public AlertState? NotifiedState { get; private set; }
    public DateTime? NotifiedAt { get; private set; }
    public DateTime? SilencedUntil { get; private set; }
    public string? SilencedBy { get; private set; }
    public string? SilenceReason { get; private set; }

    private Alert() { }

    public static Alert Fire(AlertRule rule, MetricSubject subject, string subjectName, double value, DateTime now) =>
        new()
        {
            Id = Guid.NewGuid(),
            RuleId = rule.Id,
            RuleName = rule.Name,
            TenantId = subject.TenantId,
            RuleScope = rule.Scope,
            SubjectId = subject.Id,
            SubjectKind = subject.Kind,
            ClusterId = subject.ClusterId,
            Subject = subjectName,
            AppName = subject.Kind == SubjectKind.Workload ? subject.Name : "",
            Severity = rule.Severity,
            State = AlertState.Firing,
            Condition = rule.Condition,
            Value = value,
            StartedAt = now,
            LastEvaluatedAt = now,
        };

    public bool IsSilenced(DateTime now) => SilencedUntil > now;

    /// <summary>The condition still holds.</summary>
    public void Holds(double value, DateTime now)
    {
        Value = value;
        LastEvaluatedAt = now;
    }

    public void Resolve(double? value, DateTime now)
    {
        State = AlertState.Resolved;
        ResolvedAt = now;
        LastEvaluatedAt = now;
        if (value is not null)
            Value = value.Value;
    }

    /// <summary>Whether the condition coming back now re-opens this alert rather than raising a new one.</summary>
    public bool ReopensWithin(TimeSpan coolDown, DateTime now) =>
        State == AlertState.Resolved && ResolvedAt >= now - coolDown;

    public void Reopen(double value, DateTime now)
    {
        State = AlertState.Firing;
        ResolvedAt = null;
        Flaps++;
        Holds(value, now);
    }

    /// <summary>
    /// Whether to tell the rule's channels about the alert's state now: each change of state is told once, not while
    /// silenced, and a state that comes back within the cool-down of the last message waits for the cool-down to pass.
    /// </summary>
    public bool ShouldNotify(TimeSpan coolDown, DateTime now)
    {
        if (IsSilenced(now) || State == NotifiedState)
            return false;
        if (NotifiedState is null)
            return State == AlertState.Firing;
        return State == AlertState.Resolved || NotifiedAt <= now - coolDown;
    }

    public void Notified(AlertState state, DateTime now)
    {
        NotifiedState = state;
        NotifiedAt = now;
    }

    public Result Silence(DateTime until, string by, string? reason, DateTime now)
    {
        if (until <= now)
            return Problem.Invalid("Until", "A silence ends in the future.");
        if (until - now > LongestSilence)
            return Problem.Invalid("Until", $"A silence lasts at most {LongestSilence.TotalDays:0} days.");
        var why = reason?.Trim() ?? "";
        if (why.Length > SilenceReasonMaxLength)
            return Problem.Invalid("Reason", $"The reason is at most {SilenceReasonMaxLength} characters.");
        SilencedUntil = until;
        SilencedBy = by;
        SilenceReason = why.Length == 0 ? null : why;
        return Result.Ok();
    }

    public Result Unsilence(DateTime now)
    {
        if (!IsSilenced(now))
            return Problem.Conflict("The alert is not silenced.");
        SilencedUntil = now;
        return Result.Ok();
    }
}

namespace Portal.Domain.Audit;

public enum AuditOutcome
{
    Succeeded = 1,
    Failed = 2,
    Denied = 3,

    /// <summary>
    /// Admitted, and carried out by an operation that has not ended yet: the entry says how it ended once it has.
    /// </summary>
    Pending = 4,
}

/// <summary>
/// One mutation, or attempt at one: who did what to which target, from where, and how it ended.
/// Audit events outlive what they describe, so they copy the names they need instead of referencing rows.
/// </summary>
public sealed class AuditEvent
{
    public const int MaxSummaryLength = 4000;
    public const int MaxTargetIdLength = 300;
    public const int MaxActorNameLength = 256;
    public const int MaxReasonLength = 2000;

    public long Id { get; private set; }
    public Guid? TenantId { get; private set; }
    public string? TenantSlug { get; private set; }
    public Guid? ActorId { get; private set; }
    public string ActorName { get; private set; } = "";
    public string Action { get; private set; } = "";
    public string TargetType { get; private set; } = "";
    public string TargetId { get; private set; } = "";
    public AuditOutcome Outcome { get; private set; }
    public DateTime OccurredAt { get; private set; }
    public string? ClientAddress { get; private set; }
    public string? Summary { get; private set; }

    /// <summary>
    /// Why it failed or was refused, in words; kept apart from the summary, which says what was asked (before → after).
    /// </summary>
    public string? Reason { get; private set; }

    /// <summary>
    /// The operation that carries the change out, whose end decides the outcome of a <see cref="AuditOutcome.Pending"/>
    /// entry.
    /// </summary>
    public Guid? OperationId { get; private set; }

    /// <summary>When the operation ended and the entry was completed with its outcome.</summary>
    public DateTime? CompletedAt { get; private set; }

    private AuditEvent() { }

    public AuditEvent(
        Actor actor,
        Guid? tenantId,
        string? tenantSlug,
        string action,
        string targetType,
        string targetId,
        AuditOutcome outcome,
        DateTime occurredAt,
        string? summary
    )
    {
        TenantId = tenantId;
        TenantSlug = tenantSlug;
        ActorId = actor.UserId;
        ActorName = Clip(actor.Name, MaxActorNameLength);
        ClientAddress = actor.ClientAddress;
        Action = action;
        TargetType = targetType;
        TargetId = Clip(targetId, MaxTargetIdLength);
        Outcome = outcome;
        OccurredAt = occurredAt;
        Summary = summary is null ? null : Clip(summary, MaxSummaryLength);
    }

    /// <summary>
    /// An attempt refused by a rule (a quota, a pool's capacity, what is held already): what was asked, and why not.
    /// </summary>
    public static AuditEvent Refused(
        Actor actor,
        Guid? tenantId,
        string? tenantSlug,
        string action,
        string targetType,
        string targetId,
        DateTime occurredAt,
        string? summary,
        string reason
    ) =>
        new(actor, tenantId, tenantSlug, action, targetType, targetId, AuditOutcome.Denied, occurredAt, summary)
        {
            Reason = Clip(reason, MaxReasonLength),
        };

    /// <summary>
    /// A change admitted and handed to <paramref name="operationId"/>: pending until the operation ends.
    /// </summary>
    public static AuditEvent ForOperation(
        Actor actor,
        Guid? tenantId,
        string? tenantSlug,
        string action,
        string targetType,
        string targetId,
        DateTime occurredAt,
        string? summary,
        Guid operationId
    ) =>
        new(actor, tenantId, tenantSlug, action, targetType, targetId, AuditOutcome.Pending, occurredAt, summary)
        {
            OperationId = operationId,
        };

    /// <summary>
    /// Says how the operation behind a pending entry ended. An entry is completed once: what it says after is not
    /// rewritten (a retried operation has an entry of its own for the retry).
    /// </summary>
    public void Complete(AuditOutcome outcome, string? reason, DateTime at)
    {
        if (Outcome != AuditOutcome.Pending)
            throw new InvalidOperationException($"Audit event {Id} is {Outcome} already.");
        if (outcome == AuditOutcome.Pending)
            throw new ArgumentOutOfRangeException(
                nameof(outcome),
                "An entry is completed with how the operation ended."
            );
        Outcome = outcome;
        Reason = reason is null ? null : Clip(reason, MaxReasonLength);
        CompletedAt = at;
    }

    /// <summary>
    /// Adds what came of a failure (an automatic rollback, or why there was none) to the reason it was completed with.
    /// </summary>
    public void AddToReason(string more)
    {
        if (Outcome != AuditOutcome.Failed)
            throw new InvalidOperationException("Only a failed entry has a reason to add to.");
        Reason = Clip($"{Reason} {more}", MaxReasonLength);
    }

    private static string Clip(string value, int length) =>
        value.Length <= length ? value : value[..(length - 1)] + "…";
}

namespace Portal.Domain.Audit;

public enum AuditOutcome
{
    Succeeded = 1,
    Failed = 2,
    Denied = 3,
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

    private AuditEvent() { }

    public AuditEvent(
        Actor actor, Guid? tenantId, string? tenantSlug, string action, string targetType, string targetId,
        AuditOutcome outcome, DateTime occurredAt, string? summary)
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

    private static string Clip(string value, int length) => value.Length <= length ? value : value[..(length - 1)] + "…";
}

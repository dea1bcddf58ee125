using Portal.Domain.Audit;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Audit;

/// <summary>
/// Adds audit events to the unit of work, so that an event is saved in the same transaction as the
/// change it describes, or not at all.
/// </summary>
public sealed class AuditTrail(PortalDbContext db, TimeProvider clock)
{
    public void Record(Actor actor, Tenant? tenant, string action, string targetType, string targetId,
        string? summary = null, AuditOutcome outcome = AuditOutcome.Succeeded)
    {
        db.AuditEvents.Add(new AuditEvent(actor, tenant?.Id, tenant?.Slug, action, targetType, targetId,
            outcome, clock.GetUtcNow().UtcDateTime, summary));
    }

    /// <summary>For events that stand alone, such as a refused sign-in: saved at once.</summary>
    public async Task RecordNowAsync(Actor actor, string action, string targetType, string targetId,
        AuditOutcome outcome, string? summary, CancellationToken ct)
    {
        Record(actor, null, action, targetType, targetId, summary, outcome);
        await db.SaveChangesAsync(ct);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Audit;

/// <summary>
/// Adds audit events to the unit of work, so that an event is saved in the same transaction as the
/// change it describes, or not at all. A change carried out by an operation is recorded pending, and completed with how
/// the operation ended (<see cref="OperationAudit"/>); a change refused by a rule is recorded as denied, on its own.
/// </summary>
public sealed class AuditTrail(PortalDbContext db, TimeProvider clock, IServiceScopeFactory scopes)
{
    private readonly List<AuditEvent> _refusals = [];

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public void Record(
        Actor actor,
        Tenant? tenant,
        string action,
        string targetType,
        string targetId,
        string? summary = null,
        AuditOutcome outcome = AuditOutcome.Succeeded
    )
    {
        db.AuditEvents.Add(
            new AuditEvent(actor, tenant?.Id, tenant?.Slug, action, targetType, targetId, outcome, Now, summary)
        );
    }

    /// <summary>
    /// A change admitted and handed to <paramref name="operation"/>: pending until the operation's job ends.
    /// </summary>
    public void RecordForOperation(
        Actor actor,
        Tenant? tenant,
        string action,
        string targetType,
        string targetId,
        string? summary,
        Operation operation
    )
    {
        db.AuditEvents.Add(
            AuditEvent.ForOperation(
                actor,
                tenant?.Id,
                tenant?.Slug,
                action,
                targetType,
                targetId,
                Now,
                summary,
                operation.Id
            )
        );
    }

    /// <summary>
    /// An attempt refused by a rule — a quota, a pool's capacity, what is held already — inside a transaction that the
    /// refusal rolls back: kept aside, since nothing of the refused change may be saved with it, and saved by
    /// <see cref="SaveRefusalsAsync"/> once that transaction has ended. Plain input mistakes (a malformed amount, a
    /// name that breaks the rules) are not recorded.
    /// </summary>
    public void RecordRefusal(
        Actor actor,
        Tenant? tenant,
        string action,
        string targetType,
        string targetId,
        string? summary,
        string reason
    )
    {
        _refusals.Add(
            AuditEvent.Refused(actor, tenant?.Id, tenant?.Slug, action, targetType, targetId, Now, summary, reason)
        );
    }

    /// <summary>
    /// Saves the refusals recorded since, in a unit of work of their own: whatever the refused change left in this one
    /// is not saved with them. Call it once the refused change's transaction has ended (SQLite has one writer at a
    /// time).
    /// </summary>
    public async Task SaveRefusalsAsync()
    {
        if (_refusals.Count == 0)
            return;
        await using var scope = scopes.CreateAsyncScope();
        var own = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        own.AuditEvents.AddRange(_refusals);
        _refusals.Clear();
        // The attempt was made whether or not its caller is still waiting for the answer.
        await own.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>For events that stand alone, such as a refused sign-in: saved at once.</summary>
    public async Task RecordNowAsync(
        Actor actor,
        string action,
        string targetType,
        string targetId,
        AuditOutcome outcome,
        string? summary,
        CancellationToken ct
    )
    {
        Record(actor, null, action, targetType, targetId, summary, outcome);
        await db.SaveChangesAsync(ct);
    }
}

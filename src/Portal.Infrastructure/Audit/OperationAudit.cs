using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Audit;

/// <summary>
/// Completes the audit entries of an operation when it ends, in the unit of work that saves its end: recorded pending
/// when the change was admitted, they then say whether it succeeded or failed, and why it failed. Every kind of
/// operation ends through the
/// <see cref="Operations.OperationSupervisor"/>, which calls these.
/// </summary>
internal static class OperationAudit
{
    /// <summary>
    /// Who asked for the operation, as its admission recorded them: the actor of its audit entries, or, for an
    /// operation admitted without one, the name it was requested by.
    /// </summary>
    public static async Task<Actor> RequesterAsync(this PortalDbContext db, Operation operation, CancellationToken ct)
    {
        var recorded = await db
            .AuditEvents.IgnoreQueryFilters()
            .Where(a => a.OperationId == operation.Id)
            .OrderBy(a => a.Id)
            .Select(a => new
            {
                a.ActorId,
                a.ActorName,
                a.ClientAddress,
            })
            .FirstOrDefaultAsync(ct);
        return recorded is null
            ? new Actor(null, operation.RequestedBy, null)
            : new Actor(recorded.ActorId, recorded.ActorName, recorded.ClientAddress);
    }

    public static async Task CompleteAuditAsync(this PortalDbContext db, Operation ended, CancellationToken ct)
    {
        var outcome = ended.State switch
        {
            OperationState.Succeeded => AuditOutcome.Succeeded,
            OperationState.Failed => AuditOutcome.Failed,
            _ => throw new InvalidOperationException($"Operation {ended.Id} has not ended: it is {ended.State}."),
        };
        var pending = await db
            .AuditEvents.Where(a => a.OperationId == ended.Id && a.Outcome == AuditOutcome.Pending)
            .ToListAsync(ct);
        foreach (var entry in pending)
            entry.Complete(outcome, ended.Error, ended.FinishedAt ?? ended.LastActivityAt);
    }

    /// <summary>
    /// Adds what came of the failure to the entries its end completed, as <see cref="Operation.AddToError"/> does to
    /// the operation.
    /// </summary>
    public static async Task AddToAuditReasonAsync(
        this PortalDbContext db,
        Operation failed,
        string more,
        CancellationToken ct
    )
    {
        var completed = await db
            .AuditEvents.Where(a =>
                a.OperationId == failed.Id && a.Outcome == AuditOutcome.Failed && a.CompletedAt == failed.FinishedAt
            )
            .ToListAsync(ct);
        foreach (var entry in completed)
            entry.AddToReason(more);
    }

    /// <summary>
    /// The last resort's counterpart: one statement, past every change tracker, that fails the operation's pending
    /// entries.
    /// </summary>
    public static Task<int> FailPendingAuditAsync(
        this PortalDbContext db,
        Guid operationId,
        string reason,
        DateTime now,
        CancellationToken ct
    )
    {
        var clipped =
            reason.Length <= AuditEvent.MaxReasonLength ? reason : reason[..(AuditEvent.MaxReasonLength - 1)] + "…";
        return db
            .AuditEvents.Where(a => a.OperationId == operationId && a.Outcome == AuditOutcome.Pending)
            .ExecuteUpdateAsync(
                set =>
                    set.SetProperty(a => a.Outcome, AuditOutcome.Failed)
                        .SetProperty(a => a.Reason, clipped)
                        .SetProperty(a => a.CompletedAt, now),
                ct
            );
    }
}

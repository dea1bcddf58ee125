using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Audit;

public sealed record AuditFilter(
    string? Actor = null,
    string? Action = null,
    string? TargetType = null,
    string? TargetId = null,
    DateTime? From = null,
    DateTime? To = null,
    AuditOutcome? Outcome = null
);

/// <summary>
/// One audit event as pages and the API show it. <paramref name="Summary"/> says what was asked (before → after);
/// <paramref name="Reason"/> why it failed or was refused. An entry of a change carried out by an operation names it,
/// and is
/// <c>Pending</c> until the operation ends (<paramref name="CompletedAt"/>).
/// </summary>
public sealed record AuditEntry(
    long Id,
    DateTime OccurredAt,
    string? Tenant,
    string Actor,
    string Action,
    string TargetType,
    string TargetId,
    string Outcome,
    string? ClientAddress,
    string? Summary,
    string? Reason = null,
    Guid? OperationId = null,
    DateTime? CompletedAt = null
);

/// <summary>Reads the audit trail, newest first, filtered and paged on the server.</summary>
public sealed class AuditLog(PortalDbContext db)
{
    /// <summary>
    /// How many pages past the one asked for are counted. Counting a trail of half a million entries reads all of them
    /// and costs more than the page itself; past this window the total is a floor ("more than"), and it moves along
    /// with the pages, so the next page is always known to be there.
    /// </summary>
    public const int PagesCountedAhead = 20;

    public Task<Page<AuditEntry>> ForTenantAsync(
        Guid tenantId,
        AuditFilter filter,
        PageRequest page,
        CancellationToken ct
    ) => QueryAsync(db.AuditEvents.Where(a => a.TenantId == tenantId), filter, page, ct);

    public Task<Page<AuditEntry>> AcrossPlatformAsync(AuditFilter filter, PageRequest page, CancellationToken ct) =>
        QueryAsync(db.AuditEvents, filter, page, ct);

    private static async Task<Page<AuditEntry>> QueryAsync(
        IQueryable<AuditEvent> events,
        AuditFilter filter,
        PageRequest page,
        CancellationToken ct
    )
    {
        var query = events.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Actor))
            query = query.Where(a => a.ActorName.StartsWith(filter.Actor.Trim()));
        if (!string.IsNullOrWhiteSpace(filter.Action))
            query = query.Where(a => a.Action.StartsWith(filter.Action.Trim()));
        if (!string.IsNullOrWhiteSpace(filter.TargetType))
            query = query.Where(a => a.TargetType == filter.TargetType.Trim());
        if (!string.IsNullOrWhiteSpace(filter.TargetId))
            query = query.Where(a => a.TargetId == filter.TargetId.Trim());
        if (filter.Outcome is { } outcome)
            query = query.Where(a => a.Outcome == outcome);
        if (filter.From is { } from)
            query = query.Where(a => a.OccurredAt >= from);
        if (filter.To is { } to)
            query = query.Where(a => a.OccurredAt < to);

        var countedUpTo = page.Skip + page.Size * PagesCountedAhead;
        var counted = await query.Take(countedUpTo + 1).CountAsync(ct);
        var items = await query
            .OrderByDescending(a => a.OccurredAt)
            .ThenByDescending(a => a.Id)
            .Skip(page.Skip)
            .Take(page.Size)
            .Select(a => new AuditEntry(
                a.Id,
                a.OccurredAt,
                a.TenantSlug,
                a.ActorName,
                a.Action,
                a.TargetType,
                a.TargetId,
                a.Outcome.ToString(),
                a.ClientAddress,
                a.Summary,
                a.Reason,
                a.OperationId,
                a.CompletedAt
            ))
            .ToListAsync(ct);
        return new Page<AuditEntry>(items, page.Number, page.Size, Math.Min(counted, countedUpTo))
        {
            TotalIsFloor = counted > countedUpTo,
        };
    }
}

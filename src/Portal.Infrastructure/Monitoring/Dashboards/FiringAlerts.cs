using Microsoft.EntityFrameworkCore;
using Portal.Domain.Monitoring;

namespace Portal.Infrastructure.Monitoring.Dashboards;

public sealed record SeverityCount(Severity Severity, int Count);

public sealed record FiringAlertRow(
    Guid Id,
    string RuleName,
    string Subject,
    Severity Severity,
    DateTime StartedAt,
    bool Silenced
);

/// <summary>The alerts firing now: how many of each severity, and the newest few.</summary>
public sealed record FiringAlerts(
    int Total,
    IReadOnlyList<SeverityCount> BySeverity,
    IReadOnlyList<FiringAlertRow> Newest
)
{
    public const int NewestShown = 5;

    /// <summary>
    /// Two queries on the (TenantId, State, StartedAt) or (State, StartedAt) index, whatever the number of alerts.
    /// </summary>
    internal static async Task<FiringAlerts> ReadAsync(IQueryable<Alert> alerts, DateTime now, CancellationToken ct)
    {
        var firing = alerts.AsNoTracking().Where(a => a.State == AlertState.Firing);
        var counts = await firing
            .GroupBy(a => a.Severity)
            .Select(g => new SeverityCount(g.Key, g.Count()))
            .ToListAsync(ct);
        var newest = await firing
            .OrderByDescending(a => a.StartedAt)
            .Take(NewestShown)
            .Select(a => new FiringAlertRow(
                a.Id,
                a.RuleName,
                a.Subject,
                a.Severity,
                a.StartedAt,
                a.SilencedUntil > now
            ))
            .ToListAsync(ct);
        return new FiringAlerts(counts.Sum(c => c.Count), counts.OrderByDescending(c => c.Severity).ToList(), newest);
    }
}

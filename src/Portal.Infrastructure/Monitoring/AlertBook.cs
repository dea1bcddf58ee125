using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Monitoring;

/// <summary>
/// Which alerts a list shows: "firing" (silenced or not), "silenced" (firing, silenced now), "resolved", or all.
/// </summary>
public sealed record AlertFilter(string? State, Severity? Severity, string? App)
{
    public static readonly IReadOnlyList<string> States = ["firing", "silenced", "resolved"];
}

public sealed record AlertRow(
    Guid Id,
    string RuleName,
    Severity Severity,
    AlertState State,
    string Subject,
    string AppName,
    string Condition,
    double Value,
    DateTime StartedAt,
    DateTime? ResolvedAt,
    int Flaps,
    DateTime? SilencedUntil
);

public sealed record AlertDetail(Alert Alert, AlertMetric? Metric, IReadOnlyList<AlertDelivery> Deliveries);

/// <summary>
/// The alerts of one tenant (those on its subjects, from its rules or the platform's) or, for the platform (tenant =
/// null), all of them: listed by state newest first with filters, read one by one with their deliveries, silenced for a
/// while — each silence audited.
/// </summary>
public sealed class AlertBook(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    MetricCharts charts,
    AuditTrail audit,
    IMonitoringNotifier live,
    TimeProvider clock
)
{
    public async Task<Page<AlertRow>> ListAsync(
        Guid? tenantId,
        AlertFilter filter,
        PageRequest page,
        CancellationToken ct
    )
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var alerts = Visible(tenantId);
        alerts = filter.State switch
        {
            "firing" => alerts.Where(a => a.State == AlertState.Firing),
            "silenced" => alerts.Where(a => a.State == AlertState.Firing && a.SilencedUntil > now),
            "resolved" => alerts.Where(a => a.State == AlertState.Resolved),
            _ => alerts,
        };
        if (filter.Severity is { } severity)
            alerts = alerts.Where(a => a.Severity == severity);
        if (!string.IsNullOrWhiteSpace(filter.App))
            alerts = alerts.Where(a => a.AppName == filter.App);
        var total = await alerts.CountAsync(ct);
        var rows = await alerts
            .OrderByDescending(a => a.StartedAt)
            .Skip(page.Skip)
            .Take(page.Size)
            .Select(a => new AlertRow(
                a.Id,
                a.RuleName,
                a.Severity,
                a.State,
                a.Subject,
                a.AppName,
                a.Condition,
                a.Value,
                a.StartedAt,
                a.ResolvedAt,
                a.Flaps,
                a.SilencedUntil
            ))
            .ToListAsync(ct);
        return new Page<AlertRow>(rows, page.Number, page.Size, total);
    }

    public async Task<int> FiringCountAsync(Guid? tenantId, CancellationToken ct) =>
        await Visible(tenantId).CountAsync(a => a.State == AlertState.Firing, ct);

    public async Task<AlertDetail?> FindAsync(Guid? tenantId, Guid alertId, CancellationToken ct)
    {
        var alert = await Visible(tenantId).FirstOrDefaultAsync(a => a.Id == alertId, ct);
        if (alert is null)
            return null;
        var metric = await db
            .AlertRules.AsNoTracking()
            .Where(r => r.Id == alert.RuleId)
            .Select(r => (AlertMetric?)r.Metric)
            .FirstOrDefaultAsync(ct);
        var deliveries = await db
            .AlertDeliveries.AsNoTracking()
            .Where(d => d.AlertId == alertId)
            .OrderByDescending(d => d.At)
            .Take(50)
            .ToListAsync(ct);
        return new AlertDetail(alert, metric, deliveries);
    }

    /// <summary>
    /// The alert's metric on its subject around the firing time; null when the alert is not found (or its rule is
    /// gone).
    /// </summary>
    public async Task<ChartSet?> ChartAsync(Guid? tenantId, Guid alertId, CancellationToken ct) =>
        await FindAsync(tenantId, alertId, ct) is { Metric: { } metric } detail
            ? await charts.AroundAlertAsync(detail.Alert, metric, ct)
            : null;

    public async Task<Result> SilenceAsync(Guid alertId, DateTime until, string? reason, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        var alert = await Visible(tenant?.Id).AsTracking().FirstOrDefaultAsync(a => a.Id == alertId, ct);
        if (alert is null)
            return Problem.NotFound("The alert");
        var now = clock.GetUtcNow().UtcDateTime;
        var silenced = alert.Silence(DateTime.SpecifyKind(until, DateTimeKind.Utc), actor.Name, reason, now);
        if (!silenced.Succeeded)
            return silenced;
        audit.Record(
            actor,
            tenant,
            MonitoringAuditActions.AlertSilenced,
            "alert",
            $"{alert.RuleName} on {alert.Subject}",
            $"until {alert.SilencedUntil:yyyy-MM-dd HH:mm} UTC"
                + (alert.SilenceReason is null ? "" : $": {alert.SilenceReason}")
        );
        await db.SaveChangesAsync(ct);
        await TellAsync(alert, ct);
        return Result.Ok();
    }

    public async Task<Result> UnsilenceAsync(Guid alertId, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        var alert = await Visible(tenant?.Id).AsTracking().FirstOrDefaultAsync(a => a.Id == alertId, ct);
        if (alert is null)
            return Problem.NotFound("The alert");
        var lifted = alert.Unsilence(clock.GetUtcNow().UtcDateTime);
        if (!lifted.Succeeded)
            return lifted;
        audit.Record(
            actor,
            tenant,
            MonitoringAuditActions.AlertUnsilenced,
            "alert",
            $"{alert.RuleName} on {alert.Subject}"
        );
        await db.SaveChangesAsync(ct);
        await TellAsync(alert, ct);
        return Result.Ok();
    }

    private Task TellAsync(Alert alert, CancellationToken ct) =>
        live.AlertsChangedAsync(alert.TenantId is { } tenantId ? [tenantId] : [], ct);

    private IQueryable<Alert> Visible(Guid? tenantId) =>
        tenantId is null ? db.Alerts.AsNoTracking() : db.Alerts.AsNoTracking().Where(a => a.TenantId == tenantId);
}

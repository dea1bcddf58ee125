using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring;

/// <summary>
/// Tells the channels of an alert's rule about its state, when the alert says it should be told (once per change, not
/// while silenced, not again within the cool-down), and records each delivery with its attempts and error.
/// </summary>
public sealed class AlertNotifications(
    PortalDbContext db,
    IEnumerable<INotificationSender> senders,
    IOptions<MonitoringOptions> options,
    IAlertPageLinks links,
    TimeProvider clock
)
{
    public async Task DeliverAsync(Guid alertId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var alert = await db.Alerts.FirstOrDefaultAsync(a => a.Id == alertId, ct);
        if (alert is null || !alert.ShouldNotify(options.Value.AlertCoolDown, now))
            return;
        var rule = await db.AlertRules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == alert.RuleId, ct);
        if (rule is null)
            return;
        var channelIds = rule.ChannelIds;
        var channels = await db
            .NotificationChannels.AsNoTracking()
            .Where(c => channelIds.Contains(c.Id) && c.Enabled && (c.TenantId == null || c.TenantId == alert.TenantId))
            .ToListAsync(ct);
        var message = await MessageAsync(alert, rule, ct);
        foreach (var channel in channels)
        {
            var sender = senders.First(s => s.Kind == channel.Kind);
            var outcome = await sender.SendAsync(channel, message, ct);
            db.AlertDeliveries.Add(
                new AlertDelivery(
                    alert.Id,
                    channel,
                    alert.State,
                    outcome.Delivered,
                    outcome.Attempts,
                    outcome.Error,
                    clock.GetUtcNow().UtcDateTime
                )
            );
        }
        alert.Notified(alert.State, now);
        await db.SaveChangesAsync(ct);
    }

    private async Task<AlertMessage> MessageAsync(Alert alert, AlertRule rule, CancellationToken ct)
    {
        var tenant = alert.TenantId is null
            ? null
            : await db
                .Tenants.AsNoTracking()
                .Where(t => t.Id == alert.TenantId)
                .Select(t => t.Slug)
                .FirstOrDefaultAsync(ct);
        var link = links.Alert(tenant, alert.Id);
        var status = alert.State == AlertState.Firing ? "firing" : "resolved";
        var summary = $"{rule.Name} on {alert.Subject}: {alert.Condition} (now {alert.Value:0.##}).";
        return new AlertMessage(
            alert.Id,
            status,
            rule.Name,
            alert.Severity.ToString().ToLowerInvariant(),
            alert.Subject,
            tenant,
            alert.Value,
            rule.Threshold,
            summary,
            alert.StartedAt,
            alert.ResolvedAt,
            link
        );
    }
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Tells the tenant's alert channels (webhooks and e-mail, through their own senders) that a run waits for an
/// approval: "Run N of pipeline P of app A waits for your approval: link". Each channel's delivery, and each failure
/// with its reason, is written in the run's log; a channel that fails does not stop the others nor the run.
/// </summary>
public sealed class ApprovalNotifications(
    PortalDbContext db,
    IEnumerable<INotificationSender> senders,
    IPipelinePageLinks links
)
{
    public const string Status = "waiting";
    public const string Rule = "pipeline approval";

    /// <summary>Sends the message with a link to the run's page; answers the number of channels it reached.</summary>
    public async Task<int> NotifyAsync(StageContext context, CancellationToken ct)
    {
        var tenant = await db
            .Tenants.AsNoTracking()
            .Where(t => t.Id == context.Run.TenantId)
            .Select(t => t.Slug)
            .FirstAsync(ct);
        return await NotifyAsync(
            context,
            links.RunUrl(tenant, context.App.Name, context.Pipeline, context.Run.Number),
            ct
        );
    }

    /// <summary>Sends the message with <paramref name="link"/>; answers the number of channels it reached.</summary>
    public async Task<int> NotifyAsync(StageContext context, string link, CancellationToken ct)
    {
        var (run, stage) = (context.Run, context.Stage);
        var tenant = await db
            .Tenants.AsNoTracking()
            .Where(t => t.Id == run.TenantId)
            .Select(t => t.Slug)
            .FirstAsync(ct);
        var channels = await db
            .NotificationChannels.AsNoTracking()
            .Where(c => c.TenantId == run.TenantId && c.Enabled)
            .OrderBy(c => c.Name)
            .ToListAsync(ct);
        if (channels.Count == 0)
        {
            await context.Log.WriteAsync(stage.Name, "No alert channel of the tenant is on: nobody was notified.", ct);
            return 0;
        }
        var message = Message(context, tenant, link);
        var delivered = 0;
        foreach (var channel in channels)
        {
            var sender = senders.FirstOrDefault(s => s.Kind == channel.Kind);
            if (sender is null)
                continue;
            var outcome = await sender.SendAsync(channel, message, ct);
            if (outcome.Delivered)
                delivered++;
            await context.Log.WriteAsync(
                stage.Name,
                outcome.Delivered
                    ? $"Approval asked through channel '{channel.Name}' ({Kind(channel)})."
                    : $"Channel '{channel.Name}' ({Kind(channel)}) could not be told: {outcome.Error}",
                ct
            );
        }
        return delivered;
    }

    /// <summary>The approval's message, in the shape every channel sender delivers.</summary>
    public static AlertMessage Message(StageContext context, string tenant, string link)
    {
        var (run, stage) = (context.Run, context.Stage);
        var summary =
            $"Run {run.Number} of pipeline {context.Pipeline} of app {context.App.Name} waits for your approval: "
            + link;
        return new AlertMessage(
            run.Id,
            Status,
            Rule,
            "info",
            $"{context.App.Name}/{context.Pipeline}/{run.Number}/{stage.Name}",
            tenant,
            0,
            0,
            summary,
            stage.StartedAt ?? run.CreatedAt,
            stage.Deadline,
            link
        );
    }

    private static string Kind(NotificationChannel channel) => channel.Kind.ToString().ToLowerInvariant();
}

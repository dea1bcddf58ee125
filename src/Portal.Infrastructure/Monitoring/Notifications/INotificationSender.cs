using Portal.Domain.Monitoring;

namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>Delivers alerts through the channels of one kind.</summary>
public interface INotificationSender
{
    ChannelKind Kind { get; }

    Task<DeliveryOutcome> SendAsync(NotificationChannel channel, AlertMessage message, CancellationToken ct);
}

namespace Portal.Domain.Monitoring;

/// <summary>
/// One message about an alert to one channel, and whether it arrived: what the alert's page lists under
/// "Notifications".
/// </summary>
public sealed class AlertDelivery
{
    public const int ErrorMaxLength = 500;

    public Guid Id { get; private set; }
    public Guid AlertId { get; private set; }
    public Guid ChannelId { get; private set; }
    public string ChannelName { get; private set; } = "";
    public ChannelKind ChannelKind { get; private set; }

    /// <summary>The state the message told.</summary>
    public AlertState State { get; private set; }
    public bool Delivered { get; private set; }
    public int Attempts { get; private set; }
    public string? Error { get; private set; }
    public DateTime At { get; private set; }

    private AlertDelivery() { }

    public AlertDelivery(
        Guid alertId,
        NotificationChannel channel,
        AlertState state,
        bool delivered,
        int attempts,
        string? error,
        DateTime now
    )
    {
        Id = Guid.NewGuid();
        AlertId = alertId;
        ChannelId = channel.Id;
        ChannelName = channel.Name;
        ChannelKind = channel.Kind;
        State = state;
        Delivered = delivered;
        Attempts = attempts;
        Error =
            error is null ? null
            : error.Length > ErrorMaxLength ? error[..ErrorMaxLength]
            : error;
        At = now;
    }
}

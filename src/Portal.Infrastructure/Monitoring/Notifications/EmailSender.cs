using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Portal.Domain.Monitoring;

namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>Delivers alerts as plain-text e-mail through the portal's SMTP server (<see cref="SmtpMailer"/>).</summary>
public sealed class EmailSender(SmtpMailer mailer, ILogger<EmailSender> logger) : INotificationSender
{
    public ChannelKind Kind => ChannelKind.Email;

    public async Task<DeliveryOutcome> SendAsync(
        NotificationChannel channel,
        AlertMessage message,
        CancellationToken ct
    )
    {
        if (channel.Kind != ChannelKind.Email)
            throw new ArgumentException(
                $"Channel {channel.Id} is a {channel.Kind} channel, not e-mail.",
                nameof(channel)
            );
        if (!mailer.IsConfigured)
            return DeliveryOutcome.Failure(0, SmtpMailer.NotConfigured);

        var sent = await mailer.SendAsync(channel.Recipients, Subject(message), Body(message), ct);
        if (!sent.Succeeded)
        {
            logger.LogWarning(
                "Alert {AlertId} could not be mailed through channel {ChannelId}: {Error}",
                message.AlertId,
                channel.Id,
                sent.Problem!.Message
            );
            return DeliveryOutcome.Failure(1, sent.Problem!.Message);
        }
        logger.LogInformation(
            "Alert {AlertId} mailed through channel {ChannelId} to {RecipientCount} recipient(s).",
            message.AlertId,
            channel.Id,
            channel.Recipients.Count
        );
        return DeliveryOutcome.Success(1);
    }

    /// <summary>The subject line, e.g. "[FIRING critical] Pod crash-looping — shop/prod/api".</summary>
    public static string Subject(AlertMessage message) =>
        $"[{message.Status.ToUpperInvariant()} {message.Severity}] {message.Rule} — {message.Subject}";

    /// <summary>The plain-text body: the summary, then the numbers and times, then the link.</summary>
    public static string Body(AlertMessage message)
    {
        var body = new StringBuilder();
        body.AppendLine(message.Summary).AppendLine();
        body.Append(
                CultureInfo.InvariantCulture,
                $"Value: {message.Value.ToString("G", CultureInfo.InvariantCulture)} "
            )
            .AppendLine(
                CultureInfo.InvariantCulture,
                $"(threshold {message.Threshold.ToString("G", CultureInfo.InvariantCulture)})"
            );
        body.AppendLine(CultureInfo.InvariantCulture, $"Started: {message.StartsAt:yyyy-MM-dd HH:mm:ss} UTC");
        if (message.EndsAt is { } endsAt)
            body.AppendLine(CultureInfo.InvariantCulture, $"Resolved: {endsAt:yyyy-MM-dd HH:mm:ss} UTC");
        if (message.Tenant is not null)
            body.AppendLine(CultureInfo.InvariantCulture, $"Tenant: {message.Tenant}");
        body.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Open in the portal: {message.Link}");
        return body.ToString();
    }
}

using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Portal.Domain.Monitoring;

namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>Delivers alerts as plain-text e-mail through the SMTP server in <c>Portal:Monitoring:Notifications:Smtp</c>.</summary>
public sealed class EmailSender(IOptions<NotificationOptions> options, ILogger<EmailSender> logger) : INotificationSender
{
    public ChannelKind Kind => ChannelKind.Email;

    public async Task<DeliveryOutcome> SendAsync(NotificationChannel channel, AlertMessage message, CancellationToken ct)
    {
        if (channel.Kind != ChannelKind.Email)
            throw new ArgumentException($"Channel {channel.Id} is a {channel.Kind} channel, not e-mail.", nameof(channel));
        var smtp = options.Value.Smtp;
        if (string.IsNullOrWhiteSpace(smtp.Host))
            return DeliveryOutcome.Failure(0, $"No SMTP server is configured ({NotificationOptions.Section}:Smtp:Host).");

        using var mail = Compose(smtp.From, channel.Recipients, message);
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, SecurityOf(smtp.Security), ct);
            if (!string.IsNullOrEmpty(smtp.Username))
                await client.AuthenticateAsync(smtp.Username, smtp.Password, ct);
            await client.SendAsync(mail, ct);
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or AuthenticationException or SslHandshakeException
                                      or ServiceNotConnectedException or SocketException or IOException or TimeoutException)
        {
            logger.LogWarning("Alert {AlertId} could not be mailed through channel {ChannelId} via {SmtpHost}:{SmtpPort}: {Error}",
                message.AlertId, channel.Id, smtp.Host, smtp.Port, e.Message);
            return DeliveryOutcome.Failure(1, $"The SMTP server {smtp.Host}:{smtp.Port} did not take the message: {e.Message}");
        }
        logger.LogInformation("Alert {AlertId} mailed through channel {ChannelId} to {RecipientCount} recipient(s).",
            message.AlertId, channel.Id, channel.Recipients.Count);
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
        body.AppendLine(CultureInfo.InvariantCulture, $"Value: {message.Value.ToString("G", CultureInfo.InvariantCulture)} (threshold {message.Threshold.ToString("G", CultureInfo.InvariantCulture)})");
        body.AppendLine(CultureInfo.InvariantCulture, $"Started: {message.StartsAt:yyyy-MM-dd HH:mm:ss} UTC");
        if (message.EndsAt is { } endsAt)
            body.AppendLine(CultureInfo.InvariantCulture, $"Resolved: {endsAt:yyyy-MM-dd HH:mm:ss} UTC");
        if (message.Tenant is not null)
            body.AppendLine(CultureInfo.InvariantCulture, $"Tenant: {message.Tenant}");
        body.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Open in the portal: {message.Link}");
        return body.ToString();
    }

    private static MimeMessage Compose(string from, IReadOnlyList<string> recipients, AlertMessage message)
    {
        var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(from));
        foreach (var recipient in recipients)
            mail.To.Add(MailboxAddress.Parse(recipient));
        mail.Subject = Subject(message);
        mail.Body = new TextPart("plain") { Text = Body(message) };
        return mail;
    }

    private static SecureSocketOptions SecurityOf(string security) => security switch
    {
        "None" => SecureSocketOptions.None,
        "StartTls" => SecureSocketOptions.StartTls,
        "SslOnConnect" => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}

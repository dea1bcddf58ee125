using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>
/// The SMTP server in <c>Portal:Monitoring:Notifications:Smtp</c>: every mail the portal sends goes through it, alerts
/// to e-mail channels and invitations alike.
/// </summary>
public sealed class SmtpMailer(IOptions<NotificationOptions> options)
{
    /// <summary>Why nothing is mailed when no server is configured.</summary>
    public static readonly string NotConfigured =
        $"No SMTP server is configured ({NotificationOptions.Section}:Smtp:Host).";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.Smtp.Host);

    /// <summary>
    /// Sends a plain-text mail from the configured From address; a failure says which server did not take it, and why.
    /// </summary>
    public async Task<Result> SendAsync(
        IReadOnlyList<string> recipients,
        string subject,
        string body,
        CancellationToken ct
    )
    {
        var smtp = options.Value.Smtp;
        if (!IsConfigured)
            return Problem.Unavailable(NotConfigured);

        using var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(smtp.From));
        foreach (var recipient in recipients)
            mail.To.Add(MailboxAddress.Parse(recipient));
        mail.Subject = subject;
        mail.Body = new TextPart("plain") { Text = body };

        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, SecurityOf(smtp.Security), ct);
            if (!string.IsNullOrEmpty(smtp.Username))
                await client.AuthenticateAsync(smtp.Username, smtp.Password, ct);
            await client.SendAsync(mail, ct);
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (Exception e)
            when (e
                    is SmtpCommandException
                        or SmtpProtocolException
                        or AuthenticationException
                        or SslHandshakeException
                        or ServiceNotConnectedException
                        or SocketException
                        or IOException
                        or TimeoutException
            )
        {
            return Problem.Unavailable(
                $"The SMTP server {smtp.Host}:{smtp.Port} did not take the message: {e.Message}"
            );
        }
        return Result.Ok();
    }

    private static SecureSocketOptions SecurityOf(string security) =>
        security switch
        {
            "None" => SecureSocketOptions.None,
            "StartTls" => SecureSocketOptions.StartTls,
            "SslOnConnect" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        };
}

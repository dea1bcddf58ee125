using Portal.Domain.Monitoring;
using Portal.Infrastructure.Monitoring.Notifications;

namespace Portal.Infrastructure.Tests.Monitoring.Notifications;

public sealed class EmailSenderTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static NotificationChannel Channel(string recipients) =>
        NotificationChannel.CreateEmail(Guid.NewGuid(), "Team mail", recipients, Now).Value;

    private static NotificationServices MailingThrough(int port) =>
        new(
            ("Smtp:Host", "127.0.0.1"),
            ("Smtp:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Smtp:From", "alerts@portal.example.com"),
            ("Smtp:Security", "None"),
            ("Smtp:Timeout", "00:00:10")
        );

    [Fact]
    public async Task An_alert_is_mailed_to_every_recipient_with_its_subject_numbers_and_link()
    {
        await using var smtp = await LocalSmtpServer.StartAsync();
        using var services = MailingThrough(smtp.Port);

        var outcome = await services
            .Sender(ChannelKind.Email)
            .SendAsync(
                Channel("ops@example.com, dev@example.com"),
                NotificationServices.FiringAlert(),
                CancellationToken.None
            );

        Assert.Equal(new DeliveryOutcome(true, 1, null), outcome);
        var (recipients, message) = Assert.Single(smtp.Messages);
        Assert.Equal(["ops@example.com", "dev@example.com"], recipients);
        Assert.Equal(["ops@example.com", "dev@example.com"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("alerts@portal.example.com", message.From.Mailboxes.Single().Address);
        Assert.Equal("[FIRING critical] Pod crash-looping — shop/prod/api", message.Subject);
        Assert.Contains("api restarted 7 times in 10 minutes.", message.TextBody);
        Assert.Contains("Value: 7 (threshold 5)", message.TextBody);
        Assert.Contains("Started: 2026-11-25 11:58:00 UTC", message.TextBody);
        Assert.Contains("https://portal.example.com/alerts/5b0f7c52", message.TextBody);
    }

    [Fact]
    public void A_resolved_alert_says_so_in_its_subject_and_says_when_it_ended()
    {
        var resolved = NotificationServices.FiringAlert() with
        {
            Status = "resolved",
            EndsAt = new DateTime(2026, 11, 25, 12, 10, 0, DateTimeKind.Utc),
        };

        Assert.Equal("[RESOLVED critical] Pod crash-looping — shop/prod/api", EmailSender.Subject(resolved));
        Assert.Contains("Resolved: 2026-11-25 12:10:00 UTC", EmailSender.Body(resolved));
        Assert.DoesNotContain("Resolved:", EmailSender.Body(NotificationServices.FiringAlert()));
    }

    [Fact]
    public async Task Without_an_smtp_server_an_email_channel_reports_it_instead_of_sending()
    {
        using var services = new NotificationServices();

        var outcome = await services
            .Sender(ChannelKind.Email)
            .SendAsync(Channel("ops@example.com"), NotificationServices.FiringAlert(), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Equal("No SMTP server is configured (Portal:Monitoring:Notifications:Smtp:Host).", outcome.Error);
    }

    [Fact]
    public async Task An_smtp_server_that_cannot_be_reached_is_reported_by_address()
    {
        var port = LocalSmtpServer.FreePort();
        using var services = MailingThrough(port);

        var outcome = await services
            .Sender(ChannelKind.Email)
            .SendAsync(Channel("ops@example.com"), NotificationServices.FiringAlert(), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Contains($"127.0.0.1:{port}", outcome.Error);
    }

    [Fact]
    public void An_smtp_host_without_a_from_address_stops_the_portal_at_start()
    {
        using var services = new NotificationServices(("Smtp:Host", "mail.example.com"));

        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            services.Get<Microsoft.Extensions.Options.IOptions<NotificationOptions>>().Value
        );
        Assert.Contains("From", failure.Message);
    }
}

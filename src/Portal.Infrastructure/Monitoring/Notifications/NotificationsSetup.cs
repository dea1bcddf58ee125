using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Portal.Infrastructure.Monitoring.Notifications;

public static class NotificationsSetup
{
    /// <summary>
    /// Registers the channels alerts are delivered through: the webhook and e-mail senders (as
    /// <see cref="INotificationSender"/>), the SMTP mailer that e-mail and invitations go through, the SSRF guard with
    /// its guarded HTTP client, and the secret vault.
    /// Data Protection is expected to be registered already.
    /// </summary>
    public static IServiceCollection AddAlertNotifications(
        this IServiceCollection services,
        IConfiguration configuration
    )
    {
        services
            .AddOptions<NotificationOptions>()
            .Bind(configuration.GetSection(NotificationOptions.Section))
            .Validate(
                o =>
                    o.WebhookAttempts >= 1
                    && o.WebhookFirstRetryDelay >= TimeSpan.Zero
                    && o.WebhookTimeout > TimeSpan.Zero,
                $"{NotificationOptions.Section}: WebhookAttempts must be at least 1, "
                    + "WebhookFirstRetryDelay not negative, WebhookTimeout positive."
            )
            .Validate(
                o => o.AllowedTargets.All(Common.NetworkTargetGuard.IsValidAllowedTarget),
                $"{NotificationOptions.Section}:AllowedTargets takes host names, "
                    + "addresses and CIDR ranges such as 10.0.0.0/8."
            )
            .Validate(
                o => SmtpOptions.SecurityModes.Contains(o.Smtp.Security, StringComparer.Ordinal),
                $"{NotificationOptions.Section}:Smtp:Security is one of {string.Join(", ", SmtpOptions.SecurityModes)}."
            )
            .Validate(
                o =>
                    string.IsNullOrWhiteSpace(o.Smtp.Host)
                    || (
                        o.Smtp.Port is > 0 and <= 65535
                        && o.Smtp.Timeout > TimeSpan.Zero
                        && MailboxAddress.TryParse(o.Smtp.From, out _)
                    ),
                $"{NotificationOptions.Section}:Smtp needs a From address, a port from 1 "
                    + "to 65535 and a positive Timeout when Host is set."
            )
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WebhookTargetGuard>();
        services.AddSingleton<ChannelSecretVault>();
        services
            .AddHttpClient(WebhookSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider =>
                provider
                    .GetRequiredService<WebhookTargetGuard>()
                    .CreateGuardedHandler(
                        provider.GetRequiredService<IOptions<NotificationOptions>>().Value.WebhookTimeout
                    )
            )
            // The sender logs each attempt itself with the query string cut off; the factory's logs would only add more
            // copies of the URL.
            .RemoveAllLoggers();
        services.AddSingleton<INotificationSender, WebhookSender>();
        services.AddSingleton<SmtpMailer>();
        services.AddSingleton<INotificationSender, EmailSender>();
        return services;
    }
}

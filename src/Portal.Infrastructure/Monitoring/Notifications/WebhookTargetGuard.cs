using Microsoft.Extensions.Options;
using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>
/// Keeps webhooks from reaching the portal's own network (SSRF): a tenant's URL must resolve to a public address,
/// unless the operators allowed private targets, or listed the host or its address in
/// <c>Portal:Monitoring:Notifications:AllowedTargets</c>; checked when the channel is saved and again when connecting.
/// </summary>
public sealed class WebhookTargetGuard(IOptions<NotificationOptions> options)
    : NetworkTargetGuard(
        options.Value.AllowPrivateTargets,
        options.Value.AllowedTargets,
        new TargetWording("webhook", "Url", "send to", $"{NotificationOptions.Section}:AllowedTargets")
    )
{
    protected override TargetRefusedException Refused(string message) => new WebhookTargetRefusedException(message);
}

/// <summary>The guard refused every address of a webhook's host; retrying cannot help.</summary>
public sealed class WebhookTargetRefusedException(string message) : TargetRefusedException(message);

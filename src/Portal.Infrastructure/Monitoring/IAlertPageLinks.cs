namespace Portal.Infrastructure.Monitoring;

/// <summary>
/// Absolute links to the portal's alert pages for messages sent outside it (mail, chat, webhooks), where there is no
/// request to take the host from. The web layer owns the routes, so it answers.
/// </summary>
public interface IAlertPageLinks
{
    /// <summary>The alert's page: the tenant's, or the platform's for an alert without a tenant.</summary>
    string Alert(string? tenant, Guid alertId);

    /// <summary>The page listing the tenant's notification channels, or the platform's.</summary>
    string Channels(string? tenant);
}

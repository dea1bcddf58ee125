namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>One alert's state change as it is delivered through a channel.</summary>
/// <param name="Status">"firing" or "resolved".</param>
/// <param name="Subject">What the alert is about, e.g. "shop/prod/api".</param>
/// <param name="Tenant">The tenant's slug; null for a platform alert.</param>
/// <param name="Link">The alert's page in the portal.</param>
public sealed record AlertMessage(
    Guid AlertId,
    string Status,
    string Rule,
    string Severity,
    string Subject,
    string? Tenant,
    double Value,
    double Threshold,
    string Summary,
    DateTime StartsAt,
    DateTime? EndsAt,
    string Link
);

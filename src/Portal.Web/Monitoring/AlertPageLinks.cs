using Portal.Infrastructure.Monitoring;
using Portal.Web.Common;

namespace Portal.Web.Monitoring;

/// <summary>
/// The alert pages' addresses from <see cref="AlertRoutes"/>, behind <c>Portal:PublicUrl</c> (the setting invitation
/// links use); without it, the path alone, since a message sent by a job has no request host to borrow.
/// </summary>
public sealed class AlertPageLinks(IConfiguration configuration) : IAlertPageLinks
{
    public string Alert(string? tenant, Guid alertId) => Absolute(AlertRoutes.AlertUrl(tenant, alertId));

    public string Channels(string? tenant) => Absolute(AlertRoutes.ChannelsUrl(tenant));

    private string Absolute(string path) => (configuration[PublicUrl.Setting] ?? "").TrimEnd('/') + path;
}

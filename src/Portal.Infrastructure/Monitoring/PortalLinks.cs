using Microsoft.Extensions.Configuration;

namespace Portal.Infrastructure.Monitoring;

/// <summary>
/// Links to the portal's pages in messages sent outside it, where there is no request to take the host from:
/// <c>Portal:PublicUrl</c>, the setting invitation links use; without it, the path alone.
/// </summary>
public sealed class PortalLinks(IConfiguration configuration)
{
    public string To(string path) => (configuration["Portal:PublicUrl"] ?? "").TrimEnd('/') + path;
}

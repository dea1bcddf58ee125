using System.Globalization;
using System.Text.Json.Nodes;

namespace Portal.Infrastructure.Clouds.Providers.OpenStack;

/// <summary>One endpoint of Keystone's service catalog.</summary>
public sealed record CatalogEndpoint(string ServiceType, string Interface, string Region, string Url);

/// <summary>A project-scoped Keystone token with the service catalog it came with.</summary>
public sealed record KeystoneToken(
    string Value,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string ProjectId,
    IReadOnlyList<CatalogEndpoint> Catalog
)
{
    /// <summary>Reads the body of Keystone's answer to <c>POST /v3/auth/tokens</c>; the token is its header.</summary>
    public static KeystoneToken From(string subjectToken, JsonNode body, DateTimeOffset now)
    {
        var token = body["token"] ?? throw new FormatException("Keystone's answer holds no token.");
        var endpoints = new List<CatalogEndpoint>();
        foreach (var service in token["catalog"]?.AsArray() ?? [])
        {
            var type = (string?)service?["type"] ?? "";
            foreach (var endpoint in service?["endpoints"]?.AsArray() ?? [])
                endpoints.Add(
                    new CatalogEndpoint(
                        type,
                        (string?)endpoint?["interface"] ?? "",
                        (string?)endpoint?["region_id"] ?? (string?)endpoint?["region"] ?? "",
                        (string?)endpoint?["url"] ?? ""
                    )
                );
        }
        return new KeystoneToken(
            subjectToken,
            Time((string?)token["issued_at"]) ?? now,
            Time((string?)token["expires_at"]) ?? now.AddHours(1),
            (string?)token["project"]?["id"] ?? "",
            endpoints
        );
    }

    /// <summary>The public endpoint of a service type in the region (any region's when none is named).</summary>
    public string EndpointOf(string serviceType, string region)
    {
        var endpoints = Catalog.Where(e => e.ServiceType == serviceType && e.Interface == "public").ToList();
        var endpoint = endpoints.FirstOrDefault(e =>
            region.Length == 0 || string.Equals(e.Region, region, StringComparison.OrdinalIgnoreCase)
        );
        if (endpoint is not null && endpoint.Url.Length > 0)
            return endpoint.Url;
        var regions = endpoints.Select(e => e.Region).Distinct().ToList();
        throw new CloudRefusal(
            CloudRefusalKind.Invalid,
            $"The service catalog has no public {serviceType} endpoint in region '{region}'"
                + (regions.Count > 0 ? $" (it has: {string.Join(", ", regions)})." : "."),
            "EndpointNotFound"
        );
    }

    /// <summary>
    /// Whether the token is still good for a call: it is renewed a while before it expires, five minutes or a quarter
    /// of its lifetime, whichever is shorter.
    /// </summary>
    public bool FreshAt(DateTimeOffset now)
    {
        var lifetime = ExpiresAt - IssuedAt;
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, Math.Max(0, lifetime.Ticks / 4)));
        return now < ExpiresAt - margin;
    }

    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"Keystone token for project {ProjectId}, expires {ExpiresAt:O}";

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(
            text,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out var time
        )
            ? time
            : null;
}

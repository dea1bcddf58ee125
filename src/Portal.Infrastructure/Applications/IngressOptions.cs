using Portal.Domain.Applications;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Host names no tenant may publish: the host of <c>Portal:PublicUrl</c> always, and <see cref="ReservedHosts"/> — the
/// portal's other names (an API or sign-in host), the platform's own services — each a name ("sso.example.com") or
/// "*.domain" for every name under a domain.
/// </summary>
public sealed class IngressOptions
{
    public const string Section = "Portal:Ingress";

    public List<string> ReservedHosts { get; set; } = [];

    /// <summary>Read from <c>Portal:PublicUrl</c>, not from this section.</summary>
    public string? PublicUrl { get; set; }

    public ReservedHosts Reserved() =>
        new(ReservedHosts.Concat(Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) ? [url.Host] : []));

    /// <summary>What is wrong with the settings, or null: checked at start.</summary>
    public string? Invalid()
    {
        if (
            !string.IsNullOrWhiteSpace(PublicUrl)
            && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        )
            return $"Portal:PublicUrl '{PublicUrl}' is not an absolute http or https URL.";
        var wrong = ReservedHosts
            .Where(h =>
                DomainList.Parse(
                    h.StartsWith(IngressRoute.WildcardPrefix, StringComparison.Ordinal) ? h[2..] : h,
                    nameof(ReservedHosts)
                )
                    is not { Succeeded: true, Value.Domains.Count: 1 }
            )
            .ToList();
        return wrong.Count == 0
            ? null
            : "Portal:Ingress:ReservedHosts holds "
                + $"{string.Join(", ", wrong.Select(h => $"'{h}'"))}, which are not host "
                + "names or '*.domain'.";
    }
}

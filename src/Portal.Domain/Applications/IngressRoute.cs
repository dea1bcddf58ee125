using System.Net;
using Portal.Domain.Common;

namespace Portal.Domain.Applications;

/// <summary>
/// What an application publishes through its Ingress: a host — a name, or "*.domain" for every name one label under the
/// domain, as an Ingress rule matches it — and a path prefix, compared without a trailing slash (Prefix matching
/// ignores it). A host belongs to one tenant; within it, a host and path to one application.
/// </summary>
public sealed record IngressRoute(string Host, string Path)
{
    public const string WildcardPrefix = "*.";

    public static IngressRoute? Of(Exposure? exposure) =>
        string.IsNullOrEmpty(exposure?.IngressHost)
            ? null
            : new IngressRoute(exposure.IngressHost.ToLowerInvariant(), NormalizePath(exposure.IngressPath));

    public bool IsWildcard => Host.StartsWith(WildcardPrefix, StringComparison.Ordinal);

    /// <summary>
    /// The domain one label under which a wildcard stands for every name; for a name, the domain it is directly under.
    /// </summary>
    public string Parent =>
        IsWildcard ? Host[WildcardPrefix.Length..]
        : Host.IndexOf('.') is var dot and > 0 ? Host[(dot + 1)..]
        : "";

    /// <summary>
    /// Whether this host and another would serve the same name: equal, or one a wildcard standing for the other.
    /// </summary>
    public bool Overlaps(string otherHost)
    {
        var other = new IngressRoute(otherHost, Path);
        return Host == other.Host
            || (IsWildcard && !other.IsWildcard && other.Parent == Parent)
            || (!IsWildcard && other.IsWildcard && other.Parent == Parent);
    }

    public override string ToString() => Path == "/" ? Host : Host + Path;

    private static string NormalizePath(string? path) =>
        string.IsNullOrEmpty(path) || path == "/" ? "/"
        : path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed
        : "/";

    /// <summary>Whether a name is the domain itself or a subdomain of it, at any depth.</summary>
    internal static bool IsUnder(string name, string domain) =>
        name == domain || name.EndsWith("." + domain, StringComparison.Ordinal);
}

/// <summary>
/// The domains under which hosts may be published, such as a pool's "apps.example.com": a name is within one when it is
/// a subdomain of it at any depth, a wildcard when the domain it stands under is the domain or a subdomain of it.
/// </summary>
public sealed record DomainList(IReadOnlyList<string> Domains)
{
    public const int MaxLength = 1000;
    public static DomainList None { get; } = new([]);

    /// <summary>Domains separated by commas, spaces or lines; "*.x" and a trailing dot are read as "x".</summary>
    public static Result<DomainList> Parse(string? text, string field) => Parse([text], field);

    /// <summary>Each item may itself hold several domains, separated as above.</summary>
    public static Result<DomainList> Parse(IEnumerable<string?>? items, string field)
    {
        var domains = new List<string>();
        foreach (
            var item in (items ?? []).SelectMany(i =>
                (i ?? "").Split([',', '\n', '\r', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
            )
        )
        {
            var text = item?.Trim() ?? "";
            if (text.Length == 0)
                continue;
            var domain = text.ToLowerInvariant().TrimEnd('.');
            if (domain.StartsWith(IngressRoute.WildcardPrefix, StringComparison.Ordinal))
                domain = domain[IngressRoute.WildcardPrefix.Length..];
            if (!KubernetesSyntax.IsDns1123Subdomain(domain) || IPAddress.TryParse(domain, out _))
                return Problem.Invalid(
                    field,
                    $"'{text}' is not a domain: write names such as 'apps.example.com', separated by commas."
                );
            if (!domains.Contains(domain))
                domains.Add(domain);
        }
        var list = new DomainList(domains);
        return list.ToString().Length > MaxLength
            ? Problem.Invalid(field, $"The domains take at most {MaxLength} characters.")
            : list;
    }

    public bool Covers(IngressRoute route) =>
        Domains.Any(d =>
            route.IsWildcard
                ? IngressRoute.IsUnder(route.Parent, d)
                : route.Host.EndsWith("." + d, StringComparison.Ordinal)
        );

    public override string ToString() => string.Join(", ", Domains);

    public bool Equals(DomainList? other) => other is not null && Domains.SequenceEqual(other.Domains);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// Host names no tenant may publish: the portal's own, and others the operator names. An entry "host" reserves that
/// name (and a wildcard that would stand for it); "*.domain" reserves every name under the domain, at any depth.
/// </summary>
public sealed class ReservedHosts(IEnumerable<string> entries)
{
    private readonly IReadOnlyList<string> _entries = entries
        .Select(e => e.Trim().ToLowerInvariant().TrimEnd('.'))
        .Where(e => e.Length > 0)
        .Distinct()
        .ToList();

    public IReadOnlyList<string> Entries => _entries;

    public bool Reserves(IngressRoute route) =>
        _entries.Any(entry =>
        {
            if (entry.StartsWith(IngressRoute.WildcardPrefix, StringComparison.Ordinal))
            {
                var domain = entry[IngressRoute.WildcardPrefix.Length..];
                return route.IsWildcard
                    ? IngressRoute.IsUnder(route.Parent, domain)
                    : route.Host.EndsWith("." + domain, StringComparison.Ordinal);
            }
            return route.IsWildcard ? new IngressRoute(entry, "/").Parent == route.Parent : route.Host == entry;
        });
}

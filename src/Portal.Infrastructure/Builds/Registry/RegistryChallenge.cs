using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// What a registry's 401 asks for (its <c>WWW-Authenticate</c>): Basic credentials, or a Bearer token from
/// <see cref="Realm"/> for <see cref="Service"/> and <see cref="Scope"/>, as the distribution token spec says.
/// </summary>
public sealed partial record RegistryChallenge(string Scheme, string? Realm, string? Service, string? Scope)
{
    public bool IsBearer => string.Equals(Scheme, "Bearer", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => string.Equals(Scheme, "Basic", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first challenge the portal can answer (Bearer before Basic), or null.</summary>
    public static RegistryChallenge? From(HttpHeaderValueCollection<AuthenticationHeaderValue> headers)
    {
        var challenges = headers.Select(h => Parse(h.Scheme, h.Parameter)).ToList();
        return challenges.FirstOrDefault(c => c.IsBearer) ?? challenges.FirstOrDefault(c => c.IsBasic);
    }

    public static RegistryChallenge Parse(string scheme, string? parameters)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match match in Parameter().Matches(parameters ?? ""))
            values[match.Groups["key"].Value] = match.Groups["quoted"].Success
                ? match.Groups["quoted"].Value.Replace("\\\"", "\"", StringComparison.Ordinal)
                : match.Groups["bare"].Value;
        return new RegistryChallenge(
            scheme,
            values.GetValueOrDefault("realm"),
            values.GetValueOrDefault("service"),
            values.GetValueOrDefault("scope")
        );
    }

    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"(?<quoted>(?:[^"\\]|\\.)*)"|(?<bare>[^,\s]+))""")]
    private static partial Regex Parameter();
}

using System.Security.Cryptography;
using System.Text;

namespace Portal.Domain.Quotas;

/// <summary>
/// The Kubernetes namespace of a tenant's environment: "{tenant}-{environment}", a DNS-1123 label of at most
/// 63 characters. Stable (the same inputs give the same name) and, when the plain form is too long, shortened
/// with a hash of the full name so that two long names do not collide.
/// </summary>
public static class NamespaceName
{
    public const int MaxLength = 63;

    public static string For(string tenantSlug, string environmentName)
    {
        var plain = Sanitize($"{tenantSlug}-{environmentName}");
        if (plain.Length <= MaxLength)
            return plain;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenantSlug}/{environmentName}")))[
            ..8
        ];
        return $"{plain[..(MaxLength - hash.Length - 1)].TrimEnd('-')}-{hash}";
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        var collapsed = builder.ToString();
        while (collapsed.Contains("--", StringComparison.Ordinal))
            collapsed = collapsed.Replace("--", "-", StringComparison.Ordinal);
        return collapsed.Trim('-');
    }
}

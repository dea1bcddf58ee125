using System.Security.Cryptography;
using System.Text;

namespace Portal.Infrastructure.Pipelines.Webhooks;

/// <summary>
/// The checks of a delivery's signature or token, each in constant time: how long a comparison takes tells nothing of
/// how much of a guess was right.
/// </summary>
public static class WebhookSignatures
{
    /// <summary>
    /// The lower-case hex HMAC-SHA256 of <paramref name="body"/> keyed with <paramref name="secret"/>.
    /// </summary>
    public static string HexHmac(string secret, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>
    /// Whether <paramref name="signature"/> is the hex HMAC-SHA256 of the body, after <paramref name="prefix"/>
    /// (GitHub's
    /// <c>sha256=</c>; none for Gitea and Gogs). Hex digits of either case are taken.
    /// </summary>
    public static bool IsHexHmac(string? signature, string prefix, string secret, ReadOnlySpan<byte> body)
    {
        if (signature is null || !signature.StartsWith(prefix, StringComparison.Ordinal))
            return false;
        var hex = signature.AsSpan(prefix.Length).Trim();
        if (hex.Length != 2 * HMACSHA256.HashSizeInBytes)
            return false;
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(hex, given, out _, out var written) != System.Buffers.OperationStatus.Done)
            return false;
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return written == expected.Length && CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>
    /// Whether a token sent in clear (GitLab's <c>X-Gitlab-Token</c>) is the secret. Both are hashed first, so that not
    /// even the secret's length shows in the time taken.
    /// </summary>
    public static bool IsToken(string? token, string secret) =>
        token is not null
        && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(token)),
            SHA256.HashData(Encoding.UTF8.GetBytes(secret))
        );
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.Alibaba;

/// <summary>An error as Alibaba's gateway answers it.</summary>
public sealed record AcsError(int Status, string Code, string Message);

/// <summary>
/// The gateway's side of ACS3-HMAC-SHA256: rebuilds the canonical request from the request as it arrived (method,
/// path, query, the headers the Authorization names, the body's SHA-256) and recomputes the signature with the secret
/// the emulated cloud holds for the access key, as Alibaba's "Request syntax and signature method V3" describes.
/// </summary>
public sealed class AcsSignatureVerifier
{
    private const string Algorithm = "ACS3-HMAC-SHA256";

    private static readonly string[] _required =
    [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ];

    private readonly ConcurrentDictionary<string, byte> _nonces = new(StringComparer.Ordinal);

    /// <summary>Null when the signature holds; otherwise Alibaba's refusal.</summary>
    public AcsError? Verify(HttpRequest request, byte[] body, EmulatedCloud cloud)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
            return Incomplete("the Authorization header does not start with " + Algorithm);
        var parts = authorization[(Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (
            !parts.TryGetValue("Credential", out var accessKeyId)
            || !parts.TryGetValue("SignedHeaders", out var signedHeaders)
            || !parts.TryGetValue("Signature", out var signature)
        )
            return Incomplete("the Authorization header lacks Credential, SignedHeaders or Signature");
        var secret = cloud.SecretOf(accessKeyId);
        if (secret is null)
            return new AcsError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        var names = signedHeaders.Split(';');
        var present = request
            .Headers.Keys.Select(k => k.ToLowerInvariant())
            .Where(k => k.StartsWith("x-acs-", StringComparison.Ordinal) || k == "content-type");
        var unsigned = _required.Concat(present).FirstOrDefault(n => !names.Contains(n, StringComparer.Ordinal));
        if (unsigned is not null)
            return Incomplete($"the header '{unsigned}' is not signed");
        var payloadHash = request.Headers["x-acs-content-sha256"].ToString();
        if (!string.Equals(payloadHash, Convert.ToHexStringLower(SHA256.HashData(body)), StringComparison.Ordinal))
            return new AcsError(
                400,
                "InvalidParameter.ContentSHA256",
                "The x-acs-content-sha256 header is not the SHA-256 of the request body."
            );
        var canonical = new StringBuilder()
            .Append(request.Method.ToUpperInvariant())
            .Append('\n')
            .Append(
                string.Join(
                    '/',
                    (request.Path.HasValue ? request.Path.Value : "/").Split('/').Select(CanonicalRequest.Encode)
                )
            )
            .Append('\n')
            .Append(CanonicalRequest.Query(request))
            .Append('\n');
        canonical.Append(CanonicalRequest.Headers(request, names));
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var stringToSign =
            Algorithm + "\n" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign));
        var given = TryHex(signature);
        if (given is null || !CryptographicOperations.FixedTimeEquals(expected, given))
            return new AcsError(
                400,
                "SignatureDoesNotMatch",
                "Specified signature does not match our calculation. The server string to sign is: "
                    + stringToSign.Replace("\n", "\\n", StringComparison.Ordinal)
            );
        if (!_nonces.TryAdd(request.Headers["x-acs-signature-nonce"].ToString(), 0))
            return new AcsError(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
        return null;
    }

    private static AcsError Incomplete(string why) =>
        new(400, "IncompleteSignature", $"The request signature does not conform to Aliyun standards: {why}.");

    private static byte[]? TryHex(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

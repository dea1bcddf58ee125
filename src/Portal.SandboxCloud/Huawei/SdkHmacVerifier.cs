using System.Security.Cryptography;
using System.Text;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.Huawei;

/// <summary>
/// API Gateway's side of SDK-HMAC-SHA256: rebuilds the canonical request from the request as it arrived (method, path
/// with its trailing slash, sorted query, the headers the Authorization names, the body's SHA-256) and recomputes the
/// signature with the secret key the emulated cloud holds for the access key, as Huawei's "API Request Signing Guide"
/// describes.
/// </summary>
public sealed class SdkHmacVerifier
{
    private const string Algorithm = "SDK-HMAC-SHA256";

    /// <summary>Null when the signature holds; otherwise why not, in API Gateway's words.</summary>
    public string? Verify(HttpRequest request, byte[] body, EmulatedCloud cloud)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
            return "Incorrect IAM authentication information: Authorization format incorrect";
        var parts = authorization[(Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (
            !parts.TryGetValue("Access", out var accessKey)
            || !parts.TryGetValue("SignedHeaders", out var signedHeaders)
            || !parts.TryGetValue("Signature", out var signature)
        )
            return "Incorrect IAM authentication information: Authorization format incorrect";
        var names = signedHeaders.Split(';');
        var date = request.Headers["X-Sdk-Date"].ToString();
        if (date.Length == 0 || !names.Contains("x-sdk-date", StringComparer.Ordinal))
            return "Incorrect IAM authentication information: x-sdk-date not signed";
        var secret = cloud.SecretOf(accessKey);
        if (secret is null)
            return $"Incorrect IAM authentication information: ak {accessKey} not exist";
        var payloadHash =
            request.Headers["X-Sdk-Content-Sha256"].ToString() == "UNSIGNED-PAYLOAD"
                ? "UNSIGNED-PAYLOAD"
                : Convert.ToHexStringLower(SHA256.HashData(body));
        var path = string.Join('/', (request.Path.Value ?? "/").Split('/').Select(CanonicalRequest.Encode));
        var canonical = new StringBuilder()
            .Append(request.Method.ToUpperInvariant())
            .Append('\n')
            .Append(path.EndsWith('/') ? path : path + "/")
            .Append('\n')
            .Append(CanonicalRequest.Query(request))
            .Append('\n');
        canonical.Append(CanonicalRequest.Headers(request, names));
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var hashed = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        var stringToSign = $"{Algorithm}\n{date}\n{hashed}";
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign));
        byte[] given;
        try
        {
            given = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            given = [];
        }
        return CryptographicOperations.FixedTimeEquals(expected, given)
            ? null
            : "Incorrect IAM authentication information: verify aksk signature fail";
    }
}

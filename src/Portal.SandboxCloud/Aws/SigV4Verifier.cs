using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Portal.SandboxCloud.Aws;

/// <summary>What the signature check found: the signer's access key and region, or AWS's error.</summary>
public sealed record SigV4Outcome(string AccessKey, string Region, string? ErrorCode, string? ErrorMessage)
{
    public bool Valid => ErrorCode is null;

    public static SigV4Outcome Refused(string code, string message) => new("", "", code, message);
}

/// <summary>
/// Checks an incoming request's AWS Signature Version 4 (the <c>Authorization: AWS4-HMAC-SHA256 …</c> header) the
/// way an AWS service does: it rebuilds the canonical request from what arrived (canonical URI, sorted query, the
/// signed headers, the payload hash), the string to sign over the credential scope, derives the signing key from the
/// secret it knows for the access key and compares signatures.
/// </summary>
public sealed class SigV4Verifier(string service, TimeProvider? clock = null)
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    private static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

    public const string SignatureDoesNotMatchMessage =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        + "Access Key and signing method. Consult the service documentation for details.";

    public const string UnknownKeyMessage = "AWS was not able to validate the provided access credentials";

    /// <summary>
    /// Verifies the request; <paramref name="secretOf"/> gives the secret of an access key, or null for a key the
    /// service does not know. The body is buffered and left readable from its start.
    /// </summary>
    public async Task<SigV4Outcome> VerifyAsync(
        HttpRequest request,
        Func<string, string?> secretOf,
        CancellationToken ct
    )
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
            return SigV4Outcome.Refused("MissingAuthenticationToken", "Request is missing Authentication Token");
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
            return SigV4Outcome.Refused(
                "IncompleteSignature",
                $"Unsupported authorization type: only {Algorithm} is accepted."
            );
        var parts = ParseAuthorization(authorization[(Algorithm.Length + 1)..]);
        if (
            !parts.TryGetValue("Credential", out var credential)
            || !parts.TryGetValue("SignedHeaders", out var signedHeaderList)
            || !parts.TryGetValue("Signature", out var signature)
        )
            return SigV4Outcome.Refused(
                "IncompleteSignature",
                "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters."
            );
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
            return SigV4Outcome.Refused(
                "IncompleteSignature",
                $"Credential should be of the form '<key>/<date>/<region>/{service}/aws4_request', not "
                    + $"'{credential}'."
            );
        var (accessKey, date, region, scopeService) = (scope[0], scope[1], scope[2], scope[3]);
        if (scopeService != service)
            return SigV4Outcome.Refused(
                "SignatureDoesNotMatch",
                $"Credential should be scoped to correct service: '{service}'."
            );
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (
            !DateTimeOffset.TryParseExact(
                amzDate,
                "yyyyMMdd'T'HHmmss'Z'",
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal,
                out var signedAt
            )
        )
            return SigV4Outcome.Refused(
                "IncompleteSignature",
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            );
        if (!amzDate.StartsWith(date, StringComparison.Ordinal))
            return SigV4Outcome.Refused(
                "SignatureDoesNotMatch",
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    + $"'{date}' != '{amzDate[..8]}', from '{amzDate}'."
            );
        if (clock is not null && (clock.GetUtcNow() - signedAt).Duration() > AllowedSkew)
            return SigV4Outcome.Refused(
                "RequestExpired",
                $"Request has expired. Timestamp date is {amzDate}, the server's is "
                    + $"{clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}."
            );
        var secret = secretOf(accessKey);
        if (secret is null)
            return SigV4Outcome.Refused("AuthFailure", UnknownKeyMessage);
        var signedHeaders = signedHeaderList.Split(';');
        if (!signedHeaders.Contains("host"))
            return SigV4Outcome.Refused("SignatureDoesNotMatch", "'Host' must be a signed header.");

        var bodyHash = await BodyHashAsync(request, ct);
        var claimedHash = request.Headers["x-amz-content-sha256"].ToString();
        if (claimedHash.Length > 0 && claimedHash != UnsignedPayload && claimedHash != bodyHash)
            return SigV4Outcome.Refused(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed."
            );
        var canonical = CanonicalRequest(request, signedHeaders, claimedHash.Length > 0 ? claimedHash : bodyHash);
        var expected = Signature(secret, amzDate, region, service, canonical);
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expected),
            Encoding.ASCII.GetBytes(signature)
        )
            ? new SigV4Outcome(accessKey, region, null, null)
            : SigV4Outcome.Refused("SignatureDoesNotMatch", SignatureDoesNotMatchMessage);
    }

    /// <summary>The hex signature of a canonical request, from the secret and the credential scope.</summary>
    public static string Signature(
        string secret,
        string amzDate,
        string region,
        string service,
        string canonicalRequest
    )
    {
        var date = amzDate[..8];
        var key = SigningKey(secret, date, region, service);
        var toSign = StringToSign(amzDate, $"{date}/{region}/{service}/aws4_request", canonicalRequest);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
    }

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    /// <summary>
    /// Method, canonical URI, canonical query, canonical headers, signed headers and payload hash, one a line, as
    /// AWS rebuilds them from the request it received.
    /// </summary>
    public static string CanonicalRequest(HttpRequest request, IReadOnlyList<string> signedHeaders, string payloadHash)
    {
        var text = new StringBuilder();
        text.Append(request.Method.ToUpperInvariant()).Append('\n');
        text.Append(CanonicalUri(request.PathBase.Add(request.Path).Value ?? "")).Append('\n');
        text.Append(CanonicalQuery(request.QueryString.Value ?? "")).Append('\n');
        foreach (var name in signedHeaders)
            text.Append(name).Append(':').Append(CanonicalHeaderValue(request.Headers[name])).Append('\n');
        text.Append('\n');
        text.Append(string.Join(';', signedHeaders)).Append('\n');
        text.Append(payloadHash);
        return text.ToString();
    }

    private static string CanonicalUri(string decodedPath) =>
        decodedPath.Length == 0 ? "/" : string.Join('/', decodedPath.Split('/').Select(Encode));

    private static string CanonicalQuery(string rawQuery)
    {
        var pairs = rawQuery
            .TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var key = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? "" : pair[(equals + 1)..];
                return (Key: Encode(Uri.UnescapeDataString(key)), Value: Encode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => $"{p.Key}={p.Value}"));
    }

    private static string CanonicalHeaderValue(StringValues values) =>
        string.Join(
            ',',
            values.Select(v => string.Join(' ', (v ?? "").Split(' ', '\t').Where(word => word.Length > 0)))
        );

    /// <summary>RFC 3986 percent-encoding of everything but the unreserved characters, in upper-case hex.</summary>
    public static string Encode(string text)
    {
        var encoded = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
                encoded.Append(c);
            else
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }

    private static async Task<string> BodyHashAsync(HttpRequest request, CancellationToken ct)
    {
        request.EnableBuffering();
        request.Body.Position = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct)) > 0)
            sha.AppendData(buffer, 0, read);
        request.Body.Position = 0;
        return Hex(sha.GetHashAndReset());
    }

    private static Dictionary<string, string> ParseAuthorization(string parameters) =>
        parameters
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}

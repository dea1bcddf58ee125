using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Infrastructure.Clouds.Providers.Huawei;

/// <summary>What signing made, step by step, so that a test can hold each step to Huawei's example.</summary>
public sealed record SdkHmacSignature(
    string CanonicalRequest,
    string StringToSign,
    string Signature,
    string SignedHeaders,
    string Authorization
);

/// <summary>
/// Huawei Cloud's AK/SK signing of API Gateway requests (SDK-HMAC-SHA256), as the "API Request Signing Guide"
/// (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-algorithm.html) describes it: a canonical request
/// of the method, the path with a trailing slash, the sorted query, the signed headers and the payload's SHA-256, put
/// with the <c>X-Sdk-Date</c> into the string to sign and signed with HMAC-SHA256 under the secret access key.
/// </summary>
public static class SdkHmacSigner
{
    public const string Algorithm = "SDK-HMAC-SHA256";
    public const string DateHeader = "X-Sdk-Date";
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <param name="headers">The headers to sign, <see cref="DateHeader"/> and <c>host</c> among them.</param>
    public static SdkHmacSignature Sign(
        string method,
        string path,
        IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, string>> headers,
        string hashedPayload,
        string accessKey,
        string secretKey
    )
    {
        var signed = headers
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: h.Value.Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var signedHeaders = string.Join(';', signed.Select(h => h.Name));
        var date = signed.FirstOrDefault(h => h.Name == "x-sdk-date").Value ?? "";
        var canonical = new StringBuilder()
            .Append(method.ToUpperInvariant())
            .Append('\n')
            .Append(CanonicalUri(path))
            .Append('\n')
            .Append(CanonicalQuery(query))
            .Append('\n');
        foreach (var (name, value) in signed)
            canonical.Append(name).Append(':').Append(value).Append('\n');
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(hashedPayload);
        var canonicalRequest = canonical.ToString();
        var stringToSign = $"{Algorithm}\n{date}\n{HexSha256(Encoding.UTF8.GetBytes(canonicalRequest))}";
        var signature = Convert.ToHexStringLower(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(stringToSign))
        );
        var authorization = $"{Algorithm} Access={accessKey}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SdkHmacSignature(canonicalRequest, stringToSign, signature, signedHeaders, authorization);
    }

    /// <summary>Each segment encoded, and a trailing slash whether or not the request's path has one.</summary>
    public static string CanonicalUri(string path)
    {
        var encoded = string.Join('/', path.Split('/').Select(Encode));
        return encoded.EndsWith('/') ? encoded : encoded + "/";
    }

    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join(
            '&',
            query
                .Select(p => (Name: Encode(p.Key), Value: Encode(p.Value)))
                .OrderBy(p => p.Name, StringComparer.Ordinal)
                .ThenBy(p => p.Value, StringComparer.Ordinal)
                .Select(p => p.Name + "=" + p.Value)
        );

    public static string HexSha256(byte[] payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    /// <summary>RFC 3986: unreserved characters as they are, every other UTF-8 byte as %XY.</summary>
    public static string Encode(string value)
    {
        var encoded = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
                encoded.Append(c);
            else
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }
}

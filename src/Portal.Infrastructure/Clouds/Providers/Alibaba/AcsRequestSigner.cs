using System.Security.Cryptography;
using System.Text;

namespace Portal.Infrastructure.Clouds.Providers.Alibaba;

/// <summary>What signing made, step by step, so that a test can hold each step to Alibaba's example.</summary>
public sealed record AcsSignature(
    string CanonicalRequest,
    string StringToSign,
    string Signature,
    string SignedHeaders,
    string Authorization
);

/// <summary>
/// Alibaba Cloud's request signature V3 (ACS3-HMAC-SHA256), as "Request syntax and signature method V3"
/// (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature) describes it: a
/// canonical request of the method, the path, the sorted query, the <c>host</c>, <c>content-type</c> and
/// <c>x-acs-*</c> headers and the payload's SHA-256, hashed and signed with HMAC-SHA256 under the AccessKey secret.
/// </summary>
public static class AcsRequestSigner
{
    public const string Algorithm = "ACS3-HMAC-SHA256";

    public static AcsSignature Sign(
        string method,
        string path,
        IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, string>> headers,
        string accessKeyId,
        string accessKeySecret
    )
    {
        var signed = headers
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: h.Value.Trim()))
            .Where(h =>
                h.Name == "host" || h.Name == "content-type" || h.Name.StartsWith("x-acs-", StringComparison.Ordinal)
            )
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var signedHeaders = string.Join(';', signed.Select(h => h.Name));
        var payloadHash = signed.FirstOrDefault(h => h.Name == "x-acs-content-sha256").Value ?? HexSha256("");
        var canonical = new StringBuilder()
            .Append(method.ToUpperInvariant())
            .Append('\n')
            .Append(CanonicalPath(path))
            .Append('\n')
            .Append(CanonicalQuery(query))
            .Append('\n');
        foreach (var (name, value) in signed)
            canonical.Append(name).Append(':').Append(value).Append('\n');
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var canonicalRequest = canonical.ToString();
        var stringToSign = Algorithm + "\n" + HexSha256(canonicalRequest);
        var signature = Convert.ToHexStringLower(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKeySecret), Encoding.UTF8.GetBytes(stringToSign))
        );
        var authorization = $"{Algorithm} Credential={accessKeyId},SignedHeaders={signedHeaders},Signature={signature}";
        return new AcsSignature(canonicalRequest, stringToSign, signature, signedHeaders, authorization);
    }

    /// <summary>Sorted by name, names and values encoded by <see cref="PercentEncode"/>, joined with '&amp;'.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join(
            '&',
            query
                .Select(p => (Name: PercentEncode(p.Key), Value: PercentEncode(p.Value)))
                .OrderBy(p => p.Name, StringComparer.Ordinal)
                .ThenBy(p => p.Value, StringComparer.Ordinal)
                .Select(p => p.Name + "=" + p.Value)
        );

    public static string HexSha256(string payload) => HexSha256(Encoding.UTF8.GetBytes(payload));

    public static string HexSha256(byte[] payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    /// <summary>RFC 3986: unreserved characters as they are, every other UTF-8 byte as %XY (a space as %20).</summary>
    public static string PercentEncode(string value)
    {
        var encoded = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9')
                encoded.Append((char)b);
            else if (b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                encoded.Append((char)b);
            else
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }

    private static string CanonicalPath(string path) =>
        path.Length == 0 ? "/" : string.Join('/', path.Split('/').Select(PercentEncode));
}

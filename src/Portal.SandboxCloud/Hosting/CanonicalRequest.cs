using System.Globalization;
using System.Text;

namespace Portal.SandboxCloud.Hosting;

/// <summary>
/// The parts of a canonical request that Alibaba's ACS3 and Huawei's SDK-HMAC signatures share with AWS's SigV4, read
/// from the request as the emulator received it: RFC 3986 encoding, the sorted query, the signed headers' lines.
/// </summary>
public static class CanonicalRequest
{
    /// <summary>Percent-encodes every byte but the unreserved characters, upper-case hex, as RFC 3986 says.</summary>
    public static string Encode(string value)
    {
        var encoded = new StringBuilder();
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

    /// <summary>"name=value" pairs of the query, encoded, sorted by name then value, joined by '&amp;'.</summary>
    public static string Query(HttpRequest request) =>
        string.Join(
            '&',
            request
                .Query.SelectMany(q => q.Value.Select(v => (Name: Encode(q.Key), Value: Encode(v ?? ""))))
                .OrderBy(q => q.Name, StringComparer.Ordinal)
                .ThenBy(q => q.Value, StringComparer.Ordinal)
                .Select(q => q.Name + "=" + q.Value)
        );

    /// <summary>"name:value\n" of each signed header, in the order given, the value trimmed.</summary>
    public static string Headers(HttpRequest request, IEnumerable<string> names)
    {
        var lines = new StringBuilder();
        foreach (var name in names)
        {
            var value = name == "host" ? request.Host.Value : request.Headers[name].ToString();
            lines.Append(name).Append(':').Append((value ?? "").Trim()).Append('\n');
        }
        return lines.ToString();
    }
}

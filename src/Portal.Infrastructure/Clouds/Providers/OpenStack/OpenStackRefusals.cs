using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portal.Infrastructure.Clouds.Providers.OpenStack;

/// <summary>
/// Turns an OpenStack service's error answer into a <see cref="CloudRefusal"/> in its words. The services speak
/// differently: Keystone (and keystonemiddleware in front of the others) <c>{"error":{"title","message"}}</c>, Nova
/// <c>{"badRequest":{"code","message"}}</c> named by fault, Neutron <c>{"NeutronError":{"type","message"}}</c>,
/// Glance mostly plain text.
/// </summary>
public static partial class OpenStackRefusals
{
    public static CloudRefusal From(HttpStatusCode status, string body)
    {
        var (code, message) = Read(status, body);
        var kind = (int)status switch
        {
            401 => CloudRefusalKind.Credentials,
            403 => IsQuota(message) ? CloudRefusalKind.Quota : CloudRefusalKind.Credentials,
            413 => IsQuota(message) ? CloudRefusalKind.Quota : CloudRefusalKind.Throttled,
            429 => CloudRefusalKind.Throttled,
            >= 500 => CloudRefusalKind.Unavailable,
            _ => CloudRefusalKind.Invalid,
        };
        return new CloudRefusal(kind, $"{code}: {message}", code);
    }

    /// <summary>Whether the answer asks to be tried again later (Nova's overLimit that is no quota).</summary>
    public static bool IsThrottled(HttpStatusCode status, string body) =>
        status == HttpStatusCode.TooManyRequests
        || (status == HttpStatusCode.RequestEntityTooLarge && !IsQuota(Read(status, body).Message));

    private static bool IsQuota(string message) => message.Contains("quota", StringComparison.OrdinalIgnoreCase);

    private static (string Code, string Message) Read(HttpStatusCode status, string body)
    {
        var fallback = $"{(int)status} {status}";
        JsonNode? json = null;
        try
        {
            json = body.Length > 0 ? JsonNode.Parse(body) : null;
        }
        catch (JsonException)
        {
            // Glance and proxies answer in text or HTML; that is read below.
        }
        if (json is JsonObject root && root.Count > 0)
        {
            if (root["error"] is JsonObject keystone)
                return ((string?)keystone["title"] ?? fallback, Text(keystone["message"]) ?? body);
            if (root["NeutronError"] is JsonObject neutron)
                return ((string?)neutron["type"] ?? fallback, Text(neutron["message"]) ?? body);
            var (name, fault) = root.First();
            if (fault is JsonObject named && Text(named["message"]) is { } faultMessage)
                return (name, faultMessage);
            if (Text(root["message"]) is { } plain)
                return (fallback, plain);
        }
        var text = Whitespace().Replace(Tags().Replace(body, " "), " ").Trim();
        return (fallback, text.Length > 0 ? text : "the service gave no reason");
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

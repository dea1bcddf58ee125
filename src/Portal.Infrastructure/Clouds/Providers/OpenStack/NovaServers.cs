using System.Globalization;
using System.Text.Json.Nodes;

namespace Portal.Infrastructure.Clouds.Providers.OpenStack;

/// <summary>Nova's servers as the portal's instances, and the tags by which the portal finds its own.</summary>
public static class NovaServers
{
    /// <summary>
    /// The Nova tag (a plain string, at most 60 characters, no '/' or ',') that marks the server of a host; the
    /// key/value tags go into the server's metadata.
    /// </summary>
    public static string HostTag(string hostTag) => $"{CloudTags.Host}={hostTag}";

    public static string ManagedTag => $"{CloudTags.ManagedBy}={CloudTags.Portal}";

    /// <summary>A server of <c>GET /servers/{id}</c> or <c>/servers/detail</c> (microversion 2.47 or later).</summary>
    public static CloudInstance ToInstance(JsonNode server)
    {
        var status = ((string?)server["status"] ?? "").ToUpperInvariant();
        var taskState = (string?)server["OS-EXT-STS:task_state"];
        var state = StateOf(status, taskState);
        var (privateAddress, publicAddress) = Addresses(server);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in server["metadata"]?.AsObject() ?? [])
            tags[key] =
                value is JsonValue text && text.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
        var flavor = server["flavor"];
        return new CloudInstance(
            (string?)server["id"] ?? "",
            (string?)server["name"] ?? "",
            state,
            privateAddress,
            publicAddress,
            (string?)flavor?["original_name"] ?? (string?)flavor?["id"] ?? "",
            (string?)server["OS-EXT-AZ:availability_zone"] ?? "",
            tags,
            Created((string?)server["created"]),
            state == CloudInstanceState.Failed ? Fault(server, status) : null
        );
    }

    private static CloudInstanceState StateOf(string status, string? taskState) =>
        status switch
        {
            "BUILD" => CloudInstanceState.Pending,
            "ACTIVE" when taskState is "deleting" or "powering-off" => CloudInstanceState.Stopping,
            "ACTIVE"
            or "REBOOT"
            or "HARD_REBOOT"
            or "REBUILD"
            or "RESIZE"
            or "VERIFY_RESIZE"
            or "REVERT_RESIZE"
            or "MIGRATING"
            or "PASSWORD"
            or "RESCUE" => CloudInstanceState.Running,
            "SHUTOFF" or "STOPPED" or "PAUSED" or "SUSPENDED" or "SHELVED" or "SHELVED_OFFLOADED" =>
                CloudInstanceState.Stopped,
            "DELETED" or "SOFT_DELETED" => CloudInstanceState.Terminated,
            _ => CloudInstanceState.Failed,
        };

    private static string Fault(JsonNode server, string status) =>
        (string?)server["fault"]?["message"] is { Length: > 0 } message
            ? message
            : $"Nova reports the server as {status} and gives no fault.";

    /// <summary>The first fixed IPv4 address, and the first floating one (or accessIPv4).</summary>
    private static (string? Private, string? Public) Addresses(JsonNode server)
    {
        string? fixedAddress = null;
        string? floatingAddress = null;
        foreach (var (_, addresses) in server["addresses"]?.AsObject() ?? [])
        foreach (var address in addresses?.AsArray() ?? [])
        {
            if (address?["version"] is JsonValue version && version.TryGetValue<int>(out var v) && v != 4)
                continue;
            var addr = (string?)address?["addr"];
            if ((string?)address?["OS-EXT-IPS:type"] == "floating")
                floatingAddress ??= addr;
            else
                fixedAddress ??= addr;
        }
        var accessAddress = (string?)server["accessIPv4"];
        return (fixedAddress, floatingAddress ?? (accessAddress is { Length: > 0 } ? accessAddress : null));
    }

    private static DateTime? Created(string? text) =>
        DateTimeOffset.TryParse(
            text,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out var created
        )
            ? created.UtcDateTime
            : null;
}

using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Sandbox.Common;

/// <summary>Small accessors for walking and building Kubernetes objects held as <see cref="JsonObject"/>.</summary>
internal static class Json
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] ToBytes(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static string ToText(JsonNode node) => System.Text.Encoding.UTF8.GetString(ToBytes(node));

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8) =>
        JsonNode.Parse(utf8) as JsonObject ?? throw new JsonException("expected a JSON object");

    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(segment, out node))
            {
                return null;
            }
        }
        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path)
    {
        var value = node.At(path);
        return value is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : value is JsonValue other ? other.ToString()
            : null;
    }

    public static long? Long(this JsonNode? node, params string[] path)
    {
        var value = node.At(path);
        if (value is not JsonValue v)
        {
            return null;
        }
        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }
        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }
        if (v.TryGetValue<double>(out var d))
        {
            return (long)d;
        }
        return v.TryGetValue<string>(out var s) && long.TryParse(s, out var parsed) ? parsed : null;
    }

    public static bool? Bool(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public static JsonObject? Obj(this JsonNode? node, params string[] path) => node.At(path) as JsonObject;

    public static JsonArray? Arr(this JsonNode? node, params string[] path) => node.At(path) as JsonArray;

    /// <summary>Gets the child object, creating it (and any missing parents) when absent.</summary>
    public static JsonObject Ensure(this JsonObject node, params string[] path)
    {
        var current = node;
        foreach (var segment in path)
        {
            if (current[segment] is not JsonObject child)
            {
                child = new JsonObject();
                current[segment] = child;
            }
            current = child;
        }
        return current;
    }

    public static JsonArray EnsureArray(this JsonObject node, string name)
    {
        if (node[name] is not JsonArray array)
        {
            array = new JsonArray();
            node[name] = array;
        }
        return array;
    }

    public static IEnumerable<JsonObject> Objects(this JsonArray? array) =>
        array is null ? [] : array.OfType<JsonObject>();

    public static Dictionary<string, string> StringMap(this JsonNode? node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                if (value is JsonValue v)
                {
                    map[key] = v.TryGetValue<string>(out var s) ? s : v.ToString();
                }
            }
        }
        return map;
    }

    public static JsonObject ToJsonObject(this IEnumerable<KeyValuePair<string, string>> map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map)
        {
            obj[key] = value;
        }
        return obj;
    }

    public static JsonObject CloneObject(this JsonObject node) => (JsonObject)node.DeepClone();

    /// <summary>
    /// Replaces a condition of the given type, keeping lastTransitionTime when the status did not change.
    /// </summary>
    public static bool SetCondition(
        this JsonObject status,
        string type,
        string conditionStatus,
        string? reason,
        string? message,
        string now,
        bool withProbeTimes = false,
        bool withUpdateTime = false
    )
    {
        var conditions = status.EnsureArray("conditions");
        var existing = conditions.Objects().FirstOrDefault(c => c.Str("type") == type);
        var transition =
            existing is not null && existing.Str("status") == conditionStatus
                ? existing.Str("lastTransitionTime") ?? now
                : now;
        var condition = new JsonObject { ["type"] = type, ["status"] = conditionStatus };
        if (withProbeTimes)
        {
            condition["lastProbeTime"] = null;
        }
        if (withUpdateTime)
        {
            condition["lastUpdateTime"] =
                existing is not null
                && existing.Str("status") == conditionStatus
                && existing.Str("reason") == reason
                && existing.Str("message") == message
                    ? existing.Str("lastUpdateTime") ?? now
                    : now;
        }
        condition["lastTransitionTime"] = transition;
        if (reason is not null)
        {
            condition["reason"] = reason;
        }
        if (message is not null)
        {
            condition["message"] = message;
        }
        if (existing is not null)
        {
            if (JsonNode.DeepEquals(existing, condition))
            {
                return false;
            }
            conditions[conditions.IndexOf(existing)] = condition;
        }
        else
        {
            conditions.Add(condition);
        }
        return true;
    }
}

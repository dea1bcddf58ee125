using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;

namespace Portal.Sandbox.Patching;

/// <summary>JSON merge patch (RFC 7386), a strategic merge patch subset, and JSON patch (RFC 6902).</summary>
public static class ObjectPatches
{
    /// <summary>List fields that strategic merge patches merge by key instead of replacing.</summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["ports"] = "containerPort",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["taints"] = "key",
        ["hostAliases"] = "ip",
        ["volumeClaimTemplates"] = "metadata",
    };

    public static JsonObject Apply(JsonObject target, string contentType, JsonNode? patch)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType switch
        {
            "application/merge-patch+json" => AsObject(Merge(target, patch, strategic: false)),
            "application/strategic-merge-patch+json" => AsObject(Merge(target, patch, strategic: true)),
            "application/json-patch+json" => JsonPatch(
                target,
                patch as JsonArray ?? throw ApiException.BadRequest("json patch must be an array")
            ),
            _ => throw ApiException.UnsupportedMediaType(mediaType),
        };
    }

    private static JsonObject AsObject(JsonNode? node) =>
        node as JsonObject ?? throw ApiException.BadRequest("the patch did not produce an object");

    public static JsonNode? Merge(JsonNode? target, JsonNode? patch, bool strategic)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject targetObject ? targetObject.CloneObject() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (strategic && key.StartsWith('$'))
            {
                continue;
            }
            if (value is null)
            {
                result.Remove(key);
            }
            else if (
                strategic
                && value is JsonArray patchList
                && result[key] is JsonArray targetList
                && MergeKeys.TryGetValue(key, out var mergeKey)
                && patchList.All(i => i is JsonObject)
                && targetList.All(i => i is JsonObject)
            )
            {
                result[key] = MergeList(targetList, patchList, mergeKey);
            }
            else
            {
                result[key] = Merge(result[key], value, strategic);
            }
        }
        return result;
    }

    private static JsonArray MergeList(JsonArray target, JsonArray patch, string mergeKey)
    {
        var merged = target.Select(i => i!.DeepClone()).OfType<JsonObject>().ToList();
        foreach (var item in patch.OfType<JsonObject>())
        {
            var key = item[mergeKey]?.ToJsonString();
            var existing = merged.FindIndex(m => m[mergeKey]?.ToJsonString() == key);
            if (item.Str("$patch") == "delete")
            {
                if (existing >= 0)
                {
                    merged.RemoveAt(existing);
                }
                continue;
            }
            if (existing >= 0)
            {
                merged[existing] = (JsonObject)Merge(merged[existing], item, strategic: true)!;
            }
            else
            {
                merged.Add((JsonObject)Merge(null, item, strategic: true)!);
            }
        }
        return new JsonArray([.. merged]);
    }

    private static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode root = target.CloneObject();
        foreach (var operation in operations.Objects())
        {
            var op = operation.Str("op");
            var path = operation.Str("path") ?? throw ApiException.BadRequest("json patch operation has no path");
            switch (op)
            {
                case "add":
                    root = Set(root, path, operation["value"]?.DeepClone(), insert: true);
                    break;
                case "replace":
                    if (Resolve(root, path) is null)
                    {
                        throw new ApiException(
                            422,
                            "Invalid",
                            "the server rejected our request due to an error in our request: "
                                + $"replace operation does not apply: doc is missing key: {path}"
                        );
                    }
                    root = Set(root, path, operation["value"]?.DeepClone(), insert: false);
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), operation["value"]))
                    {
                        throw new ApiException(
                            422,
                            "Invalid",
                            "the server rejected our request due to an error in our request: "
                                + $"testing value {path} failed"
                        );
                    }
                    break;
                case "copy":
                case "move":
                    var from = operation.Str("from")
                        ?? throw ApiException.BadRequest("json patch copy/move needs from");
                    var value = Resolve(root, from)?.DeepClone();
                    if (op == "move")
                    {
                        Remove(root, from);
                    }
                    root = Set(root, path, value, insert: true);
                    break;
                default:
                    throw ApiException.BadRequest($"Unexpected kind: {op}");
            }
        }
        return AsObject(root);
    }

    private static string[] Pointer(string path) =>
        path.Length == 0
            ? []
            : path.TrimStart('/')
                .Split('/')
                .Select(s =>
                    s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)
                )
                .ToArray();

    private static JsonNode? Resolve(JsonNode? root, string path)
    {
        var node = root;
        foreach (var segment in Pointer(path))
        {
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
        }
        return node;
    }

    private static JsonNode Set(JsonNode root, string path, JsonNode? value, bool insert)
    {
        var segments = Pointer(path);
        if (segments.Length == 0)
        {
            return value ?? new JsonObject();
        }
        var parent = Resolve(
            root,
            "/"
                + string.Join(
                    '/',
                    segments[..^1]
                        .Select(s =>
                            s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)
                        )
                )
        );
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var index) && index >= 0 && index <= a.Count:
                if (insert)
                {
                    a.Insert(index, value);
                }
                else
                {
                    a[index] = value;
                }
                break;
            default:
                throw new ApiException(
                    422,
                    "Invalid",
                    $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\""
                );
        }
        return root;
    }

    private static void Remove(JsonNode root, string path)
    {
        var segments = Pointer(path);
        var parent = Resolve(root, "/" + string.Join('/', segments[..^1]));
        var last = segments[^1];
        var removed = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        if (!removed)
        {
            throw new ApiException(
                422,
                "Invalid",
                "the server rejected our request due to an error in our request: remove "
                    + $"operation does not apply: doc is missing path: \"{path}\""
            );
        }
    }

    private static bool RemoveAt(JsonArray array, int index)
    {
        array.RemoveAt(index);
        return true;
    }
}

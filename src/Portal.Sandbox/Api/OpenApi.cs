using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Portal.Sandbox.Common;

namespace Portal.Sandbox.Api;

/// <summary>
/// The OpenAPI v3 discovery kubectl reads before it sends a write: <c>/openapi/v3</c> lists one document per group
/// version, and each document lists the served paths with their operations, group-version-kind and query
/// parameters. kubectl apply/create decide from the PATCH operation's <c>fieldValidation</c> parameter that the server
/// validates fields itself, so they neither download the v2 schema nor validate on the client. The documents hold no
/// schemas (<c>components.schemas</c> is empty), so kubectl computes apply patches from its built-in types, and
/// kubectl explain has nothing to explain.
/// </summary>
internal static class OpenApi
{
    private static readonly Lazy<Dictionary<string, byte[]>> Documents = new(Build);

    public static JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var (groupVersionPath, document) in Documents.Value)
        {
            var hash = Convert.ToHexString(SHA512.HashData(document));
            paths[groupVersionPath] = new JsonObject
            {
                ["serverRelativeURL"] = $"/openapi/v3/{groupVersionPath}?hash={hash}",
            };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document of "api/v1" or "apis/apps/v1"; null for a group version not served.</summary>
    public static byte[]? Document(string groupVersionPath) => Documents.Value.GetValueOrDefault(groupVersionPath);

    private static Dictionary<string, byte[]> Build()
    {
        var documents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var groupVersion in ResourceKinds.All.GroupBy(k => k.ApiVersion))
        {
            var prefix = groupVersion.First().Group.Length == 0 ? "api/v1" : $"apis/{groupVersion.Key}";
            var paths = new JsonObject();
            foreach (var kind in groupVersion)
            {
                AddPaths(paths, prefix, kind);
            }
            var document = new JsonObject
            {
                ["openapi"] = "3.0.0",
                ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0-sandbox" },
                ["paths"] = paths,
                ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
            };
            documents[prefix] = Json.ToBytes(document);
        }
        return documents;
    }

    private static void AddPaths(JsonObject paths, string prefix, ResourceKind kind)
    {
        var collection = kind.Namespaced
            ? $"/{prefix}/namespaces/{{namespace}}/{kind.Plural}"
            : $"/{prefix}/{kind.Plural}";
        var item = collection + "/{name}";
        paths[collection] = new JsonObject
        {
            ["get"] = Operation(kind, "list", false),
            ["post"] = Operation(kind, "post", true),
            ["delete"] = Operation(kind, "deletecollection", false),
        };
        if (kind.Namespaced)
        {
            paths[$"/{prefix}/{kind.Plural}"] = new JsonObject { ["get"] = Operation(kind, "list", false) };
        }
        paths[item] = ItemOperations(kind);
        if (kind.HasStatus)
        {
            paths[item + "/status"] = ItemOperations(kind, withDelete: false);
        }
    }

    private static JsonObject ItemOperations(ResourceKind kind, bool withDelete = true)
    {
        var operations = new JsonObject
        {
            ["get"] = Operation(kind, "get", false),
            ["put"] = Operation(kind, "put", true),
            ["patch"] = Operation(kind, "patch", true),
        };
        if (withDelete)
        {
            operations["delete"] = Operation(kind, "delete", false);
        }
        return operations;
    }

    private static JsonObject Operation(ResourceKind kind, string action, bool writes)
    {
        var parameters = new JsonArray();
        if (writes)
        {
            foreach (var name in new[] { "dryRun", "fieldManager", "fieldValidation" })
            {
                parameters.Add(
                    new JsonObject
                    {
                        ["name"] = name,
                        ["in"] = "query",
                        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
                    }
                );
            }
        }
        return new JsonObject
        {
            ["operationId"] = action + kind.Kind,
            ["parameters"] = parameters,
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = new JsonObject
            {
                ["group"] = kind.Group,
                ["version"] = kind.Version,
                ["kind"] = kind.Kind,
            },
        };
    }
}

using System.Text.Json.Nodes;

namespace Portal.Sandbox.Api;

/// <summary>The legacy (v1) discovery documents kubectl and client libraries read to map kinds to paths.</summary>
internal static class Discovery
{
    public const string MetricsGroup = "metrics.k8s.io";
    public const string MetricsVersion = "v1beta1";

    private static readonly string[] AllVerbs =
    [
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    ];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    public static JsonObject Version() =>
        new()
        {
            ["major"] = "1",
            ["minor"] = "32",
            ["emulationMajor"] = "1",
            ["emulationMinor"] = "32",
            ["gitVersion"] = "v1.32.0-sandbox",
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2025-01-01T00:00:00Z",
            ["goVersion"] = "go1.23.4",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };

    public static JsonObject CoreVersions(string serverAddress) =>
        new()
        {
            ["kind"] = "APIVersions",
            ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(
                new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }
            ),
        };

    public static JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var group in ResourceKinds.Groups)
        {
            groups.Add(Group(group.Key, group.First().Version));
        }
        groups.Add(Group(MetricsGroup, MetricsVersion));
        return new JsonObject
        {
            ["kind"] = "APIGroupList",
            ["apiVersion"] = "v1",
            ["groups"] = groups,
        };
    }

    public static JsonObject? GroupDocument(string group)
    {
        if (group == MetricsGroup)
        {
            return WithKind(Group(MetricsGroup, MetricsVersion));
        }
        var kind = ResourceKinds.All.FirstOrDefault(k => k.Group == group && group.Length > 0);
        return kind is null ? null : WithKind(Group(group, kind.Version));
    }

    public static JsonObject? ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        if (group == MetricsGroup && version == MetricsVersion)
        {
            resources.Add(Resource("nodes", "", false, "NodeMetrics", ["get", "list"], [], []));
            resources.Add(Resource("pods", "", true, "PodMetrics", ["get", "list"], [], []));
        }
        else
        {
            var kinds = ResourceKinds.All.Where(k => k.Group == group && k.Version == version).ToList();
            if (kinds.Count == 0)
            {
                return null;
            }
            foreach (var kind in kinds)
            {
                var verbs =
                    kind == ResourceKinds.Event || kind == ResourceKinds.Node || kind == ResourceKinds.Namespace
                        ? AllVerbs.Where(v => kind != ResourceKinds.Namespace || v != "deletecollection").ToArray()
                        : AllVerbs;
                resources.Add(
                    Resource(
                        kind.Plural,
                        kind.Singular,
                        kind.Namespaced,
                        kind.Kind,
                        verbs,
                        kind.ShortNames,
                        kind.Categories
                    )
                );
                if (kind.HasStatus)
                {
                    resources.Add(
                        Resource(kind.Plural + "/status", "", kind.Namespaced, kind.Kind, SubresourceVerbs, [], [])
                    );
                }
                if (kind.HasScale)
                {
                    var scale = Resource(kind.Plural + "/scale", "", true, "Scale", SubresourceVerbs, [], []);
                    scale["group"] = "autoscaling";
                    scale["version"] = "v1";
                    resources.Add(scale);
                }
                if (kind == ResourceKinds.Pod)
                {
                    resources.Add(Resource("pods/log", "", true, "Pod", ["get"], [], []));
                    var eviction = Resource("pods/eviction", "", true, "Eviction", ["create"], [], []);
                    eviction["group"] = "policy";
                    eviction["version"] = "v1";
                    resources.Add(eviction);
                }
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject WithKind(JsonObject group)
    {
        group["kind"] = "APIGroup";
        group["apiVersion"] = "v1";
        return group;
    }

    private static JsonObject Group(string name, string version)
    {
        var groupVersion = new JsonObject { ["groupVersion"] = $"{name}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray(groupVersion),
            ["preferredVersion"] = groupVersion.DeepClone(),
        };
    }

    private static JsonObject Resource(
        string name,
        string singular,
        bool namespaced,
        string kind,
        string[] verbs,
        string[] shortNames,
        string[] categories
    )
    {
        var resource = new JsonObject
        {
            ["name"] = name,
            ["singularName"] = singular,
            ["namespaced"] = namespaced,
            ["kind"] = kind,
            ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
        };
        if (shortNames.Length > 0)
        {
            resource["shortNames"] = new JsonArray([.. shortNames.Select(v => (JsonNode)v)]);
        }
        if (categories.Length > 0)
        {
            resource["categories"] = new JsonArray([.. categories.Select(v => (JsonNode)v)]);
        }
        return resource;
    }
}

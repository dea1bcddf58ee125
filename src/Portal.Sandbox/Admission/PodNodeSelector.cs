using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Admission;

/// <summary>
/// The PodNodeSelector admission plugin: a namespace's <c>scheduler.alpha.kubernetes.io/node-selector</c> annotation
/// ("key=value,key2=value2") is merged into the nodeSelector of every pod created in it; a pod that asks for another
/// value of one of its keys is refused, as the real plugin refuses it. There is no cluster-wide default selector and no
/// whitelist: a namespace without the annotation leaves its pods as they are.
/// </summary>
internal static class PodNodeSelector
{
    public const string Annotation = "scheduler.alpha.kubernetes.io/node-selector";

    public static void Apply(ResourceStore store, JsonObject pod, string name)
    {
        var ns = pod.Str("metadata", "namespace") ?? "";
        var selector = store.Get(ResourceKinds.Namespace, null, ns)?.Parse().Str("metadata", "annotations", Annotation);
        if (string.IsNullOrWhiteSpace(selector))
        {
            return;
        }
        var required = Parse(selector)
            ?? throw ApiException.Forbidden(
                ResourceKinds.Pod,
                name,
                $"unable to parse the node selector of namespace {ns}: \"{selector}\""
            );
        var own = pod.Ensure("spec", "nodeSelector");
        foreach (var (key, value) in required)
        {
            if (own.Str(key) is { } asked && asked != value)
            {
                throw ApiException.Forbidden(
                    ResourceKinds.Pod,
                    name,
                    "pod node label selector conflicts with its namespace node label selector"
                );
            }
        }
        foreach (var (key, value) in required)
        {
            own[key] = value;
        }
    }

    /// <summary>
    /// labels.ConvertSelectorToLabelsMap: equality requirements only ("a=b", "a==b"), separated by commas.
    /// </summary>
    private static Dictionary<string, string>? Parse(string selector)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (
            var part in selector.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        )
        {
            var pair = part.Replace("==", "=", StringComparison.Ordinal).Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || pair[0].Length == 0 || pair[1].Contains('!', StringComparison.Ordinal))
            {
                return null;
            }
            map[pair[0]] = pair[1];
        }
        return map;
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Metrics;

/// <summary>
/// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, as metrics-server serves them to kubectl top and HPAs.
/// </summary>
internal sealed class MetricsApi(ResourceStore store, UsageModel usage, TimeProvider time)
{
    private static readonly long NodeBaseCpuNano = 150_000_000;
    private static readonly long NodeBaseMemoryBytes = 1024L * 1024 * 1024;

    public async Task HandleAsync(HttpContext context, string[] rest)
    {
        if (context.Request.Method != "GET")
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
        var labels = LabelSelector.Parse(context.Request.Query["labelSelector"]);
        switch (rest)
        {
            case ["nodes"]:
                await KubernetesApi.WriteJsonAsync(
                    context,
                    200,
                    List(
                        "NodeMetricsList",
                        NodeMetrics(store.List(ResourceKinds.Node).Where(n => labels.Matches(n.Labels)))
                    )
                );
                return;
            case ["nodes", var node]:
                var nodeObject = store.Get(ResourceKinds.Node, null, node) ?? throw NotFound("nodes", node);
                await KubernetesApi.WriteJsonAsync(context, 200, NodeMetrics([nodeObject]).Single());
                return;
            case ["pods"]:
                await KubernetesApi.WriteJsonAsync(
                    context,
                    200,
                    List(
                        "PodMetricsList",
                        PodMetrics(store.List(ResourceKinds.Pod).Where(p => labels.Matches(p.Labels)))
                    )
                );
                return;
            case ["namespaces", var ns, "pods"]:
                await KubernetesApi.WriteJsonAsync(
                    context,
                    200,
                    List(
                        "PodMetricsList",
                        PodMetrics(store.List(ResourceKinds.Pod, ns).Where(p => labels.Matches(p.Labels)))
                    )
                );
                return;
            case ["namespaces", var ns, "pods", var name]:
                var pod = store.Get(ResourceKinds.Pod, ns, name);
                var metrics = pod is null ? null : PodMetrics([pod]).SingleOrDefault();
                await KubernetesApi.WriteJsonAsync(context, 200, metrics ?? throw NotFound("pods", name));
                return;
            default:
                throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }
    }

    private static ApiException NotFound(string resource, string name) =>
        new(
            404,
            "NotFound",
            $"{resource}.metrics.k8s.io \"{name}\" not found",
            new JsonObject
            {
                ["name"] = name,
                ["group"] = "metrics.k8s.io",
                ["kind"] = resource,
            }
        );

    private JsonObject List(string kind, IEnumerable<JsonObject> items) =>
        new()
        {
            ["kind"] = kind,
            ["apiVersion"] = "metrics.k8s.io/v1beta1",
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray([.. items]),
        };

    private IEnumerable<JsonObject> PodMetrics(IEnumerable<StoredObject> pods)
    {
        var now = time.GetUtcNow();
        foreach (var pod in pods.Where(p => p.Phase == "Running"))
        {
            var obj = pod.Parse();
            var containers = new JsonArray();
            foreach (var (name, cpu, memory) in usage.Containers(obj))
            {
                containers.Add(new JsonObject { ["name"] = name, ["usage"] = Usage(cpu, memory) });
            }
            yield return new JsonObject
            {
                ["kind"] = "PodMetrics",
                ["apiVersion"] = "metrics.k8s.io/v1beta1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = pod.Name,
                    ["namespace"] = pod.Namespace,
                    ["creationTimestamp"] = Clock.Rfc3339(now),
                    ["labels"] = pod.Labels.ToJsonObject(),
                },
                ["timestamp"] = Clock.Rfc3339(now),
                ["window"] = "15s",
                ["containers"] = containers,
            };
        }
    }

    private IEnumerable<JsonObject> NodeMetrics(IEnumerable<StoredObject> nodes)
    {
        var now = time.GetUtcNow();
        var byNode = store
            .List(ResourceKinds.Pod)
            .Where(p => p.Phase == "Running" && p.NodeName is not null)
            .GroupBy(p => p.NodeName!)
            .ToDictionary(g => g.Key, g => g.ToList());
        foreach (var node in nodes)
        {
            long cpu = NodeBaseCpuNano,
                memory = NodeBaseMemoryBytes;
            foreach (var pod in byNode.GetValueOrDefault(node.Name) ?? [])
            {
                foreach (var (_, c, m) in usage.Containers(pod.Parse()))
                {
                    cpu += c;
                    memory += m;
                }
            }
            yield return new JsonObject
            {
                ["kind"] = "NodeMetrics",
                ["apiVersion"] = "metrics.k8s.io/v1beta1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = node.Name,
                    ["creationTimestamp"] = Clock.Rfc3339(now),
                    ["labels"] = node.Labels.ToJsonObject(),
                },
                ["timestamp"] = Clock.Rfc3339(now),
                ["window"] = "20s",
                ["usage"] = Usage(cpu, memory),
            };
        }
    }

    private static JsonObject Usage(long cpuNano, long memoryBytes) =>
        new()
        {
            ["cpu"] = cpuNano.ToString(CultureInfo.InvariantCulture) + "n",
            ["memory"] = (memoryBytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki",
        };
}

using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Hosting;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>Creates the simulated nodes and keeps their heartbeats (lastHeartbeatTime) fresh.</summary>
internal sealed class NodeFleet(ResourceRegistry registry, SandboxOptions options) : IController
{
    private readonly Dictionary<string, DateTimeOffset> _nextHeartbeat = new(StringComparer.Ordinal);

    public static string NodeName(int index, int count) =>
        "sandbox-node-"
        + (index + 1)
            .ToString(CultureInfo.InvariantCulture)
            .PadLeft(Math.Max(2, count.ToString(CultureInfo.InvariantCulture).Length), '0');

    public static string NodeAddress(int index) => $"10.0.{index / 250}.{index % 250 + 2}";

    public void CreateNodes()
    {
        for (var i = 0; i < options.NodeCount; i++)
        {
            registry.Create(ResourceKinds.Node, null, Node(i));
        }
    }

    private JsonObject Node(int index)
    {
        var name = NodeName(index, options.NodeCount);
        var zone = options.Zones.Count == 0 ? "zone-a" : options.Zones[index % options.Zones.Count];
        var now = registry.Now;
        var capacity = new JsonObject
        {
            ["cpu"] = options.NodeCpu,
            ["memory"] = options.NodeMemory,
            ["ephemeral-storage"] = options.NodeEphemeralStorage,
            ["pods"] = options.NodeMaxPods.ToString(CultureInfo.InvariantCulture),
            ["hugepages-2Mi"] = "0",
        };
        JsonObject Condition(string type, string status, string reason, string message) =>
            new()
            {
                ["type"] = type,
                ["status"] = status,
                ["lastHeartbeatTime"] = now,
                ["lastTransitionTime"] = now,
                ["reason"] = reason,
                ["message"] = message,
            };
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject
                {
                    ["beta.kubernetes.io/arch"] = "amd64",
                    ["beta.kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = "amd64",
                    ["kubernetes.io/hostname"] = name,
                    ["kubernetes.io/os"] = "linux",
                    ["node-role.kubernetes.io/worker"] = "",
                    ["node.kubernetes.io/instance-type"] = "sandbox.standard",
                    ["topology.kubernetes.io/region"] = "sandbox-1",
                    ["topology.kubernetes.io/zone"] = zone,
                },
                ["annotations"] = new JsonObject { ["node.alpha.kubernetes.io/ttl"] = "0" },
            },
            ["spec"] = new JsonObject
            {
                ["podCIDR"] = $"10.244.{index % 250}.0/24",
                ["providerID"] = $"sandbox://{name}",
            },
            ["status"] = new JsonObject
            {
                ["capacity"] = capacity,
                ["allocatable"] = capacity.DeepClone(),
                ["conditions"] = new JsonArray(
                    Condition(
                        "MemoryPressure",
                        "False",
                        "KubeletHasSufficientMemory",
                        "kubelet has sufficient memory available"
                    ),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition(
                        "PIDPressure",
                        "False",
                        "KubeletHasSufficientPID",
                        "kubelet has sufficient PID available"
                    ),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")
                ),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = NodeAddress(index) },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }
                ),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = UsageModelHash(name),
                    ["systemUUID"] = UsageModelHash(name + "-uuid"),
                    ["bootID"] = UsageModelHash(name + "-boot"),
                    ["kernelVersion"] = "6.1.0-sandbox",
                    ["osImage"] = "Sandbox Linux 1.0",
                    ["containerRuntimeVersion"] = "containerd://1.7.22",
                    ["kubeletVersion"] = "v1.32.0",
                    ["kubeProxyVersion"] = "v1.32.0",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        };
    }

    private static string UsageModelHash(string text) =>
        Metrics.UsageModel.StableHash(text).ToString("x8", CultureInfo.InvariantCulture) + "0000sandbox";

    public void Observe(ChangeEvent change, DateTimeOffset now) { }

    public void Reconcile(DateTimeOffset now)
    {
        var interval = options.NodeHeartbeatInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }
        var updated = 0;
        foreach (var node in registry.Store.List(ResourceKinds.Node))
        {
            if (!_nextHeartbeat.TryGetValue(node.Name, out var due))
            {
                // Spread first heartbeats over one interval so a large fleet does not beat in step.
                _nextHeartbeat[node.Name] = now + interval * (Metrics.UsageModel.StableHash(node.Name) % 1000 / 1000.0);
                continue;
            }
            if (due > now || updated >= 50)
            {
                continue;
            }
            _nextHeartbeat[node.Name] = now + interval;
            var stamp = Clock.Rfc3339(now);
            registry.Mutate(ResourceKinds.Node, null, node.Name, o =>
            {
                foreach (var condition in o.Arr("status", "conditions").Objects())
                {
                    condition["lastHeartbeatTime"] = stamp;
                }
                return true;
            });
            updated++;
        }
    }
}

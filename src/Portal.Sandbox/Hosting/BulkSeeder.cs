using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Hosting;

/// <summary>Fills the store with already-running pods spread over the nodes, for memory and list benchmarks.</summary>
internal static class BulkSeeder
{
    public static int SeedRunningPods(
        ResourceRegistry registry,
        string ns,
        int count,
        string cpuRequest,
        string memoryRequest
    )
    {
        if (registry.Store.Get(ResourceKinds.Namespace, null, ns) is null)
        {
            registry.Create(
                ResourceKinds.Namespace,
                null,
                new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }
            );
        }
        var nodes = registry.Store.List(ResourceKinds.Node).Select(n => n.Name).ToArray();
        var now = registry.Now;
        for (var i = 0; i < count; i++)
        {
            var app = $"app-{i % 500}";
            var name = $"{app}-{i:x6}";
            var node = nodes.Length == 0 ? null : nodes[i % nodes.Length];
            var pod = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["labels"] = new JsonObject { ["app"] = app, ["tier"] = i % 3 == 0 ? "web" : "worker" },
                },
                ["spec"] = new JsonObject
                {
                    ["nodeName"] = node,
                    ["containers"] = new JsonArray(
                        new JsonObject
                        {
                            ["name"] = "main",
                            ["image"] = "registry.example/app:1.0",
                            ["resources"] = new JsonObject
                            {
                                ["requests"] = new JsonObject { ["cpu"] = cpuRequest, ["memory"] = memoryRequest },
                            },
                        }
                    ),
                },
                ["status"] = new JsonObject
                {
                    ["phase"] = "Running",
                    ["podIP"] = $"10.244.{i / 250 % 250}.{i % 250 + 2}",
                    ["startTime"] = now,
                    ["conditions"] = new JsonArray(
                        new JsonObject
                        {
                            ["type"] = "Ready",
                            ["status"] = "True",
                            ["lastTransitionTime"] = now,
                        }
                    ),
                    ["containerStatuses"] = new JsonArray(
                        new JsonObject
                        {
                            ["name"] = "main",
                            ["ready"] = true,
                            ["restartCount"] = 0,
                            ["started"] = true,
                            ["image"] = "registry.example/app:1.0",
                            ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                        }
                    ),
                },
            };
            var created = registry.Create(ResourceKinds.Pod, ns, pod);
            _ = created;
        }
        return count;
    }
}

using System.Text.Json.Nodes;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Api;

/// <summary>
/// Server-side printing (meta.k8s.io/v1 Table) with the columns kubectl shows for each kind, since kubectl
/// no longer carries printers of its own for built-in types.
/// </summary>
internal static class TablePrinter
{
    private sealed record Column(
        string Name,
        string Type,
        int Priority,
        Func<JsonObject, DateTimeOffset, JsonNode?> Cell
    );

    public static bool Wants(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Print(
        ResourceKind kind,
        IEnumerable<StoredObject> items,
        DateTimeOffset now,
        bool includeFullObject,
        JsonObject listMetadata
    )
    {
        var columns = Columns(kind);
        var definitions = new JsonArray();
        foreach (var column in columns)
        {
            definitions.Add(
                new JsonObject
                {
                    ["name"] = column.Name,
                    ["type"] = column.Type,
                    ["format"] = column.Name == "Name" ? "name" : "",
                    ["description"] = column.Name,
                    ["priority"] = column.Priority,
                }
            );
        }
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var obj = item.Parse();
            var cells = new JsonArray();
            foreach (var column in columns)
            {
                cells.Add(column.Cell(obj, now));
            }
            var rowObject = includeFullObject
                ? obj
                : new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj["metadata"]?.DeepClone(),
                };
            rows.Add(new JsonObject { ["cells"] = cells, ["object"] = rowObject });
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMetadata,
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static string Age(JsonObject o, DateTimeOffset now) =>
        Clock.Parse(o.Str("metadata", "creationTimestamp")) is { } created
            ? Clock.HumanDuration(now - created)
            : "<unknown>";

    private static Column Name => new("Name", "string", 0, (o, _) => o.Str("metadata", "name"));

    private static Column AgeColumn => new("Age", "string", 0, (o, now) => Age(o, now));

    private static JsonNode? PodReady(JsonObject o, DateTimeOffset now)
    {
        var statuses = o.Arr("status", "containerStatuses").Objects().ToList();
        var total = o.Arr("spec", "containers")?.Count ?? 0;
        return $"{statuses.Count(s => s.Bool("ready") == true)}/{total}";
    }

    private static JsonNode? NodeStatus(JsonObject o, DateTimeOffset now)
    {
        var ready =
            o.Arr("status", "conditions").Objects().FirstOrDefault(c => c.Str("type") == "Ready")?.Str("status")
            == "True"
                ? "Ready"
                : "NotReady";
        return o.Bool("spec", "unschedulable") == true ? ready + ",SchedulingDisabled" : ready;
    }

    private static JsonNode? NodeRoles(JsonObject o, DateTimeOffset now)
    {
        var roles = o.Obj("metadata", "labels")
            .StringMap()
            .Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..])
            .ToList();
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    private static JsonNode? JobStatus(JsonObject o, DateTimeOffset now)
    {
        var conditions = o.Arr("status", "conditions").Objects().ToList();
        return conditions.Any(c => c.Str("type") == "Complete" && c.Str("status") == "True") ? "Complete"
            : conditions.Any(c => c.Str("type") == "Failed" && c.Str("status") == "True") ? "Failed"
            : "Running";
    }

    private static JsonNode? JobDuration(JsonObject o, DateTimeOffset now)
    {
        var start = Clock.Parse(o.Str("status", "startTime"));
        var end = Clock.Parse(o.Str("status", "completionTime")) ?? now;
        return start is null ? "" : Clock.HumanDuration(end - start.Value);
    }

    private static JsonNode? ServicePorts(JsonObject o, DateTimeOffset now)
    {
        var ports = o.Arr("spec", "ports")
            .Objects()
            .Select(p => $"{p.Long("port")}/{p.Str("protocol") ?? "TCP"}")
            .ToList();
        return ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }

    private static JsonNode? AutoscalerTargets(JsonObject o, DateTimeOffset now)
    {
        var current = o.Arr("status", "currentMetrics")
            .Objects()
            .FirstOrDefault()
            ?.Long("resource", "current", "averageUtilization");
        var target = o.Arr("spec", "metrics")
            .Objects()
            .FirstOrDefault()
            ?.Long("resource", "target", "averageUtilization");
        return $"cpu: {(current is null ? "<unknown>" : current + "%")}/{target}%";
    }

    private static List<Column> Columns(ResourceKind kind)
    {
        if (kind == ResourceKinds.Pod)
        {
            return
            [
                Name,
                new("Ready", "string", 0, PodReady),
                new("Status", "string", 0, (o, _) => PodStatus(o)),
                new("Restarts", "string", 0, (o, _) =>
                    o.Arr("status", "containerStatuses")
                        .Objects()
                        .Sum(s => s.Long("restartCount") ?? 0)
                        .ToString(System.Globalization.CultureInfo.InvariantCulture)
                ),
                AgeColumn,
                new("IP", "string", 1, (o, _) => o.Str("status", "podIP") ?? "<none>"),
                new("Node", "string", 1, (o, _) => o.Str("spec", "nodeName") ?? "<none>"),
                new("Nominated Node", "string", 1, (_, _) => "<none>"),
                new("Readiness Gates", "string", 1, (_, _) => "<none>"),
            ];
        }
        if (kind == ResourceKinds.Node)
        {
            return
            [
                Name,
                new("Status", "string", 0, NodeStatus),
                new("Roles", "string", 0, NodeRoles),
                AgeColumn,
                new("Version", "string", 0, (o, _) => o.Str("status", "nodeInfo", "kubeletVersion")),
                new("Internal-IP", "string", 1, (o, _) =>
                    o.Arr("status", "addresses")
                        .Objects()
                        .FirstOrDefault(a => a.Str("type") == "InternalIP")
                        ?.Str("address")
                    ?? "<none>"
                ),
                new("External-IP", "string", 1, (_, _) => "<none>"),
                new("OS-Image", "string", 1, (o, _) => o.Str("status", "nodeInfo", "osImage")),
                new("Kernel-Version", "string", 1, (o, _) => o.Str("status", "nodeInfo", "kernelVersion")),
                new("Container-Runtime", "string", 1, (o, _) => o.Str("status", "nodeInfo", "containerRuntimeVersion")),
            ];
        }
        if (kind == ResourceKinds.Namespace)
        {
            return [Name, new("Status", "string", 0, (o, _) => o.Str("status", "phase")), AgeColumn];
        }
        if (kind == ResourceKinds.Deployment)
        {
            return
            [
                Name,
                new("Ready", "string", 0, (o, _) =>
                    $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 0}"
                ),
                new("Up-to-date", "integer", 0, (o, _) => o.Long("status", "updatedReplicas") ?? 0),
                new("Available", "integer", 0, (o, _) => o.Long("status", "availableReplicas") ?? 0),
                AgeColumn,
            ];
        }
        if (kind == ResourceKinds.ReplicaSet)
        {
            return
            [
                Name,
                new("Desired", "integer", 0, (o, _) => o.Long("spec", "replicas") ?? 0),
                new("Current", "integer", 0, (o, _) => o.Long("status", "replicas") ?? 0),
                new("Ready", "integer", 0, (o, _) => o.Long("status", "readyReplicas") ?? 0),
                AgeColumn,
            ];
        }
        if (kind == ResourceKinds.StatefulSet)
        {
            return
            [
                Name,
                new("Ready", "string", 0, (o, _) =>
                    $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 0}"
                ),
                AgeColumn,
            ];
        }
        if (kind == ResourceKinds.Job)
        {
            return
            [
                Name,
                new("Status", "string", 0, JobStatus),
                new("Completions", "string", 0, (o, _) =>
                    $"{o.Long("status", "succeeded") ?? 0}/{o.Long("spec", "completions") ?? 1}"
                ),
                new("Duration", "string", 0, JobDuration),
                AgeColumn,
            ];
        }
        if (kind == ResourceKinds.Service)
        {
            return
            [
                Name,
                new("Type", "string", 0, (o, _) => o.Str("spec", "type")),
                new("Cluster-IP", "string", 0, (o, _) => o.Str("spec", "clusterIP")),
                new("External-IP", "string", 0, (_, _) => "<none>"),
                new("Port(s)", "string", 0, ServicePorts),
                AgeColumn,
            ];
        }
        if (kind == ResourceKinds.Event)
        {
            return
            [
                new("Last Seen", "string", 0, (o, now) =>
                    Clock.Parse(o.Str("lastTimestamp")) is { } t ? Clock.HumanDuration(now - t) : "<unknown>"
                ),
                new("Type", "string", 0, (o, _) => o.Str("type")),
                new("Reason", "string", 0, (o, _) => o.Str("reason")),
                new("Object", "string", 0, (o, _) =>
                    $"{o.Str("involvedObject", "kind")?.ToLowerInvariant()}/{o.Str("involvedObject", "name")}"
                ),
                new("Message", "string", 0, (o, _) => o.Str("message")),
                Name with
                {
                    Priority = 1,
                },
            ];
        }
        if (kind == ResourceKinds.HorizontalPodAutoscaler)
        {
            return
            [
                Name,
                new("Reference", "string", 0, (o, _) =>
                    $"{o.Str("spec", "scaleTargetRef", "kind")}/{o.Str("spec", "scaleTargetRef", "name")}"
                ),
                new("Targets", "string", 0, AutoscalerTargets),
                new("MinPods", "integer", 0, (o, _) => o.Long("spec", "minReplicas") ?? 1),
                new("MaxPods", "integer", 0, (o, _) => o.Long("spec", "maxReplicas") ?? 0),
                new("Replicas", "integer", 0, (o, _) => o.Long("status", "currentReplicas") ?? 0),
                AgeColumn,
            ];
        }
        if (kind == ResourceKinds.PersistentVolumeClaim)
        {
            return
            [
                Name,
                new("Status", "string", 0, (o, _) => o.Str("status", "phase")),
                new("Volume", "string", 0, (o, _) => o.Str("spec", "volumeName") ?? ""),
                new("Capacity", "string", 0, (o, _) => o.Str("status", "capacity", "storage") ?? ""),
                new("Access Modes", "string", 0, (o, _) => string.Join(
                        ",",
                        o.Arr("status", "accessModes")
                            ?.Select(m =>
                                m?.ToString() switch
                                {
                                    "ReadWriteOnce" => "RWO",
                                    "ReadOnlyMany" => "ROX",
                                    "ReadWriteMany" => "RWX",
                                    var other => other,
                                }
                            )
                            ?? []
                    )),
                new("StorageClass", "string", 0, (o, _) => o.Str("spec", "storageClassName") ?? ""),
                AgeColumn,
            ];
        }
        if (kind == ResourceKinds.PodDisruptionBudget)
        {
            return
            [
                Name,
                new("Min Available", "string", 0, (o, _) => o.At("spec", "minAvailable")?.ToString() ?? "N/A"),
                new("Max Unavailable", "string", 0, (o, _) => o.At("spec", "maxUnavailable")?.ToString() ?? "N/A"),
                new("Allowed Disruptions", "integer", 0, (o, _) => o.Long("status", "disruptionsAllowed") ?? 0),
                AgeColumn,
            ];
        }
        if (kind == ResourceKinds.ConfigMap || kind == ResourceKinds.Secret)
        {
            var typeColumn =
                kind == ResourceKinds.Secret ? new Column("Type", "string", 0, (o, _) => o.Str("type")) : null;
            var data = new Column("Data", "integer", 0, (o, _) =>
                (o.Obj("data")?.Count ?? 0) + (o.Obj("binaryData")?.Count ?? 0) + (o.Obj("stringData")?.Count ?? 0)
            );
            return typeColumn is null ? [Name, data, AgeColumn] : [Name, typeColumn, data, AgeColumn];
        }
        return [Name, AgeColumn];
    }

    /// <summary>The STATUS column of kubectl get pods: a waiting or terminated reason wins over the phase.</summary>
    public static string PodStatus(JsonObject pod)
    {
        if (pod.Str("metadata", "deletionTimestamp") is not null)
        {
            return "Terminating";
        }
        var reason = pod.Str("status", "phase") ?? "Unknown";
        foreach (var status in pod.Arr("status", "containerStatuses").Objects())
        {
            if (status.Str("state", "waiting", "reason") is { Length: > 0 } waiting)
            {
                reason = waiting;
            }
            else if (status.Str("state", "terminated", "reason") is { Length: > 0 } terminated && reason != "Succeeded")
            {
                reason = terminated;
            }
        }
        if (reason == "Pending" && pod.Str("spec", "nodeName") is not null)
        {
            reason = "ContainerCreating";
        }
        return reason;
    }
}

using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;

namespace Portal.Sandbox.Admission;

/// <summary>
/// The defaulting the API server applies on create, limited to the fields clients commonly read back.
/// </summary>
internal static class ObjectDefaults
{
    private static int _nextServiceIp = 10;

    public static void Apply(ResourceKind kind, JsonObject obj)
    {
        var spec = kind.HasSpec ? obj.Ensure("spec") : null;
        if (kind == ResourceKinds.Namespace)
        {
            obj.Ensure("metadata", "labels")["kubernetes.io/metadata.name"] = obj.Str("metadata", "name");
            obj.Ensure("spec")["finalizers"] ??= new JsonArray("kubernetes");
            obj.Ensure("status")["phase"] = "Active";
        }
        else if (kind == ResourceKinds.Pod)
        {
            DefaultPodSpec(spec!);
            var status = obj.Ensure("status");
            status["phase"] ??= "Pending";
            status["qosClass"] = QosClass(spec!);
        }
        else if (kind == ResourceKinds.Deployment)
        {
            spec!["replicas"] ??= 1;
            spec["revisionHistoryLimit"] ??= 10;
            spec["progressDeadlineSeconds"] ??= 600;
            if (spec.Obj("strategy") is not { } strategy)
            {
                strategy = new JsonObject { ["type"] = "RollingUpdate" };
                spec["strategy"] = strategy;
            }
            if (strategy.Str("type") is null or "RollingUpdate")
            {
                strategy["type"] = "RollingUpdate";
                var rolling = strategy.Ensure("rollingUpdate");
                rolling["maxSurge"] ??= "25%";
                rolling["maxUnavailable"] ??= "25%";
            }
            DefaultPodSpec(spec.Ensure("template", "spec"));
        }
        else if (kind == ResourceKinds.ReplicaSet)
        {
            spec!["replicas"] ??= 1;
            DefaultPodSpec(spec.Ensure("template", "spec"));
        }
        else if (kind == ResourceKinds.StatefulSet)
        {
            spec!["replicas"] ??= 1;
            spec["podManagementPolicy"] ??= "OrderedReady";
            spec["revisionHistoryLimit"] ??= 10;
            spec["updateStrategy"] ??= new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["partition"] = 0 },
            };
            DefaultPodSpec(spec.Ensure("template", "spec"));
        }
        else if (kind == ResourceKinds.Job)
        {
            spec!["parallelism"] ??= 1;
            spec["completions"] ??= 1;
            spec["backoffLimit"] ??= 6;
            spec["completionMode"] ??= "NonIndexed";
            spec["suspend"] ??= false;
            var uid = obj.Str("metadata", "uid")!;
            var name = obj.Str("metadata", "name")!;
            if (spec["selector"] is null)
            {
                spec["selector"] = new JsonObject
                {
                    ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid },
                };
                var labels = obj.Ensure("spec", "template", "metadata", "labels");
                labels["batch.kubernetes.io/controller-uid"] = uid;
                labels["batch.kubernetes.io/job-name"] = name;
                labels["controller-uid"] = uid;
                labels["job-name"] = name;
            }
            DefaultPodSpec(spec.Ensure("template", "spec"));
        }
        else if (kind == ResourceKinds.Service)
        {
            spec!["type"] ??= "ClusterIP";
            spec["sessionAffinity"] ??= "None";
            if (spec["clusterIP"] is null)
            {
                var n = Interlocked.Increment(ref _nextServiceIp);
                var ip = $"10.96.{n / 250 % 250}.{n % 250 + 1}";
                spec["clusterIP"] = ip;
                spec["clusterIPs"] = new JsonArray(ip);
            }
            foreach (var port in spec.Arr("ports").Objects())
            {
                port["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]?.DeepClone();
            }
            obj.Ensure("status")["loadBalancer"] ??= new JsonObject();
        }
        else if (kind == ResourceKinds.PersistentVolumeClaim)
        {
            spec!["volumeMode"] ??= "Filesystem";
            spec["storageClassName"] ??= "standard";
            obj.Ensure("status")["phase"] ??= "Pending";
        }
        else if (kind == ResourceKinds.HorizontalPodAutoscaler)
        {
            spec!["minReplicas"] ??= 1;
            if (spec.Arr("metrics") is null)
            {
                spec["metrics"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Resource",
                        ["resource"] = new JsonObject
                        {
                            ["name"] = "cpu",
                            ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 80 },
                        },
                    }
                );
            }
        }
        else if (kind == ResourceKinds.Secret)
        {
            obj["type"] ??= "Opaque";
            FoldStringData(obj);
        }
    }

    /// <summary>
    /// Writes a Secret's write-only stringData into data (base64), as the API server's conversion does; stringData
    /// wins over data for the same key and is never stored.
    /// </summary>
    public static void FoldStringData(JsonObject secret)
    {
        if (secret["stringData"] is not JsonObject stringData)
        {
            secret.Remove("stringData");
            return;
        }
        var data = secret.Ensure("data");
        foreach (var (key, value) in stringData)
        {
            data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value?.ToString() ?? ""));
        }
        secret.Remove("stringData");
    }

    private static void DefaultPodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["serviceAccountName"] ??= "default";
        spec["securityContext"] ??= new JsonObject();
        foreach (var container in spec.Arr("containers").Objects().Concat(spec.Arr("initContainers").Objects()))
        {
            container["resources"] ??= new JsonObject();
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
            var image = container.Str("image") ?? "";
            container["imagePullPolicy"] ??=
                image.EndsWith(":latest", StringComparison.Ordinal) || !image.Contains(':', StringComparison.Ordinal)
                    ? "Always"
                    : "IfNotPresent";
            foreach (var port in container.Arr("ports").Objects())
            {
                port["protocol"] ??= "TCP";
            }
        }
    }

    public static string QosClass(JsonObject spec)
    {
        var containers = spec.Arr("containers").Objects().ToList();
        var anyResources = containers.Any(c =>
            c.Obj("resources", "requests")?.Count > 0 || c.Obj("resources", "limits")?.Count > 0
        );
        if (!anyResources)
        {
            return "BestEffort";
        }
        var guaranteed = containers.All(c =>
        {
            var requests = c.Obj("resources", "requests").StringMap();
            var limits = c.Obj("resources", "limits").StringMap();
            return limits.ContainsKey("cpu")
                && limits.ContainsKey("memory")
                && (
                    !requests.TryGetValue("cpu", out var rc)
                    || Quantity.Parse(rc).Value == Quantity.Parse(limits["cpu"]).Value
                )
                && (
                    !requests.TryGetValue("memory", out var rm)
                    || Quantity.Parse(rm).Value == Quantity.Parse(limits["memory"]).Value
                );
        });
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}

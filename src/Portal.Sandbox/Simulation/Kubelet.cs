using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Hosting;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>
/// The kubelets of all simulated nodes: bound pods start after <see cref="SandboxOptions.PodStartDelay"/>.
/// Image names steer the outcome: "crashloop" crashes and restarts, "notfound" fails to pull, "fail" makes a
/// run-to-completion pod fail; pods with restartPolicy Never/OnFailure succeed after
/// <see cref="SandboxOptions.JobPodDuration"/>.
/// </summary>
internal sealed class Kubelet(ResourceRegistry registry, SandboxOptions options, EventRecorder events) : IController
{
    private const string Component = "kubelet";

    private readonly WorkQueue _timers = new();
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);
    private int _nextIp;

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        var pod = change.Object;
        if (pod.Kind != ResourceKinds.Pod)
        {
            return;
        }
        if (change.Type == ChangeType.Deleted)
        {
            _started.Remove(pod.Uid);
            return;
        }
        if (pod.NodeName is not null && pod.Phase == "Pending" && !pod.Terminating && _started.Add(pod.Uid))
        {
            _timers.AddAfter("start|" + ObjectKeys.Of(pod) + "|" + pod.Uid, now + options.PodStartDelay);
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        foreach (var timer in _timers.TakeReady(now))
        {
            var parts = timer.Split('|');
            var (ns, name) = ObjectKeys.Split(parts[1]);
            var pod = registry.Store.Get(ResourceKinds.Pod, ns, name);
            if (pod is null || pod.Uid != parts[2])
            {
                continue;
            }
            switch (parts[0])
            {
                case "start":
                    Start(pod, now);
                    break;
                case "pullbackoff":
                    PullBackOff(pod);
                    break;
                case "restart":
                    Restart(pod, now);
                    break;
                case "complete":
                    Complete(pod);
                    break;
            }
        }
    }

    private static bool CrashLoops(string image) => image.Contains("crashloop", StringComparison.OrdinalIgnoreCase);

    private static bool NotFound(string image) => image.Contains("notfound", StringComparison.OrdinalIgnoreCase);

    private static string ContainerId(string seed) =>
        "containerd://"
        + Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed))
        );

    private static string ImageId(string image) =>
        (
            image.Contains('/', StringComparison.Ordinal)
                ? image.Split(':')[0]
                : "docker.io/library/" + image.Split(':')[0]
        )
        + "@sha256:"
        + Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(image))
        );

    private void Start(StoredObject pod, DateTimeOffset now)
    {
        var stamp = Clock.Rfc3339(now);
        var node = registry.Store.Get(ResourceKinds.Node, null, pod.NodeName!);
        var hostIp = node?.Parse()
            .Arr("status", "addresses")
            .Objects()
            .FirstOrDefault(a => a.Str("type") == "InternalIP")
            ?.Str("address")
            ?? "10.0.0.2";
        var n = Interlocked.Increment(ref _nextIp);
        var podIp = $"10.244.{n / 250 % 250}.{n % 250 + 2}";
        var images = new List<(string Container, string Image)>();
        var runToCompletion = false;
        var updated = registry.Mutate(ResourceKinds.Pod, pod.Namespace, pod.Name, o =>
        {
            var spec = o.Obj("spec")!;
            runToCompletion = spec.Str("restartPolicy") is "Never" or "OnFailure";
            var status = o.Ensure("status");
            status["hostIP"] = hostIp;
            status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
            status["podIP"] = podIp;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
            status["startTime"] ??= stamp;
            var statuses = new JsonArray();
            var allReady = true;
            var pulling = false;
            foreach (var container in spec.Arr("containers").Objects())
            {
                var name = container.Str("name")!;
                var image = container.Str("image")!;
                images.Add((name, image));
                var containerStatus = new JsonObject { ["name"] = name };
                if (NotFound(image))
                {
                    pulling = true;
                    allReady = false;
                    containerStatus["state"] = new JsonObject
                    {
                        ["waiting"] = new JsonObject
                        {
                            ["reason"] = "ErrImagePull",
                            ["message"] =
                                $"failed to pull and unpack image \"{image}\": failed to resolve "
                                + $"reference \"{image}\": {image}: not found",
                        },
                    };
                    containerStatus["lastState"] = new JsonObject();
                    containerStatus["ready"] = false;
                    containerStatus["restartCount"] = 0;
                    containerStatus["image"] = image;
                    containerStatus["imageID"] = "";
                    containerStatus["started"] = false;
                }
                else if (CrashLoops(image))
                {
                    allReady = false;
                    containerStatus["state"] = CrashWaiting(name, o);
                    containerStatus["lastState"] = Terminated(
                        1,
                        "Error",
                        stamp,
                        stamp,
                        ContainerId(pod.Uid + name + "0")
                    );
                    containerStatus["ready"] = false;
                    containerStatus["restartCount"] = 1;
                    containerStatus["image"] = image;
                    containerStatus["imageID"] = ImageId(image);
                    containerStatus["containerID"] = ContainerId(pod.Uid + name + "1");
                    containerStatus["started"] = false;
                }
                else
                {
                    containerStatus["state"] = new JsonObject
                    {
                        ["running"] = new JsonObject { ["startedAt"] = stamp },
                    };
                    containerStatus["lastState"] = new JsonObject();
                    containerStatus["ready"] = true;
                    containerStatus["restartCount"] = 0;
                    containerStatus["image"] = image;
                    containerStatus["imageID"] = ImageId(image);
                    containerStatus["containerID"] = ContainerId(pod.Uid + name);
                    containerStatus["started"] = true;
                }
                statuses.Add(containerStatus);
            }
            status["containerStatuses"] = statuses;
            status["phase"] = pulling ? "Pending" : "Running";
            SetReadiness(status, allReady, statuses, stamp);
            return true;
        });
        if (updated is null)
        {
            return;
        }
        var key = ObjectKeys.Of(updated) + "|" + updated.Uid;
        var anyFailure = false;
        foreach (var (container, image) in images)
        {
            if (NotFound(image))
            {
                anyFailure = true;
                Lifecycle(updated, "Pulling", $"Pulling image \"{image}\"");
                events.Warning(
                    updated,
                    "Failed",
                    $"Failed to pull image \"{image}\": rpc error: code = NotFound desc = "
                        + $"failed to pull and unpack image \"{image}\": failed to resolve "
                        + $"reference \"{image}\": {image}: not found",
                    Component
                );
                events.Warning(updated, "Failed", "Error: ErrImagePull", Component);
                _timers.AddAfter("pullbackoff|" + key, now + options.PodStartDelay);
                continue;
            }
            Lifecycle(updated, "Pulled", $"Container image \"{image}\" already present on machine");
            Lifecycle(updated, "Created", $"Created container: {container}");
            Lifecycle(updated, "Started", $"Started container {container}");
            if (CrashLoops(image))
            {
                anyFailure = true;
                events.Warning(
                    updated,
                    "BackOff",
                    $"Back-off restarting failed container {container} in pod "
                        + $"{updated.Name}_{updated.Namespace}({updated.Uid})",
                    Component
                );
                _timers.AddAfter("restart|" + key, now + options.CrashLoopRestartInterval);
            }
        }
        if (runToCompletion && !anyFailure)
        {
            _timers.AddAfter("complete|" + key, now + options.JobPodDuration);
        }
    }

    private void Lifecycle(StoredObject pod, string reason, string message)
    {
        if (options.RecordPodLifecycleEvents)
        {
            events.Normal(pod, reason, message, Component);
        }
    }

    private static JsonObject CrashWaiting(string container, JsonObject pod) =>
        new()
        {
            ["waiting"] = new JsonObject
            {
                ["reason"] = "CrashLoopBackOff",
                ["message"] =
                    $"back-off 10s restarting failed container={container} "
                    + $"pod={pod.Str("metadata", "name")}_{pod.Str("metadata", "namespace")}("
                    + $"{pod.Str("metadata", "uid")})",
            },
        };

    private static JsonObject Terminated(
        int exitCode,
        string reason,
        string startedAt,
        string finishedAt,
        string containerId
    ) =>
        new()
        {
            ["terminated"] = new JsonObject
            {
                ["exitCode"] = exitCode,
                ["reason"] = reason,
                ["startedAt"] = startedAt,
                ["finishedAt"] = finishedAt,
                ["containerID"] = containerId,
            },
        };

    private static void SetReadiness(
        JsonObject status,
        bool ready,
        JsonArray statuses,
        string now,
        string? notReadyReason = null
    )
    {
        var unready = statuses.Objects().Where(s => s.Bool("ready") != true).Select(s => s.Str("name")).ToList();
        var reason = ready ? null : notReadyReason ?? "ContainersNotReady";
        var message =
            ready ? null
            : notReadyReason is null ? $"containers with unready status: [{string.Join(" ", unready)}]"
            : null;
        status.SetCondition("PodReadyToStartContainers", "True", null, null, now, withProbeTimes: true);
        status.SetCondition("Initialized", "True", null, null, now, withProbeTimes: true);
        status.SetCondition("Ready", ready ? "True" : "False", reason, message, now, withProbeTimes: true);
        status.SetCondition("ContainersReady", ready ? "True" : "False", reason, message, now, withProbeTimes: true);
        status.SetCondition("PodScheduled", "True", null, null, now, withProbeTimes: true);
    }

    private void PullBackOff(StoredObject pod)
    {
        var images = new List<string>();
        var updated = registry.Mutate(ResourceKinds.Pod, pod.Namespace, pod.Name, o =>
        {
            foreach (var status in o.Arr("status", "containerStatuses").Objects())
            {
                if (status.Str("state", "waiting", "reason") == "ErrImagePull")
                {
                    var image = status.Str("image")!;
                    images.Add(image);
                    status["state"] = new JsonObject
                    {
                        ["waiting"] = new JsonObject
                        {
                            ["reason"] = "ImagePullBackOff",
                            ["message"] = $"Back-off pulling image \"{image}\"",
                        },
                    };
                }
            }
            return images.Count > 0;
        });
        if (updated is not null)
        {
            foreach (var image in images)
            {
                events.Normal(updated, "BackOff", $"Back-off pulling image \"{image}\"", Component);
                events.Warning(updated, "Failed", "Error: ImagePullBackOff", Component);
            }
        }
    }

    private void Restart(StoredObject pod, DateTimeOffset now)
    {
        var stamp = Clock.Rfc3339(now);
        var restarted = new List<(string Container, string? Image)>();
        var updated = registry.Mutate(ResourceKinds.Pod, pod.Namespace, pod.Name, o =>
        {
            var changed = false;
            restarted.Clear();
            foreach (var status in o.Arr("status", "containerStatuses").Objects())
            {
                if (status.Str("state", "waiting", "reason") == "CrashLoopBackOff")
                {
                    restarted.Add((status.Str("name")!, status.Str("image")));
                    var restarts = (status.Long("restartCount") ?? 0) + 1;
                    status["restartCount"] = restarts;
                    status["lastState"] = Terminated(
                        1,
                        "Error",
                        stamp,
                        stamp,
                        ContainerId(pod.Uid + status.Str("name") + restarts)
                    );
                    status["containerID"] = ContainerId(pod.Uid + status.Str("name") + (restarts + 1));
                    changed = true;
                }
            }
            return changed;
        });
        if (updated is null)
        {
            return;
        }
        // Like a kubelet: each restart of a crashing container starts it again and backs off again; repeats bump the
        // count.
        foreach (var (container, image) in restarted)
        {
            Lifecycle(updated, "Pulled", $"Container image \"{image}\" already present on machine");
            Lifecycle(updated, "Created", $"Created container: {container}");
            Lifecycle(updated, "Started", $"Started container {container}");
            events.Warning(
                updated,
                "BackOff",
                $"Back-off restarting failed container {container} in pod "
                    + $"{updated.Name}_{updated.Namespace}({updated.Uid})",
                Component
            );
        }
        if (updated.Phase == "Running")
        {
            _timers.AddAfter(
                "restart|" + ObjectKeys.Of(updated) + "|" + updated.Uid,
                now + options.CrashLoopRestartInterval
            );
        }
    }

    private void Complete(StoredObject pod)
    {
        var stamp = registry.Now;
        var failed = false;
        var updated = registry.Mutate(ResourceKinds.Pod, pod.Namespace, pod.Name, o =>
        {
            var statuses = o.Arr("status", "containerStatuses");
            foreach (var status in statuses.Objects())
            {
                var fails = status.Str("image")?.Contains("fail", StringComparison.OrdinalIgnoreCase) == true;
                failed |= fails;
                var startedAt = status.Str("state", "running", "startedAt") ?? stamp;
                status["state"] = Terminated(
                    fails ? 1 : 0,
                    fails ? "Error" : "Completed",
                    startedAt,
                    stamp,
                    status.Str("containerID") ?? ContainerId(pod.Uid)
                );
                status["ready"] = false;
                status["started"] = false;
            }
            var podStatus = o.Ensure("status");
            podStatus["phase"] = failed ? "Failed" : "Succeeded";
            SetReadiness(podStatus, false, statuses ?? [], stamp, "PodCompleted");
            return true;
        });
        _ = updated;
    }

    internal static string FormatRestarts(long count) => count.ToString(CultureInfo.InvariantCulture);
}

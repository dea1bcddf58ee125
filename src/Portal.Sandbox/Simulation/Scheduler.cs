using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>
/// default-scheduler: binds pending pods to the least-allocated node whose allocatable CPU, memory and pod
/// count fit, honouring spec.unschedulable, taints and tolerations (NoSchedule and NoExecute; PreferNoSchedule only
/// prefers, which this scheduler does not weigh) and nodeSelector; otherwise marks the pod Unschedulable and records
/// FailedScheduling with the real message shape. Filters run in kube-scheduler's order (NodeUnschedulable,
/// TaintToleration, NodeAffinity, NodeResourcesFit) and a node is reported by the first that refuses it.
/// </summary>
internal sealed class Scheduler(ResourceRegistry registry, EventRecorder events) : IController
{
    private const string Component = "default-scheduler";

    private readonly WorkQueue _queue = new();
    private readonly HashSet<string> _unschedulable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Version, NodeInfo Info)> _nodes = new(StringComparer.Ordinal);
    private bool _clusterChanged;
    private DateTimeOffset _nextRetry;

    private sealed record NodeInfo(
        string Name,
        long CpuMilli,
        long MemoryBytes,
        long Pods,
        bool Unschedulable,
        bool Ready,
        IReadOnlyDictionary<string, string> Labels,
        IReadOnlyList<Taint> Taints
    );

    private sealed record Taint(string Key, string Value, string Effect);

    private sealed record Toleration(string Key, string Operator, string Value, string Effect)
    {
        /// <summary>
        /// v1.Toleration.ToleratesTaint: an empty effect matches every effect, an empty key with Exists every key.
        /// </summary>
        public bool Tolerates(Taint taint) =>
            (Effect.Length == 0 || Effect == taint.Effect)
            && (Key.Length == 0 ? Operator == "Exists" : Key == taint.Key)
            && (Operator == "Exists" || Value == taint.Value);
    }

    private static readonly Taint NotReady = new("node.kubernetes.io/not-ready", "", "NoSchedule");
    private static readonly Taint Cordoned = new("node.kubernetes.io/unschedulable", "", "NoSchedule");

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        var item = change.Object;
        if (item.Kind == ResourceKinds.Node)
        {
            _clusterChanged = true;
        }
        else if (item.Kind == ResourceKinds.Pod)
        {
            if (change.Type == ChangeType.Deleted || (change.Previous?.IsActivePod == true && !item.IsActivePod))
            {
                _unschedulable.Remove(ObjectKeys.Of(item));
                _clusterChanged |= item.NodeName is not null;
            }
            else if (
                item.NodeName is null
                && !item.Terminating
                && item.Phase == "Pending"
                && change.Previous?.NodeName is null
                && !_unschedulable.Contains(ObjectKeys.Of(item))
            )
            {
                _queue.Add(ObjectKeys.Of(item));
            }
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        if (_clusterChanged && now >= _nextRetry && _unschedulable.Count > 0)
        {
            foreach (var key in _unschedulable)
            {
                _queue.Add(key);
            }
            _clusterChanged = false;
            _nextRetry = now + TimeSpan.FromMilliseconds(250);
        }
        var keys = _queue.TakeReady(now);
        if (keys.Count == 0)
        {
            return;
        }
        var nodes = NodeInfos();
        var used = new Dictionary<string, (long Cpu, long Memory, long Pods)>(StringComparer.Ordinal);
        foreach (var pod in registry.Store.List(ResourceKinds.Pod))
        {
            if (pod.NodeName is { } nodeName && pod.IsActivePod)
            {
                var u = used.GetValueOrDefault(nodeName);
                used[nodeName] = (u.Cpu + pod.Requests.CpuMilli, u.Memory + pod.Requests.MemoryBytes, u.Pods + 1);
            }
        }
        foreach (var key in keys)
        {
            var (ns, name) = ObjectKeys.Split(key);
            var pod = registry.Store.Get(ResourceKinds.Pod, ns, name);
            if (pod is null || pod.NodeName is not null || pod.Terminating)
            {
                _unschedulable.Remove(key);
                continue;
            }
            var spec = pod.Parse().Obj("spec");
            var selector = spec.Obj("nodeSelector").StringMap();
            var tolerations = spec.Arr("tolerations")
                .Objects()
                .Select(t => new Toleration(
                    t.Str("key") ?? "",
                    t.Str("operator") ?? "Equal",
                    t.Str("value") ?? "",
                    t.Str("effect") ?? ""
                ))
                .ToList();
            NodeInfo? best = null;
            var bestScore = double.MaxValue;
            var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var node in nodes)
            {
                var u = used.GetValueOrDefault(node.Name);
                var nodeReasons = new List<string>();
                if (node.Unschedulable && !tolerations.Any(t => t.Tolerates(Cordoned)))
                {
                    nodeReasons.Add("node(s) were unschedulable");
                }
                else if (Untolerated(node, tolerations) is { } taint)
                {
                    nodeReasons.Add($"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}");
                }
                else if (selector.Any(s => node.Labels.GetValueOrDefault(s.Key) != s.Value))
                {
                    nodeReasons.Add("node(s) didn't match Pod's node affinity/selector");
                }
                else
                {
                    if (u.Cpu + pod.Requests.CpuMilli > node.CpuMilli)
                    {
                        nodeReasons.Add("Insufficient cpu");
                    }
                    if (u.Memory + pod.Requests.MemoryBytes > node.MemoryBytes)
                    {
                        nodeReasons.Add("Insufficient memory");
                    }
                    if (u.Pods + 1 > node.Pods)
                    {
                        nodeReasons.Add("Too many pods");
                    }
                }
                if (nodeReasons.Count == 0)
                {
                    var score =
                        (double)(u.Cpu + pod.Requests.CpuMilli) / Math.Max(1, node.CpuMilli)
                        + (double)(u.Memory + pod.Requests.MemoryBytes) / Math.Max(1, node.MemoryBytes)
                        + (double)u.Pods / Math.Max(1, node.Pods);
                    if (score < bestScore)
                    {
                        bestScore = score;
                        best = node;
                    }
                }
                foreach (var reason in nodeReasons)
                {
                    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                }
            }
            if (best is not null)
            {
                Bind(pod, best.Name);
                var u = used.GetValueOrDefault(best.Name);
                used[best.Name] = (u.Cpu + pod.Requests.CpuMilli, u.Memory + pod.Requests.MemoryBytes, u.Pods + 1);
                _unschedulable.Remove(key);
            }
            else
            {
                MarkUnschedulable(pod, nodes.Count, reasons);
                _unschedulable.Add(key);
            }
        }
    }

    /// <summary>
    /// The first NoSchedule or NoExecute taint of the node that none of the pod's tolerations tolerates.
    /// </summary>
    private static Taint? Untolerated(NodeInfo node, List<Toleration> tolerations)
    {
        var taints = node.Ready ? node.Taints : node.Taints.Prepend(NotReady);
        return taints.FirstOrDefault(t =>
            t.Effect is "NoSchedule" or "NoExecute" && !tolerations.Any(tol => tol.Tolerates(t))
        );
    }

    private void Bind(StoredObject pod, string nodeName)
    {
        var now = registry.Now;
        var bound = registry.Mutate(ResourceKinds.Pod, pod.Namespace, pod.Name, o =>
        {
            if (o.Str("spec", "nodeName") is not null || o.Str("metadata", "uid") != pod.Uid)
            {
                return false;
            }
            o.Ensure("spec")["nodeName"] = nodeName;
            o.Ensure("status").SetCondition("PodScheduled", "True", null, null, now, withProbeTimes: true);
            return true;
        });
        if (bound is not null && bound.NodeName == nodeName)
        {
            events.Normal(
                bound,
                "Scheduled",
                $"Successfully assigned {pod.Namespace}/{pod.Name} to {nodeName}",
                Component
            );
        }
    }

    private void MarkUnschedulable(StoredObject pod, int nodeCount, Dictionary<string, int> reasons)
    {
        var detail = string.Join(", ", reasons.Select(r => $"{r.Value} {r.Key}").Order(StringComparer.Ordinal));
        var message =
            nodeCount == 0
                ? "no nodes available to schedule pods"
                : $"0/{nodeCount} nodes are available: {detail}. preemption: 0/{nodeCount} "
                    + $"nodes are available: {nodeCount} No preemption victims found for "
                    + "incoming pod.";
        var now = registry.Now;
        var updated = registry.Mutate(ResourceKinds.Pod, pod.Namespace, pod.Name, o =>
        {
            o.Ensure("status")
                .SetCondition("PodScheduled", "False", "Unschedulable", message, now, withProbeTimes: true);
            return true;
        });
        if (updated is not null)
        {
            events.Warning(updated, "FailedScheduling", message, Component);
        }
    }

    private List<NodeInfo> NodeInfos()
    {
        var infos = new List<NodeInfo>();
        foreach (var node in registry.Store.List(ResourceKinds.Node))
        {
            if (!_nodes.TryGetValue(node.Name, out var cached) || cached.Version != node.ResourceVersion)
            {
                var obj = node.Parse();
                var allocatable = obj.Obj("status", "allocatable");
                var info = new NodeInfo(
                    node.Name,
                    Quantity.TryParse(allocatable.Str("cpu"), out var cpu) ? cpu.MilliValue : 0,
                    Quantity.TryParse(allocatable.Str("memory"), out var memory) ? memory.IntegerValue : 0,
                    Quantity.TryParse(allocatable.Str("pods"), out var pods) ? pods.IntegerValue : 110,
                    obj.Bool("spec", "unschedulable") == true,
                    obj.Arr("status", "conditions")
                        .Objects()
                        .Any(c => c.Str("type") == "Ready" && c.Str("status") == "True"),
                    obj.Obj("metadata", "labels").StringMap(),
                    obj.Arr("spec", "taints")
                        .Objects()
                        .Select(t => new Taint(t.Str("key") ?? "", t.Str("value") ?? "", t.Str("effect") ?? ""))
                        .ToList()
                );
                cached = (node.ResourceVersion, info);
                _nodes[node.Name] = cached;
            }
            infos.Add(cached.Info);
        }
        return infos;
    }
}

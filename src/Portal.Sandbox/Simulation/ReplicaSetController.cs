using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>Keeps each ReplicaSet's pod count at spec.replicas and reports replicas/ready/available.</summary>
internal sealed class ReplicaSetController(ResourceRegistry registry, EventRecorder events) : IController
{
    private const string Component = "replicaset-controller";
    private const int BurstPerPass = 500;

    private readonly WorkQueue _queue = new();

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        var item = change.Object;
        if (item.Kind == ResourceKinds.ReplicaSet && change.Type != ChangeType.Deleted)
        {
            _queue.Add(ObjectKeys.Of(item));
        }
        else if (item.Kind == ResourceKinds.Pod)
        {
            foreach (var uid in item.OwnerUids)
            {
                if (registry.Store.GetByUid(uid) is { } owner && owner.Kind == ResourceKinds.ReplicaSet)
                {
                    _queue.Add(ObjectKeys.Of(owner));
                }
            }
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        foreach (var key in _queue.TakeReady(now))
        {
            var (ns, name) = ObjectKeys.Split(key);
            if (registry.Store.Get(ResourceKinds.ReplicaSet, ns, name) is { } rs)
            {
                Sync(rs, now);
            }
        }
    }

    private void Sync(StoredObject rs, DateTimeOffset now)
    {
        var obj = rs.Parse();
        var desired = (int)(obj.Long("spec", "replicas") ?? 1);
        var pods = registry
            .Store.Dependents(rs.Uid)
            .Where(p => p.Kind == ResourceKinds.Pod && p.IsActivePod && !p.Terminating)
            .ToList();
        var diff = desired - pods.Count;
        if (diff > 0)
        {
            var template = obj.Obj("spec", "template") ?? new JsonObject();
            for (var i = 0; i < Math.Min(diff, BurstPerPass); i++)
            {
                var pod = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["generateName"] = rs.Name + "-",
                        ["namespace"] = rs.Namespace,
                        ["labels"] = template.Obj("metadata", "labels")?.DeepClone() ?? new JsonObject(),
                        ["ownerReferences"] = new JsonArray(
                            ObjectKeys.OwnerReference(ResourceKinds.ReplicaSet, rs.Name, rs.Uid)
                        ),
                    },
                    ["spec"] = template.Obj("spec")?.DeepClone() ?? new JsonObject(),
                };
                if (template.Obj("metadata", "annotations") is { } annotations)
                {
                    pod.Obj("metadata")!["annotations"] = annotations.DeepClone();
                }
                try
                {
                    var created = registry.Create(ResourceKinds.Pod, rs.Namespace, pod);
                    events.Normal(rs, "SuccessfulCreate", $"Created pod: {created.Name}", Component);
                }
                catch (ApiException e)
                {
                    events.Warning(rs, "FailedCreate", $"Error creating: {e.Message}", Component);
                    SetStatus(rs, pods, now, e.Message);
                    _queue.AddAfter(ObjectKeys.Of(rs), now + TimeSpan.FromSeconds(1));
                    return;
                }
            }
            if (diff > BurstPerPass)
            {
                _queue.Add(ObjectKeys.Of(rs));
            }
        }
        else if (diff < 0)
        {
            var victims = pods.OrderBy(p => p.NodeName is null ? 0 : 1)
                .ThenBy(p => p.Phase == "Pending" ? 0 : 1)
                .ThenBy(p => p.Ready ? 1 : 0)
                .ThenByDescending(p => p.ResourceVersion)
                .Take(-diff)
                .ToList();
            foreach (var victim in victims)
            {
                registry.Delete(ResourceKinds.Pod, victim.Namespace, victim.Name);
                events.Normal(rs, "SuccessfulDelete", $"Deleted pod: {victim.Name}", Component);
            }
        }
        var current = registry
            .Store.Dependents(rs.Uid)
            .Where(p => p.Kind == ResourceKinds.Pod && p.IsActivePod && !p.Terminating)
            .ToList();
        SetStatus(rs, current, now, null);
    }

    private void SetStatus(StoredObject rs, List<StoredObject> pods, DateTimeOffset now, string? failure)
    {
        var stamp = Clock.Rfc3339(now);
        registry.Mutate(ResourceKinds.ReplicaSet, rs.Namespace, rs.Name, o =>
        {
            var status = o.Ensure("status");
            var ready = pods.Count(p => p.Ready);
            status["replicas"] = pods.Count;
            status["fullyLabeledReplicas"] = pods.Count;
            status["readyReplicas"] = ready;
            status["availableReplicas"] = ready;
            status["observedGeneration"] = o.Long("metadata", "generation") ?? 1;
            if (failure is not null)
            {
                status.SetCondition("ReplicaFailure", "True", "FailedCreate", failure, stamp);
            }
            else if (status.Arr("conditions") is { } conditions)
            {
                conditions
                    .Objects()
                    .Where(c => c.Str("type") == "ReplicaFailure")
                    .ToList()
                    .ForEach(c => conditions.Remove(c));
                if (conditions.Count == 0)
                {
                    status.Remove("conditions");
                }
            }
            return true;
        });
    }
}

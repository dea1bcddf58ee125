using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>
/// Rolls Deployments out through ReplicaSets named by pod-template-hash: RollingUpdate within maxSurge and
/// maxUnavailable, or Recreate; reports status and the Available/Progressing conditions with real reasons.
/// </summary>
internal sealed class DeploymentController(ResourceRegistry registry, EventRecorder events) : IController
{
    private const string Component = "deployment-controller";
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    private readonly WorkQueue _queue = new();

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        var item = change.Object;
        if (item.Kind == ResourceKinds.Deployment && change.Type != ChangeType.Deleted)
        {
            _queue.Add(ObjectKeys.Of(item));
        }
        else if (
            item.Kind == ResourceKinds.ReplicaSet
            && ObjectKeys.ControllerOf(registry.Store, item, ResourceKinds.Deployment) is { } owner
        )
        {
            _queue.Add(ObjectKeys.Of(owner));
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        foreach (var key in _queue.TakeReady(now))
        {
            var (ns, name) = ObjectKeys.Split(key);
            if (registry.Store.Get(ResourceKinds.Deployment, ns, name) is { } deployment)
            {
                Sync(deployment, now);
            }
        }
    }

    public static string TemplateHash(JsonNode? template)
    {
        var hash = Metrics.UsageModel.StableHash(template?.ToJsonString() ?? "");
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var chars = new char[10];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[(int)(hash % (uint)alphabet.Length)];
            hash = hash / (uint)alphabet.Length + (uint)(i * 7919);
        }
        return new string(chars);
    }

    private static int Resolve(JsonNode? value, int desired, bool roundUp)
    {
        var text = value?.ToString() ?? "25%";
        if (
            text.EndsWith('%')
            && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent)
        )
        {
            var exact = desired * percent / 100;
            return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
        }
        return int.TryParse(text, out var absolute) ? absolute : 0;
    }

    private void Sync(StoredObject deployment, DateTimeOffset now)
    {
        var obj = deployment.Parse();
        var desired = (int)(obj.Long("spec", "replicas") ?? 1);
        var template = obj.Obj("spec", "template")!;
        var hash = TemplateHash(template);
        var owned = registry.Store.Dependents(deployment.Uid).Where(r => r.Kind == ResourceKinds.ReplicaSet).ToList();
        var newRs = owned.FirstOrDefault(r => r.Label("pod-template-hash") == hash);
        var oldRs = owned.Where(r => r != newRs).ToList();
        var revisions = owned
            .Select(r =>
                long.TryParse(r.Parse().Str("metadata", "annotations", RevisionAnnotation), out var rev) ? rev : 0
            )
            .DefaultIfEmpty(0)
            .Max();
        var strategy = obj.Str("spec", "strategy", "type") ?? "RollingUpdate";
        var maxSurge = Resolve(obj.At("spec", "strategy", "rollingUpdate", "maxSurge"), desired, roundUp: true);
        var maxUnavailable = Resolve(
            obj.At("spec", "strategy", "rollingUpdate", "maxUnavailable"),
            desired,
            roundUp: false
        );
        if (maxSurge == 0 && maxUnavailable == 0)
        {
            maxUnavailable = 1;
        }

        if (newRs is null)
        {
            var rsTemplate = template.CloneObject();
            rsTemplate.Ensure("metadata", "labels")["pod-template-hash"] = hash;
            var selector = obj.Obj("spec", "selector")!.CloneObject();
            selector.Ensure("matchLabels")["pod-template-hash"] = hash;
            var noOldPods = oldRs.All(r => (r.Parse().Long("spec", "replicas") ?? 0) == 0);
            var initialReplicas = strategy == "Recreate" || !noOldPods ? 0 : desired;
            var rs = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{deployment.Name}-{hash}",
                    ["namespace"] = deployment.Namespace,
                    ["labels"] = rsTemplate.Obj("metadata", "labels")!.DeepClone(),
                    ["annotations"] = new JsonObject
                    {
                        [RevisionAnnotation] = (revisions + 1).ToString(CultureInfo.InvariantCulture),
                        ["deployment.kubernetes.io/desired-replicas"] = desired.ToString(CultureInfo.InvariantCulture),
                        ["deployment.kubernetes.io/max-replicas"] = (desired + maxSurge).ToString(
                            CultureInfo.InvariantCulture
                        ),
                    },
                    ["ownerReferences"] = new JsonArray(
                        ObjectKeys.OwnerReference(ResourceKinds.Deployment, deployment.Name, deployment.Uid)
                    ),
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = initialReplicas,
                    ["selector"] = selector,
                    ["template"] = rsTemplate,
                },
            };
            try
            {
                newRs = registry.Create(ResourceKinds.ReplicaSet, deployment.Namespace, rs);
                events.Normal(
                    deployment,
                    "ScalingReplicaSet",
                    $"Scaled up replica set {newRs.Name} from 0 to {initialReplicas}",
                    Component
                );
            }
            catch (ApiException e) when (e.Code == 409)
            {
                return;
            }
        }
        else if (oldRs.Count > 0 && Revision(newRs) < revisions)
        {
            SetReplicas(newRs, null, revisions + 1);
        }

        int Spec(StoredObject r) =>
            (int)(
                registry.Store.Get(ResourceKinds.ReplicaSet, r.Namespace, r.Name)?.Parse().Long("spec", "replicas") ?? 0
            );
        int Ready(StoredObject r) =>
            (int)(
                registry
                    .Store.Get(ResourceKinds.ReplicaSet, r.Namespace, r.Name)
                    ?.Parse()
                    .Long("status", "readyReplicas")
                ?? 0
            );
        int Pods(StoredObject r) =>
            (int)(
                registry.Store.Get(ResourceKinds.ReplicaSet, r.Namespace, r.Name)?.Parse().Long("status", "replicas")
                ?? 0
            );

        var activeOld = oldRs.Where(r => Spec(r) > 0 || Pods(r) > 0).ToList();
        if (strategy == "Recreate")
        {
            foreach (var old in activeOld.Where(r => Spec(r) > 0))
            {
                ScaleTo(deployment, old, 0);
            }
            if (activeOld.All(r => Pods(r) == 0) && Spec(newRs) != desired)
            {
                ScaleTo(deployment, newRs, desired);
            }
        }
        else if (activeOld.Count == 0)
        {
            if (Spec(newRs) != desired)
            {
                ScaleTo(deployment, newRs, desired);
            }
        }
        else
        {
            var total = Spec(newRs) + activeOld.Sum(Spec);
            var maxTotal = desired + maxSurge;
            if (Spec(newRs) > desired)
            {
                ScaleTo(deployment, newRs, desired);
            }
            else if (total < maxTotal && Spec(newRs) < desired)
            {
                ScaleTo(deployment, newRs, Math.Min(desired, Spec(newRs) + maxTotal - total));
            }
            total = Spec(newRs) + activeOld.Sum(Spec);
            var minAvailable = desired - maxUnavailable;
            var newUnavailable = Math.Max(0, Spec(newRs) - Ready(newRs));
            var oldUnready = activeOld.Sum(r => Math.Max(0, Spec(r) - Ready(r)));
            var canScaleDown = Math.Max(total - minAvailable - newUnavailable, 0);
            canScaleDown = Math.Max(canScaleDown, Math.Min(oldUnready, total - desired));
            foreach (var old in activeOld.OrderBy(Revision))
            {
                if (canScaleDown <= 0)
                {
                    break;
                }
                var step = Math.Min(canScaleDown, Spec(old));
                if (step > 0)
                {
                    ScaleTo(deployment, old, Spec(old) - step);
                    canScaleDown -= step;
                }
            }
        }
        UpdateStatus(
            deployment,
            obj,
            registry.Store.Get(ResourceKinds.ReplicaSet, newRs.Namespace, newRs.Name) ?? newRs,
            oldRs,
            desired,
            maxUnavailable,
            now
        );
    }

    private static long Revision(StoredObject rs) =>
        long.TryParse(rs.Parse().Str("metadata", "annotations", RevisionAnnotation), out var revision) ? revision : 0;

    private void ScaleTo(StoredObject deployment, StoredObject rs, int replicas)
    {
        var before = (int)(rs.Parse().Long("spec", "replicas") ?? 0);
        SetReplicas(rs, replicas, null);
        if (before != replicas)
        {
            var verb = replicas > before ? "up" : "down";
            events.Normal(
                deployment,
                "ScalingReplicaSet",
                $"Scaled {verb} replica set {rs.Name} from {before} to {replicas}",
                Component
            );
        }
    }

    private void SetReplicas(StoredObject rs, int? replicas, long? revision) =>
        registry.Mutate(ResourceKinds.ReplicaSet, rs.Namespace, rs.Name, o =>
        {
            if (replicas is { } r)
            {
                o.Ensure("spec")["replicas"] = r;
            }
            if (revision is { } rev)
            {
                o.Ensure("metadata", "annotations")[RevisionAnnotation] = rev.ToString(CultureInfo.InvariantCulture);
            }
            return true;
        });

    private void UpdateStatus(
        StoredObject deployment,
        JsonObject obj,
        StoredObject newRs,
        List<StoredObject> oldRs,
        int desired,
        int maxUnavailable,
        DateTimeOffset now
    )
    {
        var all = oldRs
            .Select(r => registry.Store.Get(ResourceKinds.ReplicaSet, r.Namespace, r.Name))
            .OfType<StoredObject>()
            .Append(newRs)
            .Select(r => r.Parse())
            .ToList();
        var newStatus = newRs.Parse().Obj("status");
        var replicas = all.Sum(r => r.Long("status", "replicas") ?? 0);
        var updated = newStatus.Long("replicas") ?? 0;
        var ready = all.Sum(r => r.Long("status", "readyReplicas") ?? 0);
        var available = all.Sum(r => r.Long("status", "availableReplicas") ?? 0);
        var complete =
            updated == desired
            && replicas == desired
            && available == desired
            && (newStatus.Long("availableReplicas") ?? 0) == desired;
        var stamp = Clock.Rfc3339(now);
        var deadline = TimeSpan.FromSeconds(obj.Long("spec", "progressDeadlineSeconds") ?? 600);
        var newRevision = Revision(newRs).ToString(CultureInfo.InvariantCulture);
        var result = registry.Mutate(ResourceKinds.Deployment, deployment.Namespace, deployment.Name, o =>
        {
            o.Ensure("metadata", "annotations")[RevisionAnnotation] = newRevision;
            var status = o.Ensure("status");
            var progressed =
                (status.Long("updatedReplicas") ?? -1) != updated
                || (status.Long("availableReplicas") ?? -1) != available
                || (status.Long("readyReplicas") ?? -1) != ready;
            status["observedGeneration"] = o.Long("metadata", "generation") ?? 1;
            status["replicas"] = replicas;
            status["updatedReplicas"] = updated;
            status["readyReplicas"] = ready;
            status["availableReplicas"] = available;
            status["unavailableReplicas"] = Math.Max(0, desired - available);
            if (ready == 0)
            {
                status.Remove("readyReplicas");
            }
            if (available == 0)
            {
                status.Remove("availableReplicas");
            }
            if (Math.Max(0, desired - available) == 0)
            {
                status.Remove("unavailableReplicas");
            }
            if (available >= desired - maxUnavailable)
            {
                status.SetCondition(
                    "Available",
                    "True",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                    stamp,
                    withUpdateTime: true
                );
            }
            else
            {
                status.SetCondition(
                    "Available",
                    "False",
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                    stamp,
                    withUpdateTime: true
                );
            }
            var progressing = status.Arr("conditions").Objects().FirstOrDefault(c => c.Str("type") == "Progressing");
            if (complete)
            {
                status.SetCondition(
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    $"ReplicaSet \"{newRs.Name}\" has successfully progressed.",
                    stamp,
                    withUpdateTime: true
                );
            }
            else if (progressing?.Str("reason") == "ProgressDeadlineExceeded" && !progressed)
            {
                // Stays timed out until the rollout makes progress again.
            }
            else
            {
                var lastUpdate = Clock.Parse(progressing?.Str("lastUpdateTime")) ?? now;
                var stalled =
                    progressing?.Str("reason") == "ReplicaSetUpdated" && !progressed && now - lastUpdate > deadline;
                if (stalled)
                {
                    status.SetCondition(
                        "Progressing",
                        "False",
                        "ProgressDeadlineExceeded",
                        $"ReplicaSet \"{newRs.Name}\" has timed out progressing.",
                        stamp,
                        withUpdateTime: true
                    );
                }
                else
                {
                    status.SetCondition(
                        "Progressing",
                        "True",
                        "ReplicaSetUpdated",
                        $"ReplicaSet \"{newRs.Name}\" is progressing.",
                        stamp,
                        withUpdateTime: true
                    );
                    if (
                        progressed
                        && status.Arr("conditions").Objects().FirstOrDefault(c => c.Str("type") == "Progressing")
                            is { } condition
                    )
                    {
                        condition["lastUpdateTime"] = stamp;
                    }
                }
            }
            return true;
        });
        if (result is not null && !complete)
        {
            _queue.AddAfter(
                ObjectKeys.Of(result),
                now + TimeSpan.FromMilliseconds(Math.Min(deadline.TotalMilliseconds + 50, 1000))
            );
        }
    }
}

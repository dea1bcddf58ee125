using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>
/// StatefulSets: pods name-0, name-1, … created in order (with OrderedReady the next waits for the previous to be
/// Running and Ready), PVCs from volumeClaimTemplates, scale-down from the highest ordinal.
/// </summary>
internal sealed class StatefulSetController(ResourceRegistry registry, EventRecorder events) : IController
{
    private const string Component = "statefulset-controller";

    private readonly WorkQueue _queue = new();

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        var item = change.Object;
        if (item.Kind == ResourceKinds.StatefulSet && change.Type != ChangeType.Deleted)
        {
            _queue.Add(ObjectKeys.Of(item));
        }
        else if (
            item.Kind == ResourceKinds.Pod
            && ObjectKeys.ControllerOf(registry.Store, item, ResourceKinds.StatefulSet) is { } owner
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
            if (registry.Store.Get(ResourceKinds.StatefulSet, ns, name) is { } set)
            {
                Sync(set);
            }
        }
    }

    private void Sync(StoredObject set)
    {
        var obj = set.Parse();
        var desired = (int)(obj.Long("spec", "replicas") ?? 1);
        var ordered = obj.Str("spec", "podManagementPolicy") != "Parallel";
        var template = obj.Obj("spec", "template")!;
        var revision = $"{set.Name}-{DeploymentController.TemplateHash(template)}";
        var pods = registry
            .Store.Dependents(set.Uid)
            .Where(p => p.Kind == ResourceKinds.Pod)
            .ToDictionary(p => p.Name, StringComparer.Ordinal);
        for (var ordinal = 0; ordinal < desired; ordinal++)
        {
            var podName = $"{set.Name}-{ordinal}";
            if (pods.TryGetValue(podName, out var existing))
            {
                if (ordered && !(existing.Ready && existing.Phase == "Running"))
                {
                    break;
                }
                continue;
            }
            CreateClaims(set, obj, ordinal);
            var pod = template.CloneObject();
            var metadata = pod.Ensure("metadata");
            metadata["name"] = podName;
            metadata["namespace"] = set.Namespace;
            var labels = metadata.Ensure("labels");
            labels["statefulset.kubernetes.io/pod-name"] = podName;
            labels["apps.kubernetes.io/pod-index"] = ordinal.ToString(CultureInfo.InvariantCulture);
            labels["controller-revision-hash"] = revision;
            metadata["ownerReferences"] = new JsonArray(
                ObjectKeys.OwnerReference(ResourceKinds.StatefulSet, set.Name, set.Uid)
            );
            var spec = pod.Ensure("spec");
            spec["hostname"] = podName;
            if (obj.Str("spec", "serviceName") is { Length: > 0 } service)
            {
                spec["subdomain"] = service;
            }
            var volumes = spec.EnsureArray("volumes");
            foreach (var claim in obj.Arr("spec", "volumeClaimTemplates").Objects())
            {
                var claimName = claim.Str("metadata", "name");
                volumes.Add(
                    new JsonObject
                    {
                        ["name"] = claimName,
                        ["persistentVolumeClaim"] = new JsonObject
                        {
                            ["claimName"] = $"{claimName}-{set.Name}-{ordinal}",
                        },
                    }
                );
            }
            try
            {
                registry.Create(ResourceKinds.Pod, set.Namespace, pod);
                events.Normal(
                    set,
                    "SuccessfulCreate",
                    $"create Pod {podName} in StatefulSet {set.Name} successful",
                    Component
                );
            }
            catch (ApiException e)
            {
                events.Warning(
                    set,
                    "FailedCreate",
                    $"create Pod {podName} in StatefulSet {set.Name} failed error: {e.Message}",
                    Component
                );
                break;
            }
            if (ordered)
            {
                break;
            }
        }
        var surplus = pods
            .Values.Select(p => (Pod: p, Ordinal: int.TryParse(p.Name[(set.Name.Length + 1)..], out var o) ? o : -1))
            .Where(p => p.Ordinal >= desired)
            .OrderByDescending(p => p.Ordinal)
            .ToList();
        foreach (var (pod, _) in ordered ? surplus.Take(1) : surplus)
        {
            registry.Delete(ResourceKinds.Pod, pod.Namespace, pod.Name);
            events.Normal(
                set,
                "SuccessfulDelete",
                $"delete Pod {pod.Name} in StatefulSet {set.Name} successful",
                Component
            );
        }
        var current = registry
            .Store.Dependents(set.Uid)
            .Where(p => p.Kind == ResourceKinds.Pod && p.IsActivePod)
            .ToList();
        registry.Mutate(ResourceKinds.StatefulSet, set.Namespace, set.Name, o =>
        {
            var status = o.Ensure("status");
            var ready = current.Count(p => p.Ready);
            status["observedGeneration"] = o.Long("metadata", "generation") ?? 1;
            status["replicas"] = current.Count;
            status["readyReplicas"] = ready;
            status["currentReplicas"] = current.Count;
            status["updatedReplicas"] = current.Count;
            status["availableReplicas"] = ready;
            status["currentRevision"] = revision;
            status["updateRevision"] = revision;
            status["collisionCount"] = 0;
            return true;
        });
    }

    private void CreateClaims(StoredObject set, JsonObject obj, int ordinal)
    {
        var selectorLabels = obj.Obj("spec", "selector", "matchLabels");
        foreach (var template in obj.Arr("spec", "volumeClaimTemplates").Objects())
        {
            var claimName = $"{template.Str("metadata", "name")}-{set.Name}-{ordinal}";
            if (registry.Store.Get(ResourceKinds.PersistentVolumeClaim, set.Namespace, claimName) is not null)
            {
                continue;
            }
            var claim = template.CloneObject();
            var metadata = claim.Ensure("metadata");
            metadata["name"] = claimName;
            metadata["namespace"] = set.Namespace;
            var labels = metadata.Ensure("labels");
            foreach (var (key, value) in selectorLabels.StringMap())
            {
                labels[key] = value;
            }
            claim.Ensure("spec")["accessModes"] ??= new JsonArray("ReadWriteOnce");
            try
            {
                registry.Create(ResourceKinds.PersistentVolumeClaim, set.Namespace, claim);
                events.Normal(
                    set,
                    "SuccessfulCreate",
                    $"create Claim {claimName} Pod {set.Name}-{ordinal} in StatefulSet {set.Name} success",
                    Component
                );
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Created by an earlier pass; claims outlive their pods on purpose.
            }
        }
    }
}

/// <summary>
/// Binds every new PersistentVolumeClaim at once, as a dynamic provisioner with immediate binding would.
/// </summary>
internal sealed class VolumeBinder(ResourceRegistry registry, EventRecorder events) : IController
{
    private readonly WorkQueue _queue = new();

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        if (change.Object.Kind == ResourceKinds.PersistentVolumeClaim && change.Type == ChangeType.Added)
        {
            _queue.Add(ObjectKeys.Of(change.Object));
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        foreach (var key in _queue.TakeReady(now))
        {
            var (ns, name) = ObjectKeys.Split(key);
            var bound = registry.Mutate(ResourceKinds.PersistentVolumeClaim, ns, name, o =>
            {
                if (o.Str("status", "phase") == "Bound")
                {
                    return false;
                }
                var uid = o.Str("metadata", "uid");
                o.Ensure("spec")["volumeName"] = $"pvc-{uid}";
                var annotations = o.Ensure("metadata", "annotations");
                annotations["pv.kubernetes.io/bind-completed"] = "yes";
                annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
                annotations["volume.kubernetes.io/storage-provisioner"] = "sandbox.portal.dev/hostpath";
                var status = o.Ensure("status");
                status["phase"] = "Bound";
                status["accessModes"] = o.Arr("spec", "accessModes")?.DeepClone() ?? new JsonArray("ReadWriteOnce");
                status["capacity"] = new JsonObject
                {
                    ["storage"] = o.Str("spec", "resources", "requests", "storage") ?? "1Gi",
                };
                return true;
            });
            if (bound is not null)
            {
                events.Normal(
                    bound,
                    "ProvisioningSucceeded",
                    $"Successfully provisioned volume pvc-{bound.Uid}",
                    "sandbox.portal.dev/hostpath"
                );
            }
        }
    }
}

using System.Text.Json.Nodes;
using Portal.Sandbox.Admission;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>Keeps ResourceQuota status.hard and status.used current, as the resourcequota controller does.</summary>
internal sealed class QuotaStatusController(ResourceRegistry registry) : IController
{
    private static readonly HashSet<ResourceKind> Counted =
    [
        ResourceKinds.Pod,
        ResourceKinds.Service,
        ResourceKinds.ConfigMap,
        ResourceKinds.Secret,
        ResourceKinds.PersistentVolumeClaim,
        ResourceKinds.ResourceQuota,
        ResourceKinds.Deployment,
        ResourceKinds.ReplicaSet,
        ResourceKinds.StatefulSet,
        ResourceKinds.Job,
    ];

    private readonly HashSet<string> _dirtyNamespaces = new(StringComparer.Ordinal);

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        var item = change.Object;
        if (item.Kind == ResourceKinds.ResourceQuota && change.Type != ChangeType.Deleted)
        {
            _dirtyNamespaces.Add(item.Namespace);
        }
        else if (
            Counted.Contains(item.Kind)
            && item.Namespace.Length > 0
            && (
                change.Type != ChangeType.Modified
                || item.Kind == ResourceKinds.Pod && change.Previous?.IsActivePod != item.IsActivePod
            )
        )
        {
            _dirtyNamespaces.Add(item.Namespace);
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        if (_dirtyNamespaces.Count == 0)
        {
            return;
        }
        foreach (var ns in _dirtyNamespaces)
        {
            foreach (var quota in registry.Store.List(ResourceKinds.ResourceQuota, ns))
            {
                var hard = quota.Parse().Obj("spec", "hard").StringMap();
                var usage = QuotaAdmission.Usage(registry.Store, ns, hard.Keys);
                registry.Mutate(ResourceKinds.ResourceQuota, ns, quota.Name, o =>
                {
                    var status = o.Ensure("status");
                    status["hard"] = hard.ToJsonObject();
                    var used = new JsonObject();
                    foreach (var resource in hard.Keys)
                    {
                        used[resource] = usage.TryGetValue(QuotaAdmission.Canonical(resource), out var q)
                            ? q.ToString()
                            : "0";
                    }
                    status["used"] = used;
                    return true;
                });
            }
        }
        _dirtyNamespaces.Clear();
    }
}

using Portal.Sandbox.Api;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>
/// Deletes the pods bound to a node that no longer exists, as the pod garbage collector does for orphaned pods, so
/// that their ReplicaSets and StatefulSets create them again on the nodes that remain.
/// </summary>
internal sealed class PodGarbageCollector(ResourceRegistry registry) : IController
{
    private readonly HashSet<string> _deletedNodes = new(StringComparer.Ordinal);

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        if (change.Type == ChangeType.Deleted && change.Object.Kind == ResourceKinds.Node)
        {
            _deletedNodes.Add(change.Object.Name);
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        if (_deletedNodes.Count == 0)
        {
            return;
        }
        var store = registry.Store;
        var gone = _deletedNodes.Where(n => store.Get(ResourceKinds.Node, null, n) is null).ToHashSet();
        _deletedNodes.Clear();
        foreach (var pod in store.List(ResourceKinds.Pod))
        {
            if (pod.NodeName is { } node && gone.Contains(node))
            {
                try
                {
                    registry.Delete(ResourceKinds.Pod, pod.Namespace, pod.Name);
                }
                catch (ApiException e) when (e.Code == 404)
                {
                    // Deleted meanwhile by someone else; nothing left to collect.
                }
            }
        }
    }
}

using Portal.Sandbox.Api;
using Portal.Sandbox.Simulation;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Disruption;

/// <summary>
/// Keeps each PodDisruptionBudget's status (currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed,
/// observedGeneration, the DisruptionAllowed condition) in step with its pods, as the disruption controller does.
/// </summary>
internal sealed class DisruptionController(ResourceRegistry registry) : IController
{
    private readonly HashSet<string> _dirtyNamespaces = new(StringComparer.Ordinal);

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        var kind = change.Object.Kind;
        if (
            kind == ResourceKinds.Pod
            || kind == ResourceKinds.PodDisruptionBudget
            || kind == ResourceKinds.ReplicaSet
            || kind == ResourceKinds.Deployment
            || kind == ResourceKinds.StatefulSet
        )
        {
            _dirtyNamespaces.Add(change.Object.Namespace);
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        if (_dirtyNamespaces.Count == 0)
        {
            return;
        }
        var stamp = Common.Clock.Rfc3339(now);
        foreach (var ns in _dirtyNamespaces.ToList())
        {
            _dirtyNamespaces.Remove(ns);
            foreach (var budget in registry.Store.List(ResourceKinds.PodDisruptionBudget, ns))
            {
                registry.Mutate(ResourceKinds.PodDisruptionBudget, ns, budget.Name, o =>
                    DisruptionBudgetStatus.Update(registry.Store, budget, o, stamp)
                );
            }
        }
    }
}

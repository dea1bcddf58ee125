using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Simulation;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Disruption;

/// <summary>
/// The arithmetic of the disruption controller: which pods a PodDisruptionBudget covers, how many of them it expects
/// and needs healthy, and so how many may be disrupted now.
/// </summary>
internal static class DisruptionBudgetStatus
{
    /// <summary>The pods a budget's selector picks in its namespace; a budget without a selector picks none.</summary>
    public static List<StoredObject> CoveredPods(ResourceStore store, StoredObject budget, JsonObject budgetObject)
    {
        if (budgetObject.Obj("spec", "selector") is not { } selectorObject)
        {
            return [];
        }
        var selector = LabelSelector.FromObject(selectorObject);
        return store.List(ResourceKinds.Pod, budget.Namespace).Where(p => selector.Matches(p.Labels)).ToList();
    }

    /// <summary>The budgets whose selector picks the pod.</summary>
    public static List<StoredObject> BudgetsOf(ResourceStore store, StoredObject pod) =>
        store
            .List(ResourceKinds.PodDisruptionBudget, pod.Namespace)
            .Where(b =>
                b.Parse().Obj("spec", "selector") is { } selector
                && LabelSelector.FromObject(selector).Matches(pod.Labels)
            )
            .ToList();

    /// <summary>Writes the budget's status as the disruption controller would (a Mutate callback).</summary>
    public static bool Update(ResourceStore store, StoredObject budget, JsonObject budgetObject, string now)
    {
        var pods = CoveredPods(store, budget, budgetObject);
        var spec = budgetObject.Obj("spec");
        var minAvailable = spec?["minAvailable"];
        var maxUnavailable = spec?["maxUnavailable"];
        var healthy = pods.Count(p => p.Ready && !p.Terminating);
        var status = budgetObject.Ensure("status");
        status["observedGeneration"] = budgetObject.Long("metadata", "generation") ?? 1;
        long expected,
            desired;
        string? failure = null;
        if (minAvailable is JsonValue min && min.TryGetValue<long>(out var minCount))
        {
            expected = pods.Count;
            desired = minCount;
        }
        else
        {
            (expected, failure) = ExpectedByControllers(store, pods);
            desired =
                minAvailable is not null ? Scaled(minAvailable, expected)
                : maxUnavailable is not null ? Math.Max(0, expected - Scaled(maxUnavailable, expected))
                : 0;
        }
        status["currentHealthy"] = healthy;
        status["desiredHealthy"] = desired;
        status["expectedPods"] = expected;
        status["disruptionsAllowed"] = failure is null ? Math.Max(0, healthy - desired) : 0;
        var allowed = failure is null && healthy > desired;
        status.SetCondition(
            "DisruptionAllowed",
            allowed ? "True" : "False",
            failure is not null ? "SyncFailed"
                : allowed ? "SufficientPods"
                : "InsufficientPods",
            failure ?? "",
            now
        );
        foreach (var condition in status.Arr("conditions").Objects())
        {
            condition["observedGeneration"] = status["observedGeneration"]!.DeepClone();
        }
        return true;
    }

    /// <summary>
    /// What the pods' controllers want in total (a Deployment's replicas for its ReplicaSets' pods); percentages and
    /// maxUnavailable count against it. A pod without a controller makes the budget fail safe, as in the controller.
    /// </summary>
    private static (long Expected, string? Failure) ExpectedByControllers(ResourceStore store, List<StoredObject> pods)
    {
        var scales = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var owner = pod.OwnerUids.Select(store.GetByUid).FirstOrDefault(o => o is not null);
            if (owner is not null && owner.Kind == ResourceKinds.ReplicaSet)
            {
                owner = ObjectKeys.ControllerOf(store, owner, ResourceKinds.Deployment) ?? owner;
            }
            if (
                owner is null
                || !(
                    owner.Kind == ResourceKinds.ReplicaSet
                    || owner.Kind == ResourceKinds.Deployment
                    || owner.Kind == ResourceKinds.StatefulSet
                )
            )
            {
                return (0, $"found no controller ref for pod \"{pod.Name}\"");
            }
            scales[owner.Uid] = owner.Parse().Long("spec", "replicas") ?? 1;
        }
        return (scales.Values.Sum(), null);
    }

    /// <summary>An int, or a percentage of the total rounded up (intstr.GetScaledValueFromIntOrPercent).</summary>
    public static long Scaled(JsonNode value, long total)
    {
        if (value is JsonValue number && number.TryGetValue<long>(out var count))
        {
            return count;
        }
        var text = value.ToString();
        if (
            text.EndsWith('%')
            && long.TryParse(text[..^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent)
        )
        {
            return (long)Math.Ceiling(percent * total / 100.0);
        }
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
    }
}

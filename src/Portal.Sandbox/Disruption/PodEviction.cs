using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Disruption;

/// <summary>
/// The pods/eviction subresource: deletes the pod unless the PodDisruptionBudget covering it allows no disruption,
/// with the API server's answers (201 Success, 429 with a DisruptionBudget cause, 500 for two budgets).
/// </summary>
internal static class PodEviction
{
    private const string ViolationMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

    public static JsonObject Evict(ResourceRegistry registry, string ns, string name, JsonObject eviction, bool dryRun)
    {
        var bodyName = eviction.Str("metadata", "name");
        if (bodyName is not null && bodyName != name)
        {
            throw ApiException.BadRequest("name in URL does not match name in Eviction object");
        }
        dryRun |= eviction.Arr("deleteOptions", "dryRun")?.Count > 0;
        var store = registry.Store;
        lock (store.SyncRoot)
        {
            var pod = registry.Get(ResourceKinds.Pod, ns, name);
            if (eviction.Str("deleteOptions", "preconditions", "uid") is { Length: > 0 } uid && uid != pod.Uid)
            {
                throw new ApiException(
                    409,
                    "Conflict",
                    $"Operation cannot be fulfilled on Pod \"{name}\": Precondition failed: UID in precondition: "
                        + $"{uid}, UID in object meta: {pod.Uid}"
                );
            }
            // Pods that are not running (or already going) disrupt nothing, so budgets do not hold them back.
            if (pod.Phase is "Succeeded" or "Failed" or "Pending" || pod.Terminating)
            {
                return Delete(registry, pod, dryRun);
            }
            var budgets = DisruptionBudgetStatus.BudgetsOf(store, pod);
            if (budgets.Count > 1)
            {
                throw new ApiException(
                    500,
                    "InternalError",
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
                );
            }
            if (budgets.Count == 0)
            {
                return Delete(registry, pod, dryRun);
            }
            var budget = budgets[0];
            var budgetObject = budget.Parse();
            var status = budgetObject.Obj("status");
            if ((status.Long("observedGeneration") ?? 0) < (budgetObject.Long("metadata", "generation") ?? 1))
            {
                throw Violation($"The disruption budget {budget.Name} is still being processed by the server.");
            }
            var allowed = status.Long("disruptionsAllowed") ?? 0;
            var current = status.Long("currentHealthy") ?? 0;
            var desired = status.Long("desiredHealthy") ?? 0;
            // unhealthyPodEvictionPolicy IfHealthyBudget: an unready pod may go while the budget is met.
            if (!pod.Ready && current >= desired && desired > 0)
            {
                return Delete(registry, pod, dryRun);
            }
            if (allowed < 0)
            {
                throw new ApiException(403, "Forbidden", "pdb disruptions allowed is negative");
            }
            if (allowed == 0)
            {
                throw Violation(
                    $"The disruption budget {budget.Name} needs {desired} healthy pods and has {current} currently"
                );
            }
            if (!dryRun)
            {
                registry.Mutate(ResourceKinds.PodDisruptionBudget, ns, budget.Name, o =>
                {
                    o.Ensure("status")["disruptionsAllowed"] = allowed - 1;
                    return true;
                });
            }
            return Delete(registry, pod, dryRun);
        }
    }

    private static JsonObject Delete(ResourceRegistry registry, StoredObject pod, bool dryRun)
    {
        registry.Delete(ResourceKinds.Pod, pod.Namespace, pod.Name, dryRun: dryRun);
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["code"] = 201,
        };
    }

    private static ApiException Violation(string cause) =>
        new(
            429,
            "TooManyRequests",
            ViolationMessage,
            new JsonObject
            {
                ["causes"] = new JsonArray(new JsonObject { ["reason"] = "DisruptionBudget", ["message"] = cause }),
            }
        );
}

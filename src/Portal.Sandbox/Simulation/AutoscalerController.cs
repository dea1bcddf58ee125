using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Hosting;
using Portal.Sandbox.Metrics;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>
/// autoscaling/v2 HPAs on CPU utilisation: desired = ceil(current × utilisation / target), within a 10 %
/// tolerance and clamped to min/max. Utilisation comes from the <see cref="UsageModel"/>, or from the
/// target's <see cref="UsageModel.CpuUtilizationAnnotation"/> annotation when set.
/// </summary>
internal sealed class AutoscalerController(
    ResourceRegistry registry,
    SandboxOptions options,
    UsageModel usage,
    EventRecorder events
) : IController
{
    private const string Component = "horizontal-pod-autoscaler";

    private DateTimeOffset _nextSync;

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        if (change.Object.Kind == ResourceKinds.HorizontalPodAutoscaler && change.Type == ChangeType.Added)
        {
            _nextSync = now;
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        if (now < _nextSync)
        {
            return;
        }
        _nextSync = now + options.HpaSyncInterval;
        foreach (var hpa in registry.Store.List(ResourceKinds.HorizontalPodAutoscaler))
        {
            Sync(hpa, now);
        }
    }

    private void Sync(StoredObject hpa, DateTimeOffset now)
    {
        var obj = hpa.Parse();
        var targetKind = ResourceKinds.FindByKind(obj.Str("spec", "scaleTargetRef", "kind") ?? "");
        var targetName = obj.Str("spec", "scaleTargetRef", "name") ?? "";
        var stamp = Clock.Rfc3339(now);
        var target = targetKind is { HasScale: true }
            ? registry.Store.Get(targetKind, hpa.Namespace, targetName)
            : null;
        if (target is null)
        {
            registry.Mutate(ResourceKinds.HorizontalPodAutoscaler, hpa.Namespace, hpa.Name, o =>
            {
                o.Ensure("status")
                    .SetCondition(
                        "AbleToScale",
                        "False",
                        "FailedGetScale",
                        "the HPA controller was unable to get the target's current scale: "
                            + $"{targetKind?.GroupResource ?? "deployments.apps"} \"{targetName}\" not "
                            + "found",
                        stamp
                    );
                return true;
            });
            return;
        }
        var targetObject = target.Parse();
        var current = (int)(targetObject.Long("spec", "replicas") ?? 1);
        var min = (int)(obj.Long("spec", "minReplicas") ?? 1);
        var max = (int)(obj.Long("spec", "maxReplicas") ?? 1);
        var targetUtilization = obj.Arr("spec", "metrics")
            .Objects()
            .FirstOrDefault(m => m.Str("type") == "Resource" && m.Str("resource", "name") == "cpu")
            ?.Long("resource", "target", "averageUtilization")
            ?? 80;
        var selector = LabelSelector.FromObject(targetObject.Obj("spec", "selector"));
        var pods = registry
            .Store.List(ResourceKinds.Pod, hpa.Namespace)
            .Where(p => p.Phase == "Running" && selector.Matches(p.Labels))
            .ToList();
        double utilization;
        if (UsageModel.PinnedUtilization(targetObject.Obj("metadata", "annotations")) is { } pinned)
        {
            utilization = pinned * 100;
        }
        else if (pods.Count > 0)
        {
            utilization = pods.Average(p => usage.CpuUtilizationPercent(p.Parse()));
        }
        else
        {
            return;
        }
        var ratio = utilization / targetUtilization;
        var desired = Math.Abs(ratio - 1) <= 0.1 ? current : (int)Math.Ceiling(current * ratio);
        var limited =
            desired > max ? "TooManyReplicas"
            : desired < min ? "TooFewReplicas"
            : null;
        desired = Math.Clamp(desired, min, max);
        var rescaled = desired != current;
        if (rescaled)
        {
            registry.Mutate(targetKind!, hpa.Namespace, targetName, o =>
            {
                o.Ensure("spec")["replicas"] = desired;
                return true;
            });
            var direction = desired > current ? "above" : "below";
            events.Normal(
                hpa,
                "SuccessfulRescale",
                $"New size: {desired}; reason: cpu resource utilization (percentage of request) {direction} target",
                Component
            );
        }
        var averageMilli =
            pods.Count == 0
                ? 0
                : (long)pods.Average(p => usage.Containers(p.Parse()).Sum(c => c.CpuNano) / 1_000_000.0);
        registry.Mutate(ResourceKinds.HorizontalPodAutoscaler, hpa.Namespace, hpa.Name, o =>
        {
            var status = o.Ensure("status");
            status["observedGeneration"] = o.Long("metadata", "generation") ?? 1;
            status["currentReplicas"] = current;
            status["desiredReplicas"] = desired;
            if (rescaled)
            {
                status["lastScaleTime"] = stamp;
            }
            status["currentMetrics"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Resource",
                    ["resource"] = new JsonObject
                    {
                        ["name"] = "cpu",
                        ["current"] = new JsonObject
                        {
                            ["averageUtilization"] = (int)Math.Round(utilization),
                            ["averageValue"] = averageMilli.ToString(CultureInfo.InvariantCulture) + "m",
                        },
                    },
                }
            );
            status.SetCondition(
                "AbleToScale",
                "True",
                rescaled ? "SucceededRescale" : "ReadyForNewScale",
                rescaled
                    ? $"the HPA controller was able to update the target scale to {desired}"
                    : "recommended size matches current size",
                stamp
            );
            status.SetCondition(
                "ScalingActive",
                "True",
                "ValidMetricFound",
                "the HPA was able to successfully calculate a replica count from cpu "
                    + "resource utilization (percentage of request)",
                stamp
            );
            status.SetCondition(
                "ScalingLimited",
                limited is null ? "False" : "True",
                limited ?? "DesiredWithinRange",
                limited switch
                {
                    "TooManyReplicas" => "the desired replica count is more than the maximum replica count",
                    "TooFewReplicas" => "the desired replica count is less than the minimum replica count",
                    _ => "the desired count is within the acceptable range",
                },
                stamp
            );
            return true;
        });
    }
}

using k8s;
using k8s.Models;
using Portal.Domain.Quotas;

namespace Portal.Infrastructure.Quotas;

/// <summary>
/// Puts a rendered workload's pods where their environment's pool allows, after whatever rendered them (the portal's
/// own manifests or a template's author), so that no template can take them elsewhere:
/// <list type="bullet">
/// <item>nodeSelector: the pool's requirements, which override the template's on the same keys; its other keys stay,
/// since they can only narrow the choice further.</item>
/// <item>tolerations: the pool's own and no other — a template's would let its pods onto other pools' dedicated nodes
/// (an empty key with Exists tolerates every taint).</item>
/// <item>nodeName and schedulerName: removed, since either would bypass the scheduler that honours the above.</item>
/// <item>affinity is kept: required node affinity is ANDed with nodeSelector, so it can only narrow too.</item>
/// </list>
/// </summary>
public static class PodConfinement
{
    /// <summary>
    /// Confines the pod template of every kind of object that has one; other objects are left as they are.
    /// </summary>
    public static void Confine(IKubernetesObject<V1ObjectMeta> o, PodPlacement placement)
    {
        var pod = o switch
        {
            V1Pod p => p.Spec,
            V1Deployment d => d.Spec?.Template?.Spec,
            V1StatefulSet s => s.Spec?.Template?.Spec,
            V1DaemonSet d => d.Spec?.Template?.Spec,
            V1ReplicaSet r => r.Spec?.Template?.Spec,
            V1Job j => j.Spec?.Template?.Spec,
            V1CronJob c => c.Spec?.JobTemplate?.Spec?.Template?.Spec,
            _ => null,
        };
        if (pod is not null)
            Confine(pod, placement);
    }

    public static void Confine(V1PodSpec pod, PodPlacement placement)
    {
        var selector = pod.NodeSelector is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string>(pod.NodeSelector);
        foreach (var (key, value) in placement.SelectorLabels)
            selector[key] = value;
        pod.NodeSelector = selector.Count == 0 ? null : selector;
        pod.Tolerations = placement.Tolerated is { } taint
            ?
            [
                new V1Toleration
                {
                    Key = taint.Key,
                    OperatorProperty = "Equal",
                    Value = taint.Value,
                },
            ]
            : null;
        pod.NodeName = null;
        pod.SchedulerName = null;
    }
}

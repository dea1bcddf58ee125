using k8s;
using k8s.Models;

namespace Portal.Infrastructure.Applications;

/// <summary>How a rollout stands, read from the Deployment, its ReplicaSets and its new pods.</summary>
internal static class RolloutVerdict
{
    /// <summary>
    /// Done when the controller has seen the latest spec and every replica is updated, available and alone.
    /// </summary>
    public static bool IsComplete(V1Deployment deployment)
    {
        var status = deployment.Status;
        var desired = deployment.Spec?.Replicas ?? 1;
        return status is not null
            && (status.ObservedGeneration ?? 0) >= (deployment.Metadata.Generation ?? 0)
            && (status.UpdatedReplicas ?? 0) == desired
            && (status.AvailableReplicas ?? 0) == desired
            && (status.Replicas ?? 0) == desired;
    }

    /// <summary>
    /// Why the rollout failed, in words, or null while it may still succeed. Pod troubles (an image that cannot be
    /// pulled, a container that keeps crashing, no node with room) count only after they lasted
    /// <paramref name="failFastAfter"/>, as a kubelet retries and a scheduler waits for room; a quota refusal or the
    /// Deployment's own deadline counts at once.
    /// </summary>
    public static async Task<string?> FailureAsync(
        IKubernetes client,
        V1Deployment deployment,
        int revision,
        string image,
        Dictionary<string, DateTimeOffset> troubleSince,
        DateTimeOffset now,
        TimeSpan failFastAfter,
        CancellationToken ct
    )
    {
        var ns = deployment.Metadata.NamespaceProperty;
        var selector = string.Join(
            ",",
            (deployment.Spec?.Selector?.MatchLabels ?? new Dictionary<string, string>()).Select(l =>
                $"{l.Key}={l.Value}"
            )
        );

        var replicaSets = await client.AppsV1.ListNamespacedReplicaSetAsync(
            ns,
            labelSelector: selector,
            cancellationToken: ct
        );
        var quota = replicaSets
            .Items.SelectMany(rs => rs.Status?.Conditions ?? [])
            .FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True");
        if (quota is not null)
        {
            return quota.Message?.Contains("exceeded quota", StringComparison.Ordinal) == true
                ? $"The environment's ResourceQuota refused the new pods: {quota.Message}"
                : $"The new pods could not be created: {quota.Message}";
        }

        var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: ct);
        var revisionText = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (
            var pod in pods.Items.Where(p =>
                p.Metadata.Annotations?.TryGetValue(ApplicationManifests.RevisionAnnotation, out var r) == true
                && r == revisionText
            )
        )
        {
            if (Trouble(pod, image) is not { } trouble)
                continue;
            var key = $"{pod.Metadata.Name}/{trouble.Kind}";
            if (!troubleSince.TryGetValue(key, out var since))
                troubleSince[key] = since = now;
            if (trouble.Immediate || now - since >= failFastAfter)
                return trouble.Reason;
        }

        var progressing = deployment.Status?.Conditions?.FirstOrDefault(c => c.Type == "Progressing");
        if (progressing is { Status: "False", Reason: "ProgressDeadlineExceeded" })
            return $"The rollout made no progress within its deadline: {progressing.Message}";
        return null;
    }

    private sealed record PodTrouble(string Kind, string Reason, bool Immediate = false);

    private static PodTrouble? Trouble(V1Pod pod, string image)
    {
        foreach (var container in pod.Status?.ContainerStatuses ?? [])
        {
            var waiting = container.State?.Waiting;
            switch (waiting?.Reason)
            {
                case "ImagePullBackOff" or "ErrImagePull":
                    return new(
                        "image",
                        $"The image '{image}' cannot be pulled ({waiting.Reason}): check its "
                            + "name and tag, and that the cluster can reach its registry."
                    );
                case "InvalidImageName":
                    return new(
                        "image",
                        $"The image name '{image}' is not valid for the cluster (InvalidImageName).",
                        Immediate: true
                    );
                case "CrashLoopBackOff":
                    var exit = container.LastState?.Terminated;
                    return new(
                        "crash",
                        $"The container keeps crashing (CrashLoopBackOff, {container.RestartCount} restarts"
                            + (
                                exit is null
                                    ? ""
                                    : $", last exit code {exit.ExitCode}"
                                        + (exit.Reason is null ? "" : $" {exit.Reason}")
                            )
                            + "): "
                            + "see the previous instance's log."
                    );
                case "CreateContainerConfigError":
                    return new("config", $"The container cannot be created: {waiting.Message}");
            }
        }
        var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled is { Status: "False", Reason: "Unschedulable" })
            return new("schedule", $"No node has room for the new pods (insufficient resources): {scheduled.Message}");
        return null;
    }
}

using System.Globalization;
using k8s.Models;
using Portal.Domain.Clusters;
using Portal.Domain.Common;
using Portal.Infrastructure.Environments;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// What the watch keeps of a pod: what it holds on its node and in its namespace, and, for a managed pod only, its
/// status.
/// </summary>
internal sealed record PodReading(PodLoad Load, PodStatusReading? Status);

/// <summary>Reads what the hosts inventory and the applications' pages need out of Kubernetes nodes and pods.</summary>
internal static class NodeReading
{
    private const string RolePrefix = "node-role.kubernetes.io/";
    private const string ManagedByLabel = "app.kubernetes.io/managed-by";
    private const string NameLabel = "app.kubernetes.io/name";
    private const string RevisionAnnotation = "portal/revision";

    public static NodeSnapshot From(V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var conditions = node.Status?.Conditions ?? [];
        var ready = conditions.Any(c => c.Type == "Ready" && c.Status == "True");
        var pressures = conditions.Where(c => c.Type != "Ready" && c.Status == "True").Select(c => c.Type);
        var roles = labels
            .Keys.Where(k => k.StartsWith(RolePrefix, StringComparison.Ordinal))
            .Select(k => k[RolePrefix.Length..]);
        var capacity = node.Status?.Capacity ?? new Dictionary<string, ResourceQuantity>();
        var allocatable = node.Status?.Allocatable ?? capacity;
        return new NodeSnapshot(
            node.Metadata.Name,
            string.Join(", ", (node.Status?.Addresses ?? []).Select(a => $"{a.Type}={a.Address}")),
            string.Join(",", roles),
            string.Join("\n", labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}")),
            string.Join(
                "\n",
                (node.Spec?.Taints ?? []).Select(t => $"{t.Key}{(t.Value is null ? "" : "=" + t.Value)}:{t.Effect}")
            ),
            string.Join("\n", conditions.Select(c => $"{c.Type}={c.Status}|{c.Reason}|{c.Message}")),
            ready,
            node.Spec?.Unschedulable == true,
            string.Join(",", pressures),
            Cpu(capacity),
            Bytes(capacity, "memory"),
            Bytes(capacity, "pods"),
            Bytes(capacity, "ephemeral-storage"),
            Cpu(allocatable),
            Bytes(allocatable, "memory"),
            Bytes(allocatable, "pods"),
            node.Metadata.CreationTimestamp ?? DateTime.UnixEpoch
        );
    }

    public static PodReading Read(V1Pod pod) => new(From(pod), Status(pod));

    public static PodLoad From(V1Pod pod)
    {
        long cpu = 0,
            memory = 0,
            cpuLimit = 0,
            memoryLimit = 0;
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            var requests = container.Resources?.Requests;
            var limits = container.Resources?.Limits;
            cpu += Cpu(requests);
            memory += Bytes(requests, "memory");
            cpuLimit += Cpu(limits);
            memoryLimit += Bytes(limits, "memory");
        }
        return new PodLoad(
            pod.Metadata.NamespaceProperty,
            pod.Metadata.Name,
            pod.Spec?.NodeName,
            pod.Status?.Phase ?? "Pending",
            cpu,
            memory,
            cpuLimit,
            memoryLimit
        );
    }

    /// <summary>
    /// The status of a pod the portal manages, as an application's page lists it; null for every other pod, so that the
    /// watch keeps no more than it shows. Its reason is the first container's that is not running (CrashLoopBackOff,
    /// ImagePullBackOff, OOMKilled…), else why it is not scheduled, else the pod's own (Evicted).
    /// </summary>
    public static PodStatusReading? Status(V1Pod pod)
    {
        var labels = pod.Metadata.Labels;
        if (
            labels is null
            || !labels.TryGetValue(ManagedByLabel, out var managedBy)
            || managedBy != EnvironmentProvisioner.ManagedBy
            || !labels.TryGetValue(NameLabel, out var app)
            || string.IsNullOrEmpty(app)
        )
        {
            return null;
        }

        var status = pod.Status;
        var (reason, message) = ContainerTrouble(status?.InitContainerStatuses ?? [], init: true);
        if (reason is null)
            (reason, message) = ContainerTrouble(status?.ContainerStatuses ?? [], init: false);
        if (
            reason is null
            && (status?.Conditions ?? []).FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False")
                is { } unscheduled
        )
            (reason, message) = (unscheduled.Reason ?? "Unschedulable", unscheduled.Message);
        if (reason is null && !string.IsNullOrEmpty(status?.Reason))
            (reason, message) = (status.Reason, status.Message);
        var revision =
            pod.Metadata.Annotations is { } annotations
            && annotations.TryGetValue(RevisionAnnotation, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : (int?)null;
        return new PodStatusReading(
            pod.Metadata.NamespaceProperty,
            pod.Metadata.Name,
            Cut(app, 63)!,
            revision,
            pod.Metadata.DeletionTimestamp is not null ? "Terminating" : Cut(status?.Phase ?? "Pending", 20)!,
            (status?.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True"),
            (status?.ContainerStatuses ?? []).Sum(c => c.RestartCount),
            Cut(reason, 100),
            Cut(message, 1000),
            Cut(pod.Spec?.NodeName, 253),
            Cut(status?.PodIP, 64),
            Cut(string.Join(",", (pod.Spec?.Containers ?? []).Select(c => c.Name)), 500)!,
            pod.Metadata.CreationTimestamp ?? DateTime.UnixEpoch
        );
    }

    /// <summary>
    /// The first container not running as it should, with the words that help most: after a crash, how it last ended.
    /// </summary>
    private static (string? Reason, string? Message) ContainerTrouble(
        IEnumerable<V1ContainerStatus> containers,
        bool init
    )
    {
        foreach (var container in containers)
        {
            if (container.State?.Waiting is { Reason.Length: > 0 } waiting)
            {
                var lastExit = container.LastState?.Terminated is { } last
                    ? $"Last exit: {last.Reason ?? "Error"} (exit code "
                        + $"{last.ExitCode}){(string.IsNullOrEmpty(last.Message) ? "" : ": " + last.Message)}"
                    : null;
                return (
                    waiting.Reason,
                    waiting.Reason == "CrashLoopBackOff" ? lastExit ?? waiting.Message : waiting.Message
                );
            }
            // An init container that ended with 0 did its job.
            if (container.State?.Terminated is { } terminated && !(init && terminated.ExitCode == 0))
                return (
                    terminated.Reason ?? (terminated.ExitCode == 0 ? "Completed" : "Error"),
                    terminated.Message ?? $"Exit code {terminated.ExitCode}"
                );
        }
        return (null, null);
    }

    private static string? Cut(string? text, int length) =>
        text is null || text.Length <= length ? text : text[..length];

    private static long Cpu(IDictionary<string, ResourceQuantity>? resources) =>
        resources is not null && resources.TryGetValue("cpu", out var q) ? Quantity.CpuMillis(q.ToString()) : 0;

    private static long Bytes(IDictionary<string, ResourceQuantity>? resources, string name) =>
        resources is not null && resources.TryGetValue(name, out var q) ? Quantity.Whole(q.ToString()) : 0;
}

/// <summary>A host as the inventory lists it.</summary>
public static class HostRows
{
    public static HostRow From(ClusterHost h) =>
        new(
            h.Name,
            h.Roles,
            h.Ready,
            h.Unschedulable,
            h.Pressures,
            h.CpuAllocatableMillis,
            h.CpuRequestedMillis,
            h.CpuUsageMillis,
            h.MemoryAllocatableBytes,
            h.MemoryRequestedBytes,
            h.MemoryUsageBytes,
            h.PodCount,
            h.PodAllocatable,
            h.CreatedAt
        );
}

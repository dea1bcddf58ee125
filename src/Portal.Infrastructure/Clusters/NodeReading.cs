using k8s.Models;
using Portal.Domain.Clusters;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Clusters;

/// <summary>Reads what the hosts inventory needs out of Kubernetes nodes and pods.</summary>
internal static class NodeReading
{
    private const string RolePrefix = "node-role.kubernetes.io/";

    public static NodeSnapshot From(V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var conditions = node.Status?.Conditions ?? [];
        var ready = conditions.Any(c => c.Type == "Ready" && c.Status == "True");
        var pressures = conditions.Where(c => c.Type != "Ready" && c.Status == "True").Select(c => c.Type);
        var roles = labels.Keys.Where(k => k.StartsWith(RolePrefix, StringComparison.Ordinal)).Select(k => k[RolePrefix.Length..]);
        var capacity = node.Status?.Capacity ?? new Dictionary<string, ResourceQuantity>();
        var allocatable = node.Status?.Allocatable ?? capacity;
        return new NodeSnapshot(
            node.Metadata.Name,
            string.Join(", ", (node.Status?.Addresses ?? []).Select(a => $"{a.Type}={a.Address}")),
            string.Join(",", roles),
            string.Join("\n", labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}")),
            string.Join("\n", (node.Spec?.Taints ?? []).Select(t => $"{t.Key}{(t.Value is null ? "" : "=" + t.Value)}:{t.Effect}")),
            string.Join("\n", conditions.Select(c => $"{c.Type}={c.Status}|{c.Reason}|{c.Message}")),
            ready,
            node.Spec?.Unschedulable == true,
            string.Join(",", pressures),
            Cpu(capacity), Bytes(capacity, "memory"), Bytes(capacity, "pods"), Bytes(capacity, "ephemeral-storage"),
            Cpu(allocatable), Bytes(allocatable, "memory"), Bytes(allocatable, "pods"),
            node.Metadata.CreationTimestamp ?? DateTime.UnixEpoch);
    }

    public static PodLoad From(V1Pod pod)
    {
        long cpu = 0, memory = 0, cpuLimit = 0, memoryLimit = 0;
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            var requests = container.Resources?.Requests;
            var limits = container.Resources?.Limits;
            cpu += Cpu(requests);
            memory += Bytes(requests, "memory");
            cpuLimit += Cpu(limits);
            memoryLimit += Bytes(limits, "memory");
        }
        return new PodLoad(pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Spec?.NodeName, pod.Status?.Phase ?? "Pending",
            cpu, memory, cpuLimit, memoryLimit);
    }

    private static long Cpu(IDictionary<string, ResourceQuantity>? resources) =>
        resources is not null && resources.TryGetValue("cpu", out var q) ? Quantity.CpuMillis(q.ToString()) : 0;

    private static long Bytes(IDictionary<string, ResourceQuantity>? resources, string name) =>
        resources is not null && resources.TryGetValue(name, out var q) ? Quantity.Whole(q.ToString()) : 0;
}

/// <summary>A host as the inventory lists it.</summary>
public static class HostRows
{
    public static HostRow From(ClusterHost h) => new(h.Name, h.Roles, h.Ready, h.Unschedulable, h.Pressures,
        h.CpuAllocatableMillis, h.CpuRequestedMillis, h.CpuUsageMillis,
        h.MemoryAllocatableBytes, h.MemoryRequestedBytes, h.MemoryUsageBytes, h.PodCount, h.PodAllocatable, h.CreatedAt);
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Clusters;
using Portal.Web.Tenancy;

namespace Portal.Web.Clusters;

/// <summary>Live hosts: a browser follows a cluster and receives its hosts as they change.</summary>
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class HostsHub(ClusterRegistry clusters) : Hub
{
    public const string Path = "/hubs/hosts";

    public async Task Follow(string cluster)
    {
        if (await clusters.FindAsync(cluster, Context.ConnectionAborted) is { } found)
            await Groups.AddToGroupAsync(Context.ConnectionId, Group(found.Id), Context.ConnectionAborted);
    }

    public static string Group(Guid clusterId) => $"cluster:{clusterId:N}";
}

/// <summary>Pushes changed hosts to the browsers that follow their cluster.</summary>
internal sealed class SignalRHostChangeNotifier(IHubContext<HostsHub> hub) : IHostChangeNotifier
{
    public Task HostsChangedAsync(Guid clusterId, IReadOnlyList<HostRow> hosts, CancellationToken ct) =>
        hub.Clients.Group(HostsHub.Group(clusterId)).SendAsync("hostsChanged", hosts.Select(HostView.From), ct);
}

/// <summary>
/// A host as pages and the API show it: raw numbers plus the words and percentages people read.
/// <see cref="CpuPercent"/> and
/// <see cref="MemoryPercent"/> are whole percentages for programs; <see cref="CpuShare"/> and <see cref="MemoryShare"/>
/// the same written as pages write them (<see cref="Common.Percent"/>).
/// </summary>
public sealed record HostView(
    string Name,
    string Roles,
    string Status,
    bool Ready,
    bool Unschedulable,
    string Pressures,
    string Cpu,
    int CpuPercent,
    string CpuShare,
    string Memory,
    int MemoryPercent,
    string MemoryShare,
    string? CpuUsage,
    string? MemoryUsage,
    int Pods,
    long PodAllocatable,
    DateTime CreatedAt
)
{
    public static HostView From(HostRow h) =>
        new(
            h.Name,
            h.Roles,
            Describe(h),
            h.Ready,
            h.Unschedulable,
            h.Pressures,
            $"{Domain.Common.Quantity.FormatCpu(h.CpuRequestedMillis)} / "
                + $"{Domain.Common.Quantity.FormatCpu(h.CpuAllocatableMillis)}",
            Percent(h.CpuRequestedMillis, h.CpuAllocatableMillis),
            Common.Percent.Text(h.CpuRequestedMillis, h.CpuAllocatableMillis),
            $"{Domain.Common.Quantity.FormatBytes(h.MemoryRequestedBytes)} / "
                + $"{Domain.Common.Quantity.FormatBytes(h.MemoryAllocatableBytes)}",
            Percent(h.MemoryRequestedBytes, h.MemoryAllocatableBytes),
            Common.Percent.Text(h.MemoryRequestedBytes, h.MemoryAllocatableBytes),
            h.CpuUsageMillis is { } cpu ? Domain.Common.Quantity.FormatCpu(cpu) : null,
            h.MemoryUsageBytes is { } memory ? Domain.Common.Quantity.FormatBytes(memory) : null,
            h.PodCount,
            h.PodAllocatable,
            h.CreatedAt
        );

    public static string Describe(HostRow h) =>
        (!h.Ready ? "NotReady" : "Ready")
        + (h.Unschedulable ? ", cordoned" : "")
        + (h.Pressures.Length > 0 ? $", {h.Pressures}" : "");

    /// <summary>A whole percentage, rounded as <see cref="Common.Percent"/> rounds, at most 999.</summary>
    public static int Percent(long part, long whole) =>
        Common.Percent.Of(part, whole) is { } percent
            ? (int)Math.Min(999, Math.Round(percent, MidpointRounding.AwayFromZero))
            : 0;
}

/// <summary>
/// One labelled bar of how much of something is taken, as a percentage (null when there is no whole).
/// </summary>
public sealed record UsageBar(string Label, string Text, double? Percent);

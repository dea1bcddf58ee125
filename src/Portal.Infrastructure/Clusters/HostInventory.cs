using Microsoft.EntityFrameworkCore;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

public enum HostState
{
    Any,
    Ready,
    NotReady,
    UnderPressure,
    Cordoned,
}

public enum HostSort
{
    Name,
    CpuRequested,
    MemoryRequested,
    Pods,
}

public sealed record HostFilter(
    string? Search = null,
    HostState State = HostState.Any,
    HostSort Sort = HostSort.Name,
    bool Descending = false
);

public sealed record HostRow(
    string Name,
    string Roles,
    bool Ready,
    bool Unschedulable,
    string Pressures,
    long CpuAllocatableMillis,
    long CpuRequestedMillis,
    long? CpuUsageMillis,
    long MemoryAllocatableBytes,
    long MemoryRequestedBytes,
    long? MemoryUsageBytes,
    int PodCount,
    long PodAllocatable,
    DateTime CreatedAt
);

/// <summary>
/// Reads the hosts inventory that the cluster watch keeps: filtered, sorted and paged in the database.
/// </summary>
public sealed class HostInventory(PortalDbContext db)
{
    public async Task<Page<HostRow>> ListAsync(
        Guid clusterId,
        HostFilter filter,
        PageRequest page,
        CancellationToken ct
    )
    {
        var hosts = db.Hosts.AsNoTracking().Where(h => h.ClusterId == clusterId);
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var prefix = filter.Search.Trim();
            hosts = hosts.Where(h => h.Name.StartsWith(prefix));
        }
        hosts = filter.State switch
        {
            HostState.Ready => hosts.Where(h => h.Ready),
            HostState.NotReady => hosts.Where(h => !h.Ready),
            HostState.UnderPressure => hosts.Where(h => h.Pressures != ""),
            HostState.Cordoned => hosts.Where(h => h.Unschedulable),
            _ => hosts,
        };
        var total = await hosts.CountAsync(ct);
        hosts = (filter.Sort, filter.Descending) switch
        {
            (HostSort.CpuRequested, false) => hosts.OrderBy(h => h.CpuRequestedMillis).ThenBy(h => h.Name),
            (HostSort.CpuRequested, true) => hosts.OrderByDescending(h => h.CpuRequestedMillis).ThenBy(h => h.Name),
            (HostSort.MemoryRequested, false) => hosts.OrderBy(h => h.MemoryRequestedBytes).ThenBy(h => h.Name),
            (HostSort.MemoryRequested, true) => hosts
                .OrderByDescending(h => h.MemoryRequestedBytes)
                .ThenBy(h => h.Name),
            (HostSort.Pods, false) => hosts.OrderBy(h => h.PodCount).ThenBy(h => h.Name),
            (HostSort.Pods, true) => hosts.OrderByDescending(h => h.PodCount).ThenBy(h => h.Name),
            (_, true) => hosts.OrderByDescending(h => h.Name),
            _ => hosts.OrderBy(h => h.Name),
        };
        var items = await hosts
            .Skip(page.Skip)
            .Take(page.Size)
            .Select(h => new HostRow(
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
            ))
            .ToListAsync(ct);
        return new Page<HostRow>(items, page.Number, page.Size, total);
    }

    public Task<ClusterHost?> FindAsync(Guid clusterId, string name, CancellationToken ct) =>
        db.Hosts.AsNoTracking().FirstOrDefaultAsync(h => h.ClusterId == clusterId && h.Name == name, ct);
}

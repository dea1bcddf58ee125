using System.Collections.Concurrent;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// The pods of one application (or middleware instance) in one namespace of one cluster: what changes together on a
/// page.
/// </summary>
public readonly record struct AppWorkload(Guid ClusterId, string Namespace, string App);

/// <summary>
/// Tells whoever shows applications live (the browser, through SignalR) that the managed pods of some workloads
/// changed: their status as the cluster's watch saw it (<see cref="WorkloadsChangedAsync"/>), or their usage as metrics
/// sampled it (<see cref="UsageChangedAsync"/>, which waits behind every status change: each minute it is nearly every
/// workload of a cluster). Called with each batch, so an implementation should return quickly and coalesce.
/// </summary>
public interface IWorkloadChangeNotifier
{
    Task WorkloadsChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct);

    Task UsageChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct);
}

internal sealed class NoWorkloadChangeNotifier : IWorkloadChangeNotifier
{
    public Task WorkloadsChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct) =>
        Task.CompletedTask;

    public Task UsageChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct) =>
        Task.CompletedTask;
}

/// <summary>
/// Workloads waiting to be told, each once however often it changed: those whose status changed are taken before those
/// whose usage changed, and a workload taken for its status is no longer waiting for its usage (its status carries it).
/// Thread-safe.
/// </summary>
public sealed class WorkloadChangeQueue
{
    private readonly ConcurrentDictionary<AppWorkload, byte> _status = new();
    private readonly ConcurrentDictionary<AppWorkload, byte> _usage = new();

    public void StatusChanged(IEnumerable<AppWorkload> workloads)
    {
        foreach (var workload in workloads)
            _status.TryAdd(workload, 0);
    }

    public void UsageChanged(IEnumerable<AppWorkload> workloads)
    {
        foreach (var workload in workloads)
            _usage.TryAdd(workload, 0);
    }

    /// <summary>Up to <paramref name="size"/> workloads, status changes first; empty when none wait.</summary>
    public List<AppWorkload> Take(int size)
    {
        var batch = new List<AppWorkload>(Math.Min(size, _status.Count + _usage.Count));
        foreach (var workload in _status.Keys)
        {
            if (batch.Count == size)
                return batch;
            if (_status.TryRemove(workload, out _))
            {
                _usage.TryRemove(workload, out _);
                batch.Add(workload);
            }
        }
        foreach (var workload in _usage.Keys)
        {
            if (batch.Count == size)
                break;
            if (_usage.TryRemove(workload, out _))
                batch.Add(workload);
        }
        return batch;
    }
}

/// <summary>
/// Hears from the cluster's watch, in each batch, which workloads' managed pods changed: how what waits on a workload
/// (a followed rollout) looks again at once instead of at its next scheduled look. Runs in the watch's scope; a failure
/// is logged and costs only that wake.
/// </summary>
public interface IWorkloadPodsObserver
{
    Task PodsChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct);
}

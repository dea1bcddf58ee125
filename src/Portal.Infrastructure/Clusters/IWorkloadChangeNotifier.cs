namespace Portal.Infrastructure.Clusters;

/// <summary>
/// The pods of one application (or middleware instance) in one namespace of one cluster: what changes together on a
/// page.
/// </summary>
public readonly record struct AppWorkload(Guid ClusterId, string Namespace, string App);

/// <summary>
/// Tells whoever shows applications live (the browser, through SignalR) that the managed pods of some workloads
/// changed: their status as the cluster's watch saw it, or their usage as metrics sampled it. Called with each batch,
/// so an implementation should return quickly and coalesce.
/// </summary>
public interface IWorkloadChangeNotifier
{
    Task WorkloadsChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct);
}

internal sealed class NoWorkloadChangeNotifier : IWorkloadChangeNotifier
{
    public Task WorkloadsChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct) =>
        Task.CompletedTask;
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

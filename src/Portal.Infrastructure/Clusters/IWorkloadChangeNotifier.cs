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

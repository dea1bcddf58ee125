namespace Portal.Infrastructure.Clusters;

/// <summary>
/// Tells whoever shows hosts live (the browser, through SignalR) that some of a cluster's hosts changed.
/// </summary>
public interface IHostChangeNotifier
{
    Task HostsChangedAsync(Guid clusterId, IReadOnlyList<HostRow> hosts, CancellationToken ct);
}

internal sealed class NoHostChangeNotifier : IHostChangeNotifier
{
    public Task HostsChangedAsync(Guid clusterId, IReadOnlyList<HostRow> hosts, CancellationToken ct) =>
        Task.CompletedTask;
}

using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;

namespace Portal.Web.Applications;

/// <summary>
/// Live applications: a member of a tenant follows one of its applications and receives its status per environment as
/// the cluster watch sees its pods change, and streams a pod's log. Browsers come with their session cookie, tools with
/// a bearer token; every call checks membership afresh, like the pages do, and a member removed or given a lower role
/// loses the connection (its groups and streams) at once through <see cref="Tenancy.LiveTenantConnections"/>.
/// </summary>
[Authorize(AuthenticationSchemes = "Identity.Application," + IdentitySetup.Bearer)]
public sealed class ApplicationsHub(
    TenantAccessResolver access,
    AppStatusReader status,
    PodLogs logs,
    Tenancy.LiveTenantConnections connections
) : Hub
{
    public const string Path = "/hubs/applications";
    public const string StatusChanged = "statusChanged";

    /// <summary>How much of the log a live tail starts with.</summary>
    public const int StreamTailLines = 200;

    /// <summary>
    /// Joins the groups of the application's workloads (one per environment it is deployed to), then answers with its
    /// status as it is now, so that nothing that changed between rendering the page and joining is missed. An
    /// environment it is deployed to later is followed from the next call.
    /// </summary>
    public async Task<IReadOnlyList<EnvironmentStatus>> Follow(string tenant, string app)
    {
        var ct = Context.ConnectionAborted;
        var applicationId = await FindAsync(tenant, app, ct);
        foreach (var workload in await status.WorkloadsAsync(applicationId, ct))
            await Groups.AddToGroupAsync(Context.ConnectionId, Group(workload), ct);
        return await status.ForApplicationAsync(applicationId, ct);
    }

    /// <summary>
    /// A pod's log, line by line: the last <see cref="StreamTailLines"/> lines, then each new one until the caller
    /// stops the stream, the connection ends or the container stops. With <paramref name="previous"/>, the log of the
    /// instance before the last restart, to its end.
    /// </summary>
    public async IAsyncEnumerable<string> StreamLog(
        string tenant,
        string app,
        string environment,
        string pod,
        string? container,
        bool previous,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        await FindAsync(tenant, app, cancellationToken);
        var lines = await logs.FollowAsync(
            new PodLogRequest(app, environment, pod, container, previous),
            StreamTailLines,
            Context.User!.ToCaller(),
            cancellationToken
        );
        if (!lines.Succeeded)
            throw new HubException(lines.Problem!.Message);
        await using var stream = lines.Value;
        await foreach (var line in stream.WithCancellation(cancellationToken))
            yield return line;
    }

    /// <summary>How many events <see cref="Events"/> answers with, as many as the page shows.</summary>
    public const int EventsShown = 10;

    /// <summary>
    /// The newest events of the application's objects in one environment (back-offs, restarts, scheduling), read from
    /// its cluster: the page asks again whenever the environment's status changes, so that a failing rollout shows why
    /// while it fails.
    /// </summary>
    public async Task<IReadOnlyList<ClusterEventView>> Events(string tenant, string app, string environment)
    {
        var ct = Context.ConnectionAborted;
        var applicationId = await FindAsync(tenant, app, ct);
        return await status.RecentEventsAsync(applicationId, environment, EventsShown, ct);
    }

    public static string Group(AppWorkload workload) =>
        $"workload:{workload.ClusterId:N}:{workload.Namespace}:{workload.App}";

    private async Task<Guid> FindAsync(string tenant, string app, CancellationToken ct)
    {
        var found = await connections.JoinAsync(Context, access, tenant, ct);
        return await status.FindAsync(app, ct)
            ?? throw new HubException($"Application '{app}' was not found in tenant '{tenant}'.");
    }
}

/// <summary>
/// Pushes an application's fresh status in an environment to the browsers that follow it, whenever the watch (or
/// metrics) saw its pods change. Changes are queued and coalesced: a workload changed many times while a push was being
/// made is pushed once more, with its status as it is then; what the watch saw goes before the minute's usage. The
/// queue is read in batches of up to <see cref="BatchSize"/> workloads, each batch's statuses in two queries, so that a
/// watch reporting a thousand changed workloads a second costs a few reads a second rather than two per workload.
/// </summary>
internal sealed class SignalRWorkloadChangeNotifier(
    IServiceScopeFactory scopes,
    IHubContext<ApplicationsHub> hub,
    ILogger<SignalRWorkloadChangeNotifier> logger
) : BackgroundService, IWorkloadChangeNotifier
{
    public const int BatchSize = 500;

    private readonly WorkloadChangeQueue _pending = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true }
    );

    public Task WorkloadsChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct)
    {
        _pending.StatusChanged(workloads);
        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    public Task UsageChangedAsync(IReadOnlyCollection<AppWorkload> workloads, CancellationToken ct)
    {
        _pending.UsageChanged(workloads);
        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                while (_pending.Take(BatchSize) is { Count: > 0 } batch)
                    await PushAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    private async Task PushAsync(IReadOnlyCollection<AppWorkload> batch, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var statuses = await scope
                .ServiceProvider.GetRequiredService<AppStatusReader>()
                .ForWorkloadsAsync(batch, ct);
            await Task.WhenAll(
                statuses.Select(s =>
                    hub.Clients.Group(ApplicationsHub.Group(s.Key))
                        .SendAsync(ApplicationsHub.StatusChanged, new AppStatusUpdate(s.Key.App, s.Value), ct)
                )
            );
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "The status of {Count} changed workloads could not be pushed", batch.Count);
        }
    }
}

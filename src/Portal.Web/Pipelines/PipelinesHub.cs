using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;

namespace Portal.Web.Pipelines;

/// <summary>What following a run answers: the run as it is now, and its log after the page's sequence.</summary>
public sealed record RunFollowed(RunView Run, IReadOnlyList<RunLogLineView> Log);

/// <summary>
/// Live runs: a member of a tenant follows one of its runs (its stage graph as it moves, <see cref="RunChanged"/>, and
/// each line of its log, <see cref="LogAppended"/>) or the tenant's runs as a whole (<see cref="RunsChanged"/>, for the
/// lists). The run is found within the tenant the caller was just checked to be a member of, so no other tenant's run
/// can be joined; a member removed loses the connection at once through <see cref="Tenancy.LiveTenantConnections"/>.
/// </summary>
[Authorize(AuthenticationSchemes = "Identity.Application," + IdentitySetup.Bearer)]
public sealed class PipelinesHub(
    TenantAccessResolver access,
    PipelineRuns runs,
    Tenancy.LiveTenantConnections connections
) : Hub
{
    public const string Path = "/hubs/pipelines";
    public const string RunChanged = "runChanged";
    public const string LogAppended = "logAppended";
    public const string RunsChanged = "runsChanged";

    /// <summary>
    /// Joins the run's group, then answers with the run as it is now and the log written after
    /// <paramref name="afterSequence"/>, so that nothing written between rendering the page and joining is missed.
    /// </summary>
    public async Task<RunFollowed> Follow(string tenant, string app, string pipeline, int run, int afterSequence)
    {
        var ct = Context.ConnectionAborted;
        var member = await connections.JoinAsync(Context, access, tenant, ct);
        var found = await runs.FindAsync(app, pipeline, run, ct);
        if (found is null || found.Run.TenantId != member.Tenant.Id)
            throw new HubException(
                $"Run {run} of pipeline '{pipeline}' of '{app}' was not found in tenant '{tenant}'."
            );
        await Groups.AddToGroupAsync(Context.ConnectionId, RunGroup(found.Run.Id), ct);
        var log = await runs.LogAsync(found.Run.Id, Math.Max(0, afterSequence), ct);
        return new RunFollowed(RunView.Of(found.Run), [.. log.Select(RunLogLineView.Of)]);
    }

    /// <summary>Joins the tenant's runs: every change of one of its runs is announced (for the runs lists).</summary>
    public async Task FollowRuns(string tenant)
    {
        var ct = Context.ConnectionAborted;
        var member = await connections.JoinAsync(Context, access, tenant, ct);
        await Groups.AddToGroupAsync(Context.ConnectionId, TenantGroup(member.Tenant.Id), ct);
    }

    public static string RunGroup(Guid runId) => $"run:{runId:N}";

    public static string TenantGroup(Guid tenantId) => $"tenant-runs:{tenantId:N}";
}

/// <summary>Sends what changed in a run, once saved, to its followers and to the lists of its tenant.</summary>
internal sealed class SignalRRunProgress(IHubContext<PipelinesHub> hub, ILogger<SignalRRunProgress> logger)
    : IRunProgress
{
    public async Task RunChangedAsync(PipelineRun run, CancellationToken ct)
    {
        try
        {
            var view = RunView.Of(run);
            await hub.Clients.Group(PipelinesHub.RunGroup(run.Id)).SendAsync(PipelinesHub.RunChanged, view, ct);
            await hub
                .Clients.Group(PipelinesHub.TenantGroup(run.TenantId))
                .SendAsync(PipelinesHub.RunsChanged, view, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run is saved; a follower that missed a change reads it on its next page or reconnect.
            logger.LogWarning(e, "A change of run {Run} could not be sent to its followers", run.Id);
        }
    }

    public async Task LogWrittenAsync(PipelineRun run, IReadOnlyList<PipelineRunLogLine> lines, CancellationToken ct)
    {
        try
        {
            foreach (var line in lines)
                await hub
                    .Clients.Group(PipelinesHub.RunGroup(run.Id))
                    .SendAsync(PipelinesHub.LogAppended, RunLogLineView.Of(line), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Lines of run {Run}'s log could not be sent to its followers", run.Id);
        }
    }
}

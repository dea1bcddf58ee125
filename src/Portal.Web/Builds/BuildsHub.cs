using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Domain.Builds;
using Portal.Domain.Operations;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;
using BuildRuns = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Web.Builds;

/// <summary>What following a build answers: the build as it is now, and its log after the page's sequence.</summary>
public sealed record BuildFollowed(BuildView Build, IReadOnlyList<BuildLogPart> Chunks);

/// <summary>
/// Live builds: a member of a tenant follows one of its builds and receives each part of its log as the run writes it
/// (<see cref="LogAppended"/>) and its operation as its steps move on (<see cref="BuildChanged"/>). The build is found
/// within the tenant the caller was just checked to be a member of, so no other tenant's build can be joined. Browsers
/// come with their session cookie, tools with a bearer token; a member removed loses the connection at once through
/// <see cref="Tenancy.LiveTenantConnections"/>.
/// </summary>
[Authorize(AuthenticationSchemes = "Identity.Application," + IdentitySetup.Bearer)]
public sealed class BuildsHub(TenantAccessResolver access, BuildRuns builds, Tenancy.LiveTenantConnections connections)
    : Hub
{
    public const string Path = "/hubs/builds";
    public const string LogAppended = "logAppended";
    public const string BuildChanged = "buildChanged";

    /// <summary>
    /// Joins the build's groups, then answers with the build as it is now and the log written after
    /// <paramref name="afterSequence"/>, so that nothing written between rendering the page and joining is missed.
    /// </summary>
    public async Task<BuildFollowed> Follow(string tenant, string app, int build, int afterSequence)
    {
        var ct = Context.ConnectionAborted;
        var member = await connections.JoinAsync(Context, access, tenant, ct);
        var found = await builds.FindAsync(app, build, ct);
        if (found is null || found.Build.TenantId != member.Tenant.Id)
            throw new HubException($"Build {build} of '{app}' was not found in tenant '{tenant}'.");
        await Groups.AddToGroupAsync(Context.ConnectionId, LogGroup(found.Build.Id), ct);
        if (found.Build.OperationId is { } operation)
            await Groups.AddToGroupAsync(Context.ConnectionId, OperationGroup(operation), ct);
        var log = await builds.LogAsync(found.Build.Id, Math.Max(0, afterSequence), ct);
        return new BuildFollowed(
            BuildView.Of(found),
            [.. log.Select(c => new BuildLogPart(c.Sequence, c.Text, c.WrittenAt))]
        );
    }

    public static string LogGroup(Guid buildId) => $"build-log:{buildId:N}";

    public static string OperationGroup(Guid operationId) => $"build-operation:{operationId:N}";

    internal static bool IsAbout(Operation operation) => operation.Kind == OperationKinds.BuildApplication;
}

/// <summary>Sends each part of a build's log, once saved, to the followers of that build.</summary>
internal sealed class SignalRBuildLogSink(IHubContext<BuildsHub> hub, ILogger<SignalRBuildLogSink> logger)
    : IBuildLogSink
{
    public async Task AppendedAsync(BuildLogChunk chunk, CancellationToken ct)
    {
        try
        {
            await hub
                .Clients.Group(BuildsHub.LogGroup(chunk.BuildId))
                .SendAsync(BuildsHub.LogAppended, new BuildLogPart(chunk.Sequence, chunk.Text, chunk.WrittenAt), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The log is kept; a follower that missed a part reads it on its next page or reconnect.
            logger.LogWarning(e, "Part {Sequence} of a build's log could not be sent to its followers", chunk.Sequence);
        }
    }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Common;
using Portal.Web.Common;
using Portal.Web.Tenancy;
using BuildRuns = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Web.Builds;

/// <summary>
/// A build asked for through the API: the branch, tag or commit (the source's own ref when left out), and a recipe
/// with its values to use instead of what the inspection of the source proposes.
/// </summary>
public sealed record BuildRequest(string? Ref, string? Recipe, Dictionary<string, string?>? Values);

/// <summary>
/// The builds of a tenant's applications: queued (202 with the build's address), listed with filters and paging,
/// read with their steps and image, cancelled, rebuilt, and their logs read whole or from a sequence on.
/// </summary>
[Route("api/v1/tenants/{tenant}")]
public sealed class BuildsApiController(BuildRuns builds, AppSources sources) : ApiControllerBase
{
    /// <summary>Queues a build of the application's source; 202 with the build's address, number, operation.</summary>
    [HttpPost("apps/{app}/builds"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Queue(string app, BuildRequest? request, CancellationToken ct) =>
        Queued(app, await builds.QueueAsync(new QueueBuild(app, request?.Ref, request?.Recipe, request?.Values), ct));

    /// <summary>The builds of one application, the newest first, by state and ref, one page.</summary>
    [HttpGet("apps/{app}/builds"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> ListOfApp(
        string app,
        BuildState? state,
        string? @ref,
        int? page,
        int? size,
        CancellationToken ct
    )
    {
        if (!await sources.ApplicationExistsAsync(app, ct))
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Application '{app}'"));
        return Ok(await builds.ListAsync(new BuildQuery(app, state, @ref, page, size), ct));
    }

    /// <summary>The builds of every application of the tenant, the newest first, by application, state, ref.</summary>
    [HttpGet("builds"), Authorize(TenantPolicies.Read)]
    public Task<Page<BuildRow>> List(
        string? app,
        BuildState? state,
        string? @ref,
        int? page,
        int? size,
        CancellationToken ct
    ) => builds.ListAsync(new BuildQuery(app, state, @ref, page, size), ct);

    /// <summary>One build: its state and why, its commit, its image pinned by digest, its steps and their times.
    /// </summary>
    [HttpGet("apps/{app}/builds/{build:int}"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Get(string app, int build, CancellationToken ct) =>
        await builds.FindAsync(app, build, ct) is { } found ? Ok(BuildView.Of(found)) : NotFound(app, build);

    /// <summary>Stops a queued or running build; a build that has ended is refused (409).</summary>
    [HttpPost("apps/{app}/builds/{build:int}/cancel"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Cancel(string app, int build, CancellationToken ct)
    {
        var cancelled = await builds.CancelAsync(app, build, ct);
        return cancelled.Succeeded
            ? await builds.FindAsync(app, build, ct) is { } found
                ? Ok(BuildView.Of(found))
                : NotFound(app, build)
            : this.ToActionResult(cancelled.Problem!);
    }

    /// <summary>Builds the commit of a build again, with the same recipe; 202 with the new build.</summary>
    [HttpPost("apps/{app}/builds/{build:int}/rebuild"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Rebuild(string app, int build, CancellationToken ct) =>
        Queued(app, await builds.RebuildAsync(app, build, ct));

    /// <summary>
    /// The build's log: the whole of it as a text file to download; or, with <c>after</c>, the parts written after
    /// that sequence as JSON, for a follower that asks again until <c>finished</c>.
    /// </summary>
    [HttpGet("apps/{app}/builds/{build:int}/log"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Log(string app, int build, int? after, CancellationToken ct)
    {
        if (await builds.FindAsync(app, build, ct) is not { } found)
            return NotFound(app, build);
        var chunks = await builds.LogAsync(found.Build.Id, after ?? 0, ct);
        if (after is null)
            return BuildLogFile.Of(this, found, chunks);
        return Ok(
            new BuildLogFollow(
                [.. chunks.Select(c => new BuildLogPart(c.Sequence, c.Text, c.WrittenAt))],
                chunks.Count > 0 ? chunks[^1].Sequence : after.Value,
                found.Build.State,
                found.Build.IsFinished
            )
        );
    }

    private IActionResult Queued(string app, Domain.Common.Result<Build> queued) =>
        queued.Succeeded
            ? AcceptedAt(
                nameof(Get),
                new { app, build = queued.Value.Number },
                new BuildQueued(queued.Value.Number, queued.Value.OperationId!.Value)
            )
            : this.ToActionResult(queued.Problem!);

    private IActionResult NotFound(string app, int build) =>
        this.ToActionResult(Domain.Common.Problem.NotFound($"Build {build} of '{app}'"));
}

/// <summary>A build's whole log as a text file to download, for the page's "Download log" and the API alike.</summary>
internal static class BuildLogFile
{
    public static FileContentResult Of(ControllerBase controller, BuildDetails found, IEnumerable<BuildLogChunk> log) =>
        controller.File(
            System.Text.Encoding.UTF8.GetBytes(string.Concat(log.Select(c => c.Text))),
            "text/plain; charset=utf-8",
            $"{found.App}-build-{found.Build.Number}.log"
        );
}

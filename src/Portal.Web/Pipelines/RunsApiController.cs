using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Pipelines;

/// <summary>A run asked for through the API: the branch or tag to run, and the commit when a particular one.</summary>
public sealed record RunRequest(string? Ref, string? Sha);

/// <summary>A decision on an approval stage: approve (true) or reject (false), with a comment.</summary>
public sealed record DecisionRequest(bool Approve, string? Comment);

/// <summary>What a started run answers: its pipeline and number.</summary>
public sealed record RunStarted(string Pipeline, int Run);

/// <summary>The log written after a sequence, and whether the run has ended (nothing more will come).</summary>
public sealed record RunLogFollow(IReadOnlyList<RunLogLineView> Lines, int Last, string State, bool Finished);

/// <summary>
/// The runs of a tenant's pipelines: started by hand (202 with the run's address), listed with filters and paging,
/// read with their stages, their logs read whole or from a sequence on; cancelled, retried from the stage that
/// stopped them, run again; a manual stage started; an approval approved or rejected.
/// </summary>
[Route("api/v1/tenants/{tenant}")]
public sealed class RunsApiController(PipelineRuns runs, AppSources sources, ICurrentActor actor) : ApiControllerBase
{
    /// <summary>Starts a run of the pipeline for a ref (and commit); 202 with the run's address and number.</summary>
    [HttpPost("apps/{app}/pipelines/{pipeline}/runs"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Start(string app, string pipeline, RunRequest? request, CancellationToken ct)
    {
        var by = actor.Actor.Name;
        var started = await runs.StartAsync(
            new StartRun(app, pipeline, new RunTrigger(TriggerKind.Manual, request?.Ref ?? "", request?.Sha, by)),
            ct
        );
        return Started(app, pipeline, started);
    }

    /// <summary>The runs of one application, the newest first, by pipeline, state and ref, one page.</summary>
    [HttpGet("apps/{app}/runs"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> ListOfApp(
        string app,
        string? pipeline,
        RunState? state,
        string? @ref,
        int? page,
        int? size,
        CancellationToken ct
    )
    {
        if (!await sources.ApplicationExistsAsync(app, ct))
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Application '{app}'"));
        return Ok(await runs.ListAsync(new RunQuery(app, pipeline, state, @ref, page, size), ct));
    }

    /// <summary>The runs of every pipeline of the tenant, the newest first, by application, pipeline, state, ref.
    /// </summary>
    [HttpGet("runs"), Authorize(TenantPolicies.Read)]
    public Task<Page<RunRow>> List(
        string? app,
        string? pipeline,
        RunState? state,
        string? @ref,
        int? page,
        int? size,
        CancellationToken ct
    ) => runs.ListAsync(new RunQuery(app, pipeline, state, @ref, page, size), ct);

    /// <summary>One run: its state and why, its trigger, commit and image, and each stage with its times and outcome.
    /// </summary>
    [HttpGet("apps/{app}/pipelines/{pipeline}/runs/{run:int}"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Get(string app, string pipeline, int run, CancellationToken ct) =>
        await runs.FindAsync(app, pipeline, run, ct) is { } found
            ? Ok(RunView.Of(found.Run))
            : NotFound(app, pipeline, run);

    /// <summary>
    /// The run's log: the whole of it as a text file to download; or, with <c>after</c>, the lines written after that
    /// sequence as JSON, for a follower that asks again until <c>finished</c>.
    /// </summary>
    [HttpGet("apps/{app}/pipelines/{pipeline}/runs/{run:int}/log"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Log(string app, string pipeline, int run, int? after, CancellationToken ct)
    {
        if (await runs.FindAsync(app, pipeline, run, ct) is not { } found)
            return NotFound(app, pipeline, run);
        if (after is null)
            return RunLogFile.Of(this, found, await RunLogFile.AllAsync(runs, found.Run.Id, ct));
        var lines = await runs.LogAsync(found.Run.Id, Math.Max(0, after.Value), ct);
        return Ok(
            new RunLogFollow(
                [.. lines.Select(RunLogLineView.Of)],
                lines.Count > 0 ? lines[^1].Sequence : after.Value,
                found.Run.State.ToString(),
                found.Run.IsFinished
            )
        );
    }

    /// <summary>Cancels a queued or running run; a run that has ended is refused (409).</summary>
    [HttpPost("apps/{app}/pipelines/{pipeline}/runs/{run:int}/cancel"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Cancel(string app, string pipeline, int run, CancellationToken ct) =>
        await AfterAsync(await runs.CancelAsync(app, pipeline, run, ct), app, pipeline, run, ct);

    /// <summary>Runs a failed or cancelled run again from the stage that stopped it (409 for any other run).</summary>
    [HttpPost("apps/{app}/pipelines/{pipeline}/runs/{run:int}/retry"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Retry(string app, string pipeline, int run, CancellationToken ct)
    {
        var retried = await runs.RetryAsync(app, pipeline, run, ct);
        return retried.Succeeded ? Ok(RunView.Of(retried.Value)) : this.ToActionResult(retried.Problem!);
    }

    /// <summary>A new run of the same pipeline, ref and commit; 202 with the new run's address.</summary>
    [HttpPost("apps/{app}/pipelines/{pipeline}/runs/{run:int}/rerun"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Rerun(string app, string pipeline, int run, CancellationToken ct) =>
        Started(app, pipeline, await runs.RerunAsync(app, pipeline, run, ct));

    /// <summary>Starts a manual stage whose turn came (409 when it is not waiting to be started).</summary>
    [
        HttpPost("apps/{app}/pipelines/{pipeline}/runs/{run:int}/stages/{stage}/start"),
        Authorize(TenantPolicies.Develop)
    ]
    public async Task<IActionResult> StartStage(
        string app,
        string pipeline,
        int run,
        string stage,
        CancellationToken ct
    ) => await AfterAsync(await runs.StartStageAsync(app, pipeline, run, stage, ct), app, pipeline, run, ct);

    /// <summary>
    /// Approves or rejects an approval stage that waits, with a comment. Only a member the stage names, or one with a
    /// role it names, may (403 otherwise, saying who may); a stage decided already is a conflict (409).
    /// </summary>
    [HttpPost("apps/{app}/pipelines/{pipeline}/runs/{run:int}/stages/{stage}/decision")]
    [Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Decide(
        string app,
        string pipeline,
        int run,
        string stage,
        DecisionRequest request,
        CancellationToken ct
    ) =>
        await AfterAsync(
            await runs.DecideAsync(new DecideApproval(app, pipeline, run, stage, request.Approve, request.Comment), ct),
            app,
            pipeline,
            run,
            ct
        );

    private async Task<IActionResult> AfterAsync(
        Result done,
        string app,
        string pipeline,
        int run,
        CancellationToken ct
    ) =>
        !done.Succeeded ? this.ToActionResult(done.Problem!)
        : await runs.FindAsync(app, pipeline, run, ct) is { } found ? Ok(RunView.Of(found.Run))
        : NotFound(app, pipeline, run);

    private IActionResult Started(string app, string pipeline, Result<PipelineRun> started) =>
        started.Succeeded
            ? AcceptedAt(
                nameof(Get),
                new
                {
                    app,
                    pipeline,
                    run = started.Value.Number,
                },
                new RunStarted(pipeline, started.Value.Number)
            )
            : this.ToActionResult(started.Problem!);

    private IActionResult NotFound(string app, string pipeline, int run) =>
        this.ToActionResult(Domain.Common.Problem.NotFound($"Run {run} of pipeline '{pipeline}' of '{app}'"));
}

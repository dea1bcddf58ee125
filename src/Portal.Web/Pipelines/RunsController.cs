using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Pipelines;

/// <summary>The filters of a runs list, as its filter bar sends them.</summary>
public sealed class RunListQuery
{
    public string? App { get; set; }
    public string? Pipeline { get; set; }
    public RunState? State { get; set; }
    public string? Ref { get; set; }
    public int? Page { get; set; }
}

/// <summary>The decision form of an approval stage: approve or reject, with a comment.</summary>
public sealed class RunDecisionForm
{
    public bool Approve { get; set; }
    public string? Comment { get; set; }
}

/// <summary>A runs list: of one application (<paramref name="App"/>) or of the whole tenant.</summary>
public sealed record RunListModel(TenantAccess Access, string? App, Page<RunRow> Runs, RunListQuery Query);

/// <summary>The application page's "what runs where": per environment, the revision, commit and last run.</summary>
public sealed record AppPipelinesModel(string Tenant, string App, IReadOnlyList<EnvironmentRun> Environments);

/// <summary>
/// What the viewer may do with a stage: start it (a manual stage whose turn came), decide it (an approval that waits),
/// or, when they may not decide it, who may.
/// </summary>
public sealed record StageActions(bool MayStart, bool MayDecide, string? WhoDecides);

/// <summary>
/// One run: its header and stage graph, what the viewer may do with each stage, and its log (of one stage when
/// <paramref name="LogStage"/> says so) up to <paramref name="LastSequence"/>.
/// </summary>
public sealed record RunPageModel(
    TenantAccess Access,
    string App,
    string Pipeline,
    RunView Run,
    IReadOnlyDictionary<string, StageActions> Actions,
    IReadOnlyList<RunLogLineView> Log,
    string? LogStage,
    int LastSequence,
    RunDecisionForm Decision,
    string? DecidingStage
)
{
    public bool IsFinished => Run.State is "Succeeded" or "Failed" or "Cancelled" or "Superseded";

    public bool MayAct => Access.CanChange(TenantRole.Developer);

    /// <summary>The stages in columns: one per step, the stages of a step together (run in parallel).</summary>
    public IReadOnlyList<IReadOnlyList<RunStageView>> Columns =>
        [.. Run.Stages.GroupBy(s => s.Step).OrderBy(g => g.Key).Select(g => (IReadOnlyList<RunStageView>)[.. g])];
}

/// <summary>
/// The runs pages: the runs of an application and of the tenant, and one run with its stage graph and log followed
/// live, and its actions (cancel, retry from the failed stage, re-run, start a manual stage, approve or reject).
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class RunsController(PipelineRuns runs, AppSources sources) : Controller
{
    private const string Views = "~/Pipelines/Views/Runs/";
    private const int ListPageSize = 20;

    [HttpGet(RunRoutes.AppRuns), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> OfApp(string app, [FromQuery] RunListQuery query, CancellationToken ct)
    {
        if (!await sources.ApplicationExistsAsync(app, ct))
            return NotFound();
        return await ListAsync(app, query, ct);
    }

    [HttpGet(RunRoutes.TenantRuns), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> OfTenant([FromQuery] RunListQuery query, CancellationToken ct) =>
        ListAsync(null, query, ct);

    [HttpGet(RunRoutes.Run), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Detail(string app, string pipeline, int run, string? log, CancellationToken ct)
    {
        if (await runs.FindAsync(app, pipeline, run, ct) is not { } found)
            return NotFound();
        return await PageAsync(found, log, new RunDecisionForm(), null, ct);
    }

    /// <summary>The whole log as a text file, each line with its time and stage.</summary>
    [HttpGet(RunRoutes.RunLog), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Log(string app, string pipeline, int run, CancellationToken ct)
    {
        if (await runs.FindAsync(app, pipeline, run, ct) is not { } found)
            return NotFound();
        return RunLogFile.Of(this, found, await RunLogFile.AllAsync(runs, found.Run.Id, ct));
    }

    [HttpPost(RunRoutes.RunCancel), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Cancel(string app, string pipeline, int run, CancellationToken ct) =>
        this.AfterAction(
            (await runs.CancelAsync(app, pipeline, run, ct)).Problem,
            $"Run {run} of {pipeline} is cancelled.",
            RunRoutes.RunUrl(Slug, app, pipeline, run)
        );

    [HttpPost(RunRoutes.RunRetry), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Retry(string app, string pipeline, int run, CancellationToken ct) =>
        this.AfterAction(
            (await runs.RetryAsync(app, pipeline, run, ct)).Problem,
            $"Run {run} of {pipeline} runs again from the stage that stopped it.",
            RunRoutes.RunUrl(Slug, app, pipeline, run)
        );

    /// <summary>Starts a new run of the same ref and commit and goes to it.</summary>
    [HttpPost(RunRoutes.RunRerun), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Rerun(string app, string pipeline, int run, CancellationToken ct)
    {
        var started = await runs.RerunAsync(app, pipeline, run, ct);
        return this.AfterAction(
            started.Problem,
            started.Succeeded ? $"Run {started.Value.Number} of {pipeline} runs run {run} again." : "",
            RunRoutes.RunUrl(Slug, app, pipeline, run),
            started.Succeeded ? RunRoutes.RunUrl(Slug, app, pipeline, started.Value.Number) : null
        );
    }

    [HttpPost(RunRoutes.StageStart), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> StartStage(
        string app,
        string pipeline,
        int run,
        string stage,
        CancellationToken ct
    ) =>
        this.AfterAction(
            (await runs.StartStageAsync(app, pipeline, run, stage, ct)).Problem,
            $"Stage '{stage}' of run {run} is started.",
            RunRoutes.RunUrl(Slug, app, pipeline, run)
        );

    /// <summary>
    /// Approves or rejects an approval stage; a comment too long comes back next to its field, any other refusal (not
    /// an approver, decided already) back to the run as a note.
    /// </summary>
    [HttpPost(RunRoutes.StageDecision), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Decide(
        string app,
        string pipeline,
        int run,
        string stage,
        RunDecisionForm form,
        CancellationToken ct
    )
    {
        // A value that could not be read (a tampered select or checkbox) is not taken for its default.
        if (!ModelState.IsValid)
            return BadRequest();
        var decided = await runs.DecideAsync(
            new DecideApproval(app, pipeline, run, stage, form.Approve, form.Comment),
            ct
        );
        if (decided.Problem is { Kind: ProblemKind.Invalid } invalid)
            return await this.RefusedAsync(
                invalid,
                async () =>
                    await runs.FindAsync(app, pipeline, run, ct) is { } found
                        ? await PageAsync(found, null, form, stage, ct)
                        : NotFound(),
                field => field == nameof(DecideApproval.Comment) ? nameof(RunDecisionForm.Comment) : ""
            );
        return this.AfterAction(
            decided.Problem,
            $"Stage '{stage}' of run {run} is {(form.Approve ? "approved" : "rejected")}.",
            RunRoutes.RunUrl(Slug, app, pipeline, run)
        );
    }

    private string Slug => HttpContext.TenantAccess().Tenant.Slug;

    private async Task<IActionResult> PageAsync(
        RunDetails found,
        string? logStage,
        RunDecisionForm decision,
        string? decidingStage,
        CancellationToken ct
    )
    {
        var access = HttpContext.TenantAccess();
        var run = found.Run;
        var actions = new Dictionary<string, StageActions>();
        var mayAct = access.CanChange(TenantRole.Developer);
        foreach (var stage in run.Stages)
        {
            if (stage.State == StageState.WaitingToStart)
                actions[stage.Name] = new StageActions(mayAct, false, null);
            else if (stage.State == StageState.AwaitingApproval)
            {
                var may = await runs.MayDecideAsync(run, stage.Name, ct);
                actions[stage.Name] = new StageActions(
                    false,
                    mayAct && may.Succeeded,
                    may.Succeeded ? (mayAct ? null : "A Viewer may not decide approvals.") : may.Problem!.Message
                );
            }
        }
        var log = await RunLogFile.AllAsync(runs, run.Id, ct);
        var stageFilter = run.Stages.Any(s => s.Name == logStage) || logStage == "run" ? logStage : null;
        return View(
            Views + "Detail.cshtml",
            new RunPageModel(
                access,
                found.App,
                found.Pipeline,
                RunView.Of(run),
                actions,
                [.. log.Where(l => stageFilter is null || l.Stage == stageFilter).Select(RunLogLineView.Of)],
                stageFilter,
                log.Count > 0 ? log[^1].Sequence : 0,
                decision,
                decidingStage
            )
        );
    }

    private async Task<IActionResult> ListAsync(string? app, RunListQuery query, CancellationToken ct)
    {
        var page = await runs.ListAsync(
            new RunQuery(app ?? query.App, query.Pipeline, query.State, query.Ref, query.Page, ListPageSize),
            ct
        );
        return View(Views + "Index.cshtml", new RunListModel(HttpContext.TenantAccess(), app, page, query));
    }
}

/// <summary>A run's whole log as a text file, for the page's "Download log" and the API alike.</summary>
internal static class RunLogFile
{
    private const int Chunk = 5000;

    /// <summary>Every line of the run's log, read a page at a time.</summary>
    public static async Task<IReadOnlyList<PipelineRunLogLine>> AllAsync(
        PipelineRuns runs,
        Guid runId,
        CancellationToken ct
    )
    {
        var all = new List<PipelineRunLogLine>();
        while (true)
        {
            var page = await runs.LogAsync(runId, all.Count > 0 ? all[^1].Sequence : 0, ct, Chunk);
            all.AddRange(page);
            if (page.Count < Chunk)
                return all;
        }
    }

    public static FileContentResult Of(
        ControllerBase controller,
        RunDetails found,
        IEnumerable<PipelineRunLogLine> log
    ) =>
        controller.File(
            System.Text.Encoding.UTF8.GetBytes(string.Concat(log.Select(l => RunWords.LogLine(l.At, l.Stage, l.Text)))),
            "text/plain; charset=utf-8",
            $"{found.App}-{found.Pipeline}-run-{found.Run.Number}.log"
        );
}

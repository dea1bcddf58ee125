using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Builds;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Applications;
using Portal.Web.Common;
using Portal.Web.Tenancy;
using BuildRuns = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Web.Builds;

/// <summary>The filters of a builds list, as its filter bar sends them.</summary>
public sealed class BuildListQuery
{
    public string? App { get; set; }
    public BuildState? State { get; set; }
    public string? Ref { get; set; }
    public int? Page { get; set; }
}

/// <summary>The "Build" form: a branch, tag or commit, or nothing for the source's own ref.</summary>
public sealed class BuildForm
{
    public string? Ref { get; set; }
}

/// <summary>The deploy form of a successful build.</summary>
public sealed class BuildDeployForm
{
    public string? Environment { get; set; }
    public string? Note { get; set; }
    public bool RollBackOnFailure { get; set; }
}

/// <summary>
/// A builds list: of one application (<paramref name="App"/>, with its source's ref and the "Build" form) or of the
/// whole tenant; and what builds lack on this machine (<paramref name="Missing"/>).
/// </summary>
public sealed record BuildListModel(
    TenantAccess Access,
    string? App,
    AppSourceView? Source,
    Page<BuildRow> Builds,
    BuildListQuery Query,
    BuildForm Form,
    IReadOnlyList<string> Missing
);

/// <summary>One build with the log kept so far (up to <paramref name="LastSequence"/>) and the deploy form.</summary>
public sealed record BuildPageModel(
    TenantAccess Access,
    BuildView Build,
    string Log,
    int LastSequence,
    IReadOnlyList<string> Environments,
    BuildDeployForm Deploy,
    IReadOnlyList<string> Missing
);

/// <summary>
/// The builds pages: the builds of an application (queue one) and of the tenant, and one build with its steps, its
/// log followed live, and cancel, rebuild and deploy.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class BuildsController(
    BuildRuns builds,
    AppSources sources,
    ApplicationChanges changes,
    EnvironmentDirectory environments,
    BuildPrerequisites prerequisites
) : Controller
{
    private const string Views = "~/Builds/Views/Builds/";
    private const int ListPageSize = 20;

    [HttpGet(BuildRoutes.AppBuilds), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> OfApp(string app, [FromQuery] BuildListQuery query, CancellationToken ct)
    {
        if (!await sources.ApplicationExistsAsync(app, ct))
            return NotFound();
        return await ListAsync(app, query, new BuildForm(), ct);
    }

    [HttpGet(BuildRoutes.TenantBuilds), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> OfTenant([FromQuery] BuildListQuery query, CancellationToken ct) =>
        ListAsync(null, query, new BuildForm(), ct);

    /// <summary>Queues a build of the application's source and goes to it; a refusal shows under the form.</summary>
    [HttpPost(BuildRoutes.AppBuilds), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Queue(string app, BuildForm form, CancellationToken ct)
    {
        var queued = await builds.QueueAsync(new QueueBuild(app, form.Ref), ct);
        if (!queued.Succeeded)
            return await this.RefusedAsync(
                queued.Problem!,
                () => ListAsync(app, new BuildListQuery(), form, ct),
                field => field == nameof(BuildForm.Ref) ? field : ""
            );
        return ToBuild(app, queued.Value, $"Build {queued.Value.Number} of {app} is queued.");
    }

    [HttpGet(BuildRoutes.Build), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Detail(string app, int build, CancellationToken ct)
    {
        if (await builds.FindAsync(app, build, ct) is not { } found)
            return NotFound();
        var log = await builds.LogAsync(found.Build.Id, 0, ct);
        return View(
            Views + "Detail.cshtml",
            new BuildPageModel(
                HttpContext.TenantAccess(),
                BuildView.Of(found),
                string.Concat(log.Select(c => c.Text)),
                log.Count > 0 ? log[^1].Sequence : 0,
                found.Build.State == BuildState.Succeeded ? [.. await environments.NamesAsync(ct)] : [],
                new BuildDeployForm(),
                found.Build.IsFinished ? [] : prerequisites.Missing()
            )
        );
    }

    /// <summary>The whole log as a text file.</summary>
    [HttpGet(BuildRoutes.BuildLog), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Log(string app, int build, CancellationToken ct)
    {
        if (await builds.FindAsync(app, build, ct) is not { } found)
            return NotFound();
        return BuildLogFile.Of(this, found, await builds.LogAsync(found.Build.Id, 0, ct));
    }

    [HttpPost(BuildRoutes.BuildCancel), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Cancel(string app, int build, CancellationToken ct) =>
        this.AfterAction(
            (await builds.CancelAsync(app, build, ct)).Problem,
            $"Build {build} of {app} is cancelled, or stops at its next step.",
            BuildRoutes.BuildUrl(Slug, app, build)
        );

    /// <summary>Builds the commit of a build again and goes to the new build.</summary>
    [HttpPost(BuildRoutes.Rebuild), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Rebuild(string app, int build, CancellationToken ct)
    {
        var queued = await builds.RebuildAsync(app, build, ct);
        return queued.Succeeded
            ? ToBuild(app, queued.Value, $"Build {queued.Value.Number} of {app} rebuilds build {build}.")
            : this.AfterAction(queued.Problem, "", BuildRoutes.BuildUrl(Slug, app, build));
    }

    /// <summary>
    /// Deploys the build's image, pinned by digest, to an environment, and goes on to the application as its other
    /// deploys do; a refusal comes back to the build.
    /// </summary>
    [HttpPost(BuildRoutes.BuildDeploy), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Deploy(string app, int build, BuildDeployForm form, CancellationToken ct) =>
        this.AfterQueued(
            await changes.DeployBuildAsync(
                new DeployBuild(app, form.Environment, build, form.Note, form.RollBackOnFailure),
                ct
            ),
            $"Deploying build {build} of '{app}' to '{form.Environment}'.",
            BuildRoutes.BuildUrl(Slug, app, build),
            ApplicationRoutes.DetailUrl(Slug, app)
        );

    private string Slug => HttpContext.TenantAccess().Tenant.Slug;

    private RedirectResult ToBuild(string app, Build build, string done)
    {
        TempData["Flash"] = done;
        return Redirect(BuildRoutes.BuildUrl(Slug, app, build.Number));
    }

    private async Task<IActionResult> ListAsync(string? app, BuildListQuery query, BuildForm form, CancellationToken ct)
    {
        var page = await builds.ListAsync(
            new BuildQuery(app ?? query.App, query.State, query.Ref, query.Page, ListPageSize),
            ct
        );
        return View(
            Views + "Index.cshtml",
            new BuildListModel(
                HttpContext.TenantAccess(),
                app,
                app is null ? null : await sources.FindAsync(app, ct),
                page,
                query,
                form,
                prerequisites.Missing()
            )
        );
    }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Applications;

public sealed class ApplicationListQuery
{
    public string? Search { get; set; }
    public string? Environment { get; set; }
    public ApplicationHealth Health { get; set; }
    public ApplicationSort Sort { get; set; }
    public bool Descending { get; set; }
    public int? Page { get; set; }
    public int? Size { get; set; }
}

public sealed record ApplicationListModel(
    TenantAccess Access,
    Page<ApplicationRow> Applications,
    ApplicationListQuery Query,
    IReadOnlyList<string> Environments
);

public sealed record ApplicationFormModel(
    TenantAccess Access,
    SpecForm Form,
    bool IsNew,
    ImportReport? Imported = null
);

public sealed record ApplicationDetailModel(
    TenantAccess Access,
    ApplicationView Application,
    AppStatusModel Status,
    IReadOnlyList<RevisionView> Revisions,
    IReadOnlyList<string> Environments,
    IReadOnlyDictionary<string, IReadOnlyList<ClusterEventView>> Events,
    IReadOnlyDictionary<string, AutoscalingPolicy?>? Autoscaling = null,
    Pipelines.AppPipelinesModel? Pipelines = null,
    IReadOnlyList<StaleCluster>? StaleClusters = null
);

public sealed record RevisionsModel(
    TenantAccess Access,
    string Application,
    IReadOnlyList<RevisionView> Revisions,
    RevisionDiff? Diff
);

public sealed record PromotionModel(
    TenantAccess Access,
    string Application,
    IReadOnlyList<string> Environments,
    string? From,
    string? To,
    PromotionPreview? Preview,
    string? Note = null
);

/// <summary>
/// The application pages of a tenant: list, create and edit, the application with its environments and actions,
/// revisions and promotion.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class ApplicationsController(
    ApplicationCatalog catalog,
    ApplicationChanges changes,
    AppStatusReader status,
    EnvironmentDirectory environments,
    EnvironmentTruths truths,
    Infrastructure.Pipelines.Runs.PipelineRuns runs,
    ClusterFreshness freshness
) : Controller
{
    [HttpGet(ApplicationRoutes.List), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index([FromQuery] ApplicationListQuery query, CancellationToken ct)
    {
        var page = await catalog.ListAsync(
            new ApplicationFilter(query.Search, query.Environment, query.Health, query.Sort, query.Descending),
            new PageRequest(query.Page, query.Size ?? 20),
            ct
        );
        return View(new ApplicationListModel(HttpContext.TenantAccess(), page, query, await EnvironmentNamesAsync(ct)));
    }

    [HttpGet(ApplicationRoutes.New), Authorize(TenantPolicies.Develop)]
    public IActionResult New() =>
        View("Form", new ApplicationFormModel(HttpContext.TenantAccess(), new SpecForm(), IsNew: true));

    [HttpPost(ApplicationRoutes.New), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Create(SpecForm form, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        var (spec, unreadable) = form.Read();
        var created =
            unreadable.Count == 0
                ? (
                    await catalog.CreateAsync(new CreateApplication(form.Name, form.Description, form.Owner, spec), ct)
                ).Problem
                : form.AllProblems(unreadable, Application.Validate(form.Name, form.Description, form.Owner, spec));
        if (created is not null)
            return Refused(created, new ApplicationFormModel(access, form, IsNew: true));
        TempData["Flash"] = $"Application '{form.Name?.Trim()}' was created. Deploy it to an environment.";
        return Redirect(ApplicationRoutes.DetailUrl(access.Tenant.Slug, form.Name!.Trim()));
    }

    [HttpGet(ApplicationRoutes.Detail), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Detail(string app, CancellationToken ct)
    {
        var found = await catalog.FindAsync(app, ct);
        if (found is null)
            return NotFound();
        var access = HttpContext.TenantAccess();
        var events = new Dictionary<string, IReadOnlyList<ClusterEventView>>();
        foreach (var deployment in found.Deployments)
            events[deployment.Environment] = await status.RecentEventsAsync(
                found.Id,
                deployment.Environment,
                ApplicationsHub.EventsShown,
                ct
            );
        return View(
            new ApplicationDetailModel(
                access,
                found,
                new AppStatusModel(
                    access.Tenant.Slug,
                    found.Name,
                    await status.ForApplicationAsync(found.Id, ct),
                    (await truths.OfApplicationAsync(app, ct) ?? []).ToDictionary(t => t.Environment),
                    access.CanChange(TenantRole.Developer)
                ),
                await catalog.RevisionsAsync(app, ct) ?? [],
                await EnvironmentNamesAsync(ct),
                events,
                await catalog.AutoscalingAsync(found.Id, ct),
                new Pipelines.AppPipelinesModel(access.Tenant.Slug, app, await runs.ByEnvironmentAsync(app, ct)),
                await freshness.OfApplicationAsync(found.Id, ct)
            )
        );
    }

    [HttpGet(ApplicationRoutes.Edit), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Edit(string app, CancellationToken ct) =>
        await catalog.FindAsync(app, ct) is { } found
            ? View("Form", new ApplicationFormModel(HttpContext.TenantAccess(), SpecForm.From(found), IsNew: false))
            : NotFound();

    [HttpPost(ApplicationRoutes.Edit), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Change(string app, SpecForm form, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        if (await catalog.FindAsync(app, ct) is not { } found)
            return NotFound();
        form.Name = found.Name;
        var (spec, unreadable) = form.Read(found.Spec.Autoscaling);
        var changed =
            unreadable.Count == 0
                ? (
                    await catalog.ChangeAsync(new ChangeApplication(app, form.Description, form.Owner, spec), ct)
                ).Problem
                : form.AllProblems(unreadable, Application.Validate(found.Name, form.Description, form.Owner, spec));
        if (changed is not null)
            return Refused(changed, new ApplicationFormModel(access, form, IsNew: false));
        TempData["Flash"] = $"The spec of '{app}' was saved. Deploy it to put it in an environment.";
        return Redirect(ApplicationRoutes.DetailUrl(access.Tenant.Slug, app));
    }

    [HttpPost(ApplicationRoutes.Delete), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Delete(string app, string? confirmName, CancellationToken ct) =>
        BackToApp(
            await catalog.DeleteAsync(app, confirmName, ct),
            app,
            $"Deleting '{app}' from every environment.",
            toList: true
        );

    [HttpPost(ApplicationRoutes.Deploy), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Deploy(
        string app,
        string environment,
        string? note,
        bool rollBackOnFailure,
        int? replicas,
        CancellationToken ct
    ) =>
        BackToApp(
            await changes.DeployAsync(
                new DeployApplication(app, environment, note, rollBackOnFailure, DeployScale.From(replicas)),
                ct
            ),
            app,
            $"Deploying '{app}' to '{environment}'."
        );

    [HttpPost(ApplicationRoutes.Rollback), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> RollBack(string app, string environment, int? revision, CancellationToken ct) =>
        BackToApp(
            revision is null
                ? ReplicaInput.NoRevision
                : await changes.RollBackAsync(new RollBackApplication(app, environment, revision.Value, null), ct),
            app,
            $"Rolling '{app}' back to revision {revision} in '{environment}'."
        );

    [HttpPost(ApplicationRoutes.Scale), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Scale(string app, string environment, int? replicas, CancellationToken ct) =>
        BackToApp(
            replicas is null
                ? Domain.Common.Problem.Invalid("Replicas", ReplicaInput.NoReplicas)
                : await changes.ScaleAsync(app, environment, replicas.Value, ct),
            app,
            $"Scaling '{app}' to {replicas} in '{environment}'."
        );

    [HttpPost(ApplicationRoutes.Stop), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Stop(string app, string environment, CancellationToken ct) =>
        BackToApp(await changes.StopAsync(app, environment, ct), app, $"Stopping '{app}' in '{environment}'.");

    [HttpPost(ApplicationRoutes.Start), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Start(string app, string environment, CancellationToken ct) =>
        BackToApp(await changes.StartAsync(app, environment, ct), app, $"Starting '{app}' in '{environment}'.");

    [HttpPost(ApplicationRoutes.Restart), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Restart(string app, string environment, CancellationToken ct) =>
        BackToApp(await changes.RestartAsync(app, environment, ct), app, $"Restarting '{app}' in '{environment}'.");

    [HttpPost(ApplicationRoutes.Resources), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Resize(
        string app,
        string environment,
        string? cpuRequest,
        string? cpuLimit,
        string? memoryRequest,
        string? memoryLimit,
        CancellationToken ct
    )
    {
        var resources = ResourceText.Parse(cpuRequest, cpuLimit, memoryRequest, memoryLimit);
        return BackToApp(
            resources.Succeeded ? await changes.ResizeAsync(app, environment, resources.Value, ct) : resources.Problem!,
            app,
            $"Resizing '{app}' in '{environment}'."
        );
    }

    [HttpPost(ApplicationRoutes.Autoscaling), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Autoscale(
        string app,
        string environment,
        bool enabled,
        int? minReplicas,
        int? maxReplicas,
        int? cpuUtilizationPercent,
        int? memoryUtilizationPercent,
        CancellationToken ct
    )
    {
        var missing = enabled ? ReplicaInput.Missing(minReplicas, maxReplicas).ToList() : [];
        var policy =
            enabled && missing.Count == 0
                ? new AutoscalingPolicy(
                    minReplicas.GetValueOrDefault(),
                    maxReplicas.GetValueOrDefault(),
                    cpuUtilizationPercent,
                    memoryUtilizationPercent
                )
                : null;
        return BackToApp(
            missing.Count > 0
                ? Domain.Common.Problem.Invalid(missing)
                : await changes.AutoscaleAsync(app, environment, policy, ct),
            app,
            policy is null
                ? $"Turning autoscaling of '{app}' off in '{environment}'."
                : $"Autoscaling '{app}' in '{environment}'."
        );
    }

    [HttpGet(ApplicationRoutes.Revisions), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Revisions(string app, int? from, int? to, CancellationToken ct)
    {
        if (await catalog.RevisionsAsync(app, ct) is not { } revisions)
            return NotFound();
        RevisionDiff? diff = null;
        if (from is { } f && to is { } t)
        {
            var compared = await catalog.DiffAsync(app, f, t, ct);
            if (compared.Succeeded)
                diff = compared.Value;
            else
                ModelState.AddProblem(compared.Problem! with { Field = null });
        }
        return View(new RevisionsModel(HttpContext.TenantAccess(), app, revisions, diff));
    }

    [HttpGet(ApplicationRoutes.Promote), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Promotion(string app, string? from, string? to, CancellationToken ct)
    {
        if (await catalog.FindAsync(app, ct) is null)
            return NotFound();
        return await PromotionPageAsync(app, from, to, null, ct);
    }

    /// <summary>
    /// Promotes; a promotion that would leave the target without some of the source's bindings comes back to the
    /// preview until accepted.
    /// </summary>
    [HttpPost(ApplicationRoutes.Promote), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Promote(
        string app,
        string? from,
        string? to,
        string? note,
        bool acceptMissingBindings,
        CancellationToken ct
    )
    {
        var promoted = await changes.PromoteAsync(
            new PromoteApplication(app, from, to, note, acceptMissingBindings),
            ct
        );
        if (promoted.Problem is { Field: nameof(acceptMissingBindings) } unaccepted)
        {
            return await this.RefusedAsync(unaccepted, () => PromotionPageAsync(app, from, to, note, ct));
        }
        return BackToApp(promoted, app, $"Promoting '{app}' from '{from}' to '{to}'.");
    }

    private async Task<IActionResult> PromotionPageAsync(
        string app,
        string? from,
        string? to,
        string? note,
        CancellationToken ct
    )
    {
        PromotionPreview? preview = null;
        if (from is not null && to is not null)
        {
            var previewed = await changes.PreviewPromotionAsync(app, from, to, ct);
            if (previewed.Succeeded)
                preview = previewed.Value;
            else
                ModelState.AddProblem(previewed.Problem! with { Field = null });
        }
        return View(
            "Promote",
            new PromotionModel(
                HttpContext.TenantAccess(),
                app,
                await EnvironmentNamesAsync(ct),
                from,
                to,
                preview,
                note
            )
        );
    }

    /// <summary>The form again with the refusal next to its fields; secret values are never sent back.</summary>
    private IActionResult Refused(Problem problem, ApplicationFormModel model)
    {
        model.Form.WithoutSecretValues();
        return this.Refused(
            problem,
            () => View("Form", model),
            field => field is null ? "" : model.Form.FieldOf(field)
        );
    }

    /// <summary>
    /// After an action: on to the application with a banner following what was queued, or back with why not.
    /// </summary>
    private IActionResult BackToApp(Result<Operation> outcome, string app, string queued, bool toList = false) =>
        this.AfterQueued(
            outcome,
            queued,
            ApplicationRoutes.DetailUrl(HttpContext.TenantAccess().Tenant.Slug, app),
            toList ? ApplicationRoutes.ListUrl(HttpContext.TenantAccess().Tenant.Slug) : null
        );

    private Task<IReadOnlyList<string>> EnvironmentNamesAsync(CancellationToken ct) => environments.NamesAsync(ct);
}

using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Audit;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;
using PipelineDefinitions = Portal.Infrastructure.Pipelines.Pipelines;

namespace Portal.Web.Pipelines;

public sealed record PipelineListModel(TenantAccess Access, string App, IReadOnlyList<PipelineRow> Pipelines);

/// <summary>
/// The editor: a new pipeline (<paramref name="Pipeline"/> null) or a pipeline's definition to change.
/// </summary>
public sealed record PipelineEditorModel(TenantAccess Access, string App, string? Pipeline, PipelineForm Form);

/// <summary>
/// A pipeline's page: its definition, its webhook (<paramref name="WebhookUrl"/>; the secret in clear only right after
/// it was made, else masked), the deliveries it accepted, the form to start a run.
/// </summary>
public sealed record PipelinePageModel(
    TenantAccess Access,
    PipelineDetails Pipeline,
    string WebhookUrl,
    string? NewSecret,
    IReadOnlyList<WebhookDeliveryRow> Deliveries
);

/// <summary>The "Run" form of a pipeline's page: the ref to run and, optionally, its commit.</summary>
public sealed class StartRunForm
{
    public string? Ref { get; set; }
    public string? Sha { get; set; }
}

/// <summary>
/// An application's pipelines: listed, defined in the editor (a form and its YAML, converted into each other by
/// <see cref="Convert"/>; each saves on its own without JavaScript), shown with their webhook, deleted, their webhook
/// secret rotated. Viewers read; developers change.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class PipelinesController(PipelineDefinitions pipelines, PipelineRuns runs, ICurrentActor actor)
    : Controller
{
    private const string SecretKey = "WebhookSecret";
    private static readonly JsonSerializerOptions AsTyped = new() { PropertyNamingPolicy = null };

    private string Tenant => HttpContext.TenantAccess().Tenant.Slug;

    [HttpGet(PipelineRoutes.AppPipelines), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index(string app, CancellationToken ct)
    {
        var listed = await pipelines.ListAsync(app, ct);
        return listed.Succeeded
            ? View(new PipelineListModel(HttpContext.TenantAccess(), app, listed.Value))
            : NotFound();
    }

    [HttpGet(PipelineRoutes.NewPipeline), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> New(string app, CancellationToken ct) =>
        await pipelines.ApplicationExistsAsync(app, ct) ? Editor(app, null, PipelineForm.New()) : NotFound();

    [HttpPost(PipelineRoutes.NewPipeline), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Create(string app, PipelineForm form, CancellationToken ct)
    {
        if (!await pipelines.ApplicationExistsAsync(app, ct))
            return NotFound();
        if (form.ApplyAct())
            return Editor(app, null, form);
        var yaml = form.ToYaml();
        if (!yaml.Succeeded)
            return Refused(app, null, form, yaml.Problem!);
        var created = await pipelines.CreateAsync(new CreatePipeline(app, form.Name, yaml.Value), ct);
        if (!created.Succeeded)
            return Refused(app, null, form, created.Problem!);
        TempData[SecretKey] = created.Value.WebhookSecret;
        return this.AfterAction(
            null,
            $"Pipeline {created.Value.Pipeline.Name} is defined. Copy its webhook secret now: it is not shown again.",
            PipelineRoutes.PipelineUrl(Tenant, app, created.Value.Pipeline.Name)
        );
    }

    [HttpGet(PipelineRoutes.EditPipeline), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Edit(string app, string pipeline, CancellationToken ct)
    {
        if (await pipelines.FindAsync(app, pipeline, ct) is not { } found)
            return NotFound();
        var form = found.Definition is { } definition
            ? PipelineForm.Of(found.Name, definition, found.Yaml)
            : new PipelineForm
            {
                Name = found.Name,
                Yaml = found.Yaml,
                Mode = PipelineForm.YamlMode,
            };
        if (found.DefinitionProblem is { } problem)
            ModelState.AddProblem(problem);
        return Editor(app, found.Name, form);
    }

    [HttpPost(PipelineRoutes.EditPipeline), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Save(string app, string pipeline, PipelineForm form, CancellationToken ct)
    {
        if (await pipelines.FindAsync(app, pipeline, ct) is null)
            return NotFound();
        form.Name = pipeline;
        if (form.ApplyAct())
            return Editor(app, pipeline, form);
        var yaml = form.ToYaml();
        if (!yaml.Succeeded)
            return Refused(app, pipeline, form, yaml.Problem!);
        var changed = await pipelines.ChangeAsync(new ChangePipeline(app, pipeline, yaml.Value), ct);
        if (!changed.Succeeded)
            return Refused(app, pipeline, form, changed.Problem!);
        return this.AfterAction(
            null,
            $"Pipeline {pipeline} is saved; runs started from now on follow it.",
            PipelineRoutes.PipelineUrl(Tenant, app, pipeline)
        );
    }

    /// <summary>
    /// The editor's tabs kept in sync: the form as YAML (<c>to=yaml</c>) or the YAML as the form (<c>to=form</c>), as
    /// JSON; refused with each problem at its field (the form's) or its line (the YAML's). Saves nothing.
    /// </summary>
    [HttpPost(PipelineRoutes.Convert), Authorize(TenantPolicies.Develop)]
    public IActionResult Convert(string app, PipelineForm form, string? to)
    {
        if (to == PipelineForm.YamlMode)
        {
            var definition = form.ToDefinition();
            return definition.Succeeded
                ? Json(new { ok = true, yaml = Infrastructure.Pipelines.PipelineYaml.Write(definition.Value) }, AsTyped)
                : Problems(definition.Problem!, field => field ?? "");
        }
        var parsed = Infrastructure.Pipelines.PipelineYaml.Parse(form.Yaml);
        if (!parsed.Succeeded)
            return Problems(parsed.Problem!, _ => Infrastructure.Pipelines.PipelineYaml.Field);
        var converted = PipelineForm.Of(form.Name, parsed.Value, form.Yaml ?? "");
        return Json(
            new
            {
                ok = true,
                fields = new Dictionary<string, object?>
                {
                    [nameof(PipelineForm.Branches)] = converted.Branches,
                    [nameof(PipelineForm.Tags)] = converted.Tags,
                    [nameof(PipelineForm.Schedule)] = converted.Schedule,
                    [nameof(PipelineForm.Poll)] = converted.Poll,
                    [nameof(PipelineForm.SupersedeWaiting)] = converted.SupersedeWaiting,
                },
                stages = converted.Stages,
            },
            AsTyped
        );
    }

    [HttpGet(PipelineRoutes.Pipeline), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Detail(string app, string pipeline, CancellationToken ct)
    {
        if (await pipelines.FindAsync(app, pipeline, ct) is not { } found)
            return NotFound();
        var deliveries = await pipelines.DeliveriesAsync(found.Id, ct);
        return View(
            new PipelinePageModel(
                HttpContext.TenantAccess(),
                found,
                PublicUrl.For(HttpContext, PipelineRoutes.WebhookUrl(found.Id)),
                TempData[SecretKey] as string,
                deliveries
            )
        );
    }

    [HttpPost(PipelineRoutes.RotateSecret), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Rotate(string app, string pipeline, CancellationToken ct)
    {
        var rotated = await pipelines.RotateWebhookSecretAsync(app, pipeline, ct);
        if (rotated.Succeeded)
            TempData[SecretKey] = rotated.Value;
        return this.AfterAction(
            rotated.Problem,
            "A new webhook secret is made and the old one no longer works. Copy it now: it is not shown again.",
            PipelineRoutes.PipelineUrl(Tenant, app, pipeline)
        );
    }

    /// <summary>Deletes the pipeline with its runs; as deleting an application, developers may.</summary>
    [HttpPost(PipelineRoutes.DeletePipeline), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Delete(string app, string pipeline, string? confirmName, CancellationToken ct)
    {
        var back = PipelineRoutes.PipelineUrl(Tenant, app, pipeline);
        if (confirmName?.Trim() != pipeline)
            return this.AfterAction(
                Domain.Common.Problem.Invalid("confirmName", $"Type '{pipeline}' to confirm the deletion."),
                "",
                back
            );
        var deleted = await pipelines.DeleteAsync(app, pipeline, ct);
        return this.AfterAction(
            deleted.Problem,
            $"Pipeline {pipeline} is deleted with its runs.",
            back,
            PipelineRoutes.AppPipelinesUrl(Tenant, app)
        );
    }

    /// <summary>Starts a run of the ref (and commit) chosen, as the person who asked.</summary>
    [HttpPost(PipelineRoutes.StartRun), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Start(string app, string pipeline, StartRunForm form, CancellationToken ct)
    {
        var back = PipelineRoutes.PipelineUrl(Tenant, app, pipeline);
        if (string.IsNullOrWhiteSpace(form.Ref))
            return this.AfterAction(Domain.Common.Problem.Invalid("Ref", "Say which branch or tag to run."), "", back);
        var trigger = new RunTrigger(
            TriggerKind.Manual,
            form.Ref.Trim(),
            string.IsNullOrWhiteSpace(form.Sha) ? null : form.Sha.Trim(),
            actor.Actor.Name
        );
        var started = await runs.StartAsync(new StartRun(app, pipeline, trigger), ct);
        return this.AfterAction(
            started.Problem,
            started.Succeeded ? $"Run {started.Value.Number} of {pipeline} is started on {trigger.Ref}." : "",
            back
        );
    }

    /// <summary>
    /// The webhook's path: one per pipeline, found by its id alone, since a Git host knows no tenant.
    /// </summary>
    private ViewResult Editor(string app, string? pipeline, PipelineForm form) =>
        View("Editor", new PipelineEditorModel(HttpContext.TenantAccess(), app, pipeline, form));

    private IActionResult Refused(string app, string? pipeline, PipelineForm form, Domain.Common.Problem problem) =>
        this.Refused(problem, () => Editor(app, pipeline, form), field => field ?? "");

    private JsonResult Problems(Domain.Common.Problem problem, Func<string?, string> keyOf)
    {
        var causes = problem.Causes.Count > 0 ? problem.Causes : [problem];
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Json(
            new { ok = false, problems = causes.Select(c => new { field = keyOf(c.Field), message = c.Message }) },
            AsTyped
        );
    }
}

/// <summary>
/// One stage of the editor at its place: <paramref name="Index"/> is "__index__" in the script's template.
/// </summary>
public sealed record StageEditorModel(StageForm Stage, string Index, int Number);

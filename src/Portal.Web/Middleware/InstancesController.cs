using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Domain.Middleware;
using Portal.Domain.Operations;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Identity;
using Portal.Web.Tenancy;

namespace Portal.Web.Middleware;

public sealed record InstanceListModel(
    TenantAccess Access,
    Page<InstanceRow> Instances,
    string? Environment,
    string? Template,
    IReadOnlyList<string> Environments
);

/// <summary>What the new-instance form holds; parameters by name.</summary>
public sealed class InstanceForm
{
    public string? Template { get; set; }
    public string? Environment { get; set; }
    public string? Name { get; set; }
    public string? Version { get; set; }
    public string? Plan { get; set; }
    public Dictionary<string, string?> Parameters { get; set; } = [];
}

public sealed record NewInstanceModel(
    TenantAccess Access,
    IReadOnlyList<MiddlewareTemplate> Templates,
    MiddlewareTemplate? Template,
    InstanceForm Form,
    IReadOnlyList<string> Environments
);

public sealed record InstanceDetailModel(
    TenantAccess Access,
    InstanceView Instance,
    IReadOnlyList<ClusterEventView> Events,
    RevealedCredentials? Revealed
);

public sealed record BindingPreviewModel(
    TenantAccess Access,
    InstanceView Instance,
    string? App,
    IReadOnlyList<BindingVariableView> Variables,
    IReadOnlyList<string> Applications
);

/// <summary>
/// The middleware instance pages of a tenant: list, provision, the instance with its day-2 actions, reveal, delete and
/// bindings.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class InstancesController(
    InstanceDirectory directory,
    InstanceChanges changes,
    MiddlewareBindings bindings,
    EnvironmentDirectory environments,
    ApplicationCatalog applications,
    PodLogs logs
) : Controller
{
    /// <summary>The last lines of an instance pod's log, as a file.</summary>
    [HttpGet(MiddlewareRoutes.PodLog), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Log(
        string environment,
        string instance,
        string pod,
        int? lines,
        string? container,
        bool previous,
        CancellationToken ct
    )
    {
        var tail = await logs.TailAsync(
            new PodLogRequest(instance, environment, pod, container, previous),
            lines ?? PodLogs.DefaultLines,
            User.ToCaller(),
            ct
        );
        if (!tail.Succeeded)
            return this.Answer(tail.Problem!);

        return File(System.Text.Encoding.UTF8.GetBytes(tail.Value), "text/plain; charset=utf-8", $"{pod}.log");
    }

    [HttpGet(MiddlewareRoutes.Instances), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index(string? environment, string? template, int? page, CancellationToken ct) =>
        View(
            new InstanceListModel(
                HttpContext.TenantAccess(),
                await directory.ListAsync(
                    string.IsNullOrEmpty(environment) ? null : environment,
                    string.IsNullOrEmpty(template) ? null : template,
                    new PageRequest(page, 25),
                    ct
                ),
                environment,
                template,
                await EnvironmentNamesAsync(ct)
            )
        );

    [HttpGet(MiddlewareRoutes.NewInstance), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> New(string? template, CancellationToken ct)
    {
        var chosen = await directory.TemplateAsync(template, ct);
        var form = new InstanceForm
        {
            Template = chosen?.Name,
            Version = chosen?.LatestVersion()?.Version,
            Plan = chosen?.DefaultPlan()?.Name,
            Parameters = chosen?.Definition.Parameters.ToDictionary(p => p.Name, p => p.Default) ?? [],
        };
        return View(
            new NewInstanceModel(
                HttpContext.TenantAccess(),
                await directory.OfferedTemplatesAsync(ct),
                chosen,
                form,
                await EnvironmentNamesAsync(ct)
            )
        );
    }

    [HttpPost(MiddlewareRoutes.NewInstance), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Create(InstanceForm form, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        var provisioned = await changes.ProvisionAsync(
            new ProvisionInstance(form.Environment, form.Name, form.Template, form.Version, form.Plan, form.Parameters),
            ct
        );
        if (provisioned.Succeeded)
        {
            TempData["Flash"] =
                $"Provisioning '{form.Name?.Trim()}' in '{form.Environment}'. Follow it here or under Operations.";
            return Redirect(MiddlewareRoutes.InstanceUrl(access.Tenant.Slug, form.Environment!, form.Name!.Trim()));
        }
        return await this.RefusedAsync(
            provisioned.Problem!,
            async () =>
                View(
                    "New",
                    new NewInstanceModel(
                        access,
                        await directory.OfferedTemplatesAsync(ct),
                        await directory.TemplateAsync(form.Template, ct),
                        form,
                        await EnvironmentNamesAsync(ct)
                    )
                ),
            field => field is null ? "" : FieldOf(field)
        );
    }

    [HttpGet(MiddlewareRoutes.Instance), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Detail(string environment, string instance, CancellationToken ct) =>
        await directory.FindAsync(environment, instance, ct) is { } found
            ? View(
                new InstanceDetailModel(
                    HttpContext.TenantAccess(),
                    found,
                    await directory.EventsAsync(environment, instance, 20, ct),
                    null
                )
            )
            : NotFound();

    /// <summary>Shows the credentials in clear on this response only; the reveal is audited.</summary>
    [HttpPost(MiddlewareRoutes.Reveal), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Reveal(string environment, string instance, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        var revealed = await changes.RevealAsync(environment, instance, ct);
        if (!revealed.Succeeded || await directory.FindAsync(environment, instance, ct) is not { } found)
            return NotFound();
        Response.Headers.CacheControl = "no-store";
        return View(
            "Detail",
            new InstanceDetailModel(
                access,
                found,
                await directory.EventsAsync(environment, instance, 20, ct),
                revealed.Value
            )
        );
    }

    [HttpPost(MiddlewareRoutes.Scale), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Scale(string environment, string instance, int? replicas, CancellationToken ct) =>
        BackToInstance(
            replicas is null
                ? Domain.Common.Problem.Invalid("Replicas", ReplicaInput.NoInstanceReplicas)
                : await changes.ScaleAsync(environment, instance, replicas.Value, ct),
            environment,
            instance,
            $"Scaling '{instance}' to {replicas}."
        );

    [HttpPost(MiddlewareRoutes.Plan), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> ChangePlan(
        string environment,
        string instance,
        string? plan,
        CancellationToken ct
    ) =>
        BackToInstance(
            await changes.ChangePlanAsync(environment, instance, plan, ct),
            environment,
            instance,
            $"Changing '{instance}' to plan '{plan}'."
        );

    [HttpPost(MiddlewareRoutes.Upgrade), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Upgrade(
        string environment,
        string instance,
        string? version,
        CancellationToken ct
    ) =>
        BackToInstance(
            await changes.UpgradeAsync(environment, instance, version, ct),
            environment,
            instance,
            $"Upgrading '{instance}' to {version}."
        );

    [HttpPost(MiddlewareRoutes.Restart), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Restart(string environment, string instance, CancellationToken ct) =>
        BackToInstance(
            await changes.RestartAsync(environment, instance, ct),
            environment,
            instance,
            $"Restarting '{instance}'."
        );

    /// <summary>
    /// Deletes with an explicit choice about the data volumes; a bound instance needs its name typed as confirmation.
    /// </summary>
    [HttpPost(MiddlewareRoutes.Delete), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Delete(
        string environment,
        string instance,
        string? volumes,
        string? confirmName,
        CancellationToken ct
    )
    {
        if (volumes is not ("keep" or "delete"))
            return BackToInstance(
                Domain.Common.Problem.Invalid("Volumes", "Choose whether the data volumes are kept or deleted."),
                environment,
                instance,
                ""
            );
        return BackToInstance(
            await changes.DeleteAsync(new DeleteInstance(environment, instance, volumes == "keep", confirmName), ct),
            environment,
            instance,
            $"Deleting '{instance}' ({(volumes == "keep" ? "keeping" : "deleting")} its data volumes).",
            toList: true
        );
    }

    /// <summary>
    /// The variables a binding would give the application, with inputs to rename them, before anything changes.
    /// </summary>
    [HttpGet(MiddlewareRoutes.NewBinding), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> PreviewBinding(
        string environment,
        string instance,
        string? app,
        CancellationToken ct
    )
    {
        if (await directory.FindAsync(environment, instance, ct) is not { } found)
            return NotFound();
        var preview = await bindings.PreviewAsync(environment, instance, null, ct);
        if (!preview.Succeeded)
            ModelState.AddModelError("", preview.Problem!.Message);
        return View(
            "BindingPreview",
            new BindingPreviewModel(
                HttpContext.TenantAccess(),
                found,
                app,
                preview.Succeeded ? preview.Value : [],
                await ApplicationsInAsync(environment, ct)
            )
        );
    }

    [HttpPost(MiddlewareRoutes.Bindings), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Bind(
        string environment,
        string instance,
        string? app,
        Dictionary<string, string?>? names,
        CancellationToken ct
    )
    {
        var bound = await bindings.BindAsync(new BindInstance(environment, instance, app, names), ct);
        if (bound.Succeeded)
            return BackToInstance(
                bound,
                environment,
                instance,
                $"Binding '{instance}' to '{app}': a new revision of '{app}' is being deployed."
            );
        return await this.RefusedAsync(
            bound.Problem!,
            () => BindingPreviewAsync(environment, instance, app, names, ct),
            field => field is null ? "" : $"names[{field}]"
        );
    }

    /// <summary>The binding's preview again, with the names the user chose, after a refusal.</summary>
    private async Task<IActionResult> BindingPreviewAsync(
        string environment,
        string instance,
        string? app,
        Dictionary<string, string?>? names,
        CancellationToken ct
    )
    {
        if (await directory.FindAsync(environment, instance, ct) is not { } found)
            return NotFound();
        var preview = await bindings.PreviewAsync(environment, instance, null, ct);
        var variables = (preview.Succeeded ? preview.Value : [])
            .Select(v =>
                v with
                {
                    Name = names?.GetValueOrDefault(v.DefaultName) is { Length: > 0 } chosen ? chosen : v.Name,
                }
            )
            .ToList();
        return View(
            "BindingPreview",
            new BindingPreviewModel(
                HttpContext.TenantAccess(),
                found,
                app,
                variables,
                await ApplicationsInAsync(environment, ct)
            )
        );
    }

    [HttpPost(MiddlewareRoutes.DeleteBinding), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Unbind(string environment, string instance, string app, CancellationToken ct) =>
        BackToInstance(
            await bindings.UnbindAsync(environment, instance, app, ct),
            environment,
            instance,
            $"Unbinding '{instance}' from '{app}': a new revision of '{app}' is being deployed."
        );

    /// <summary>
    /// After an action: back to the instance (or on to the list) with a note of what was queued, or why not.
    /// </summary>
    private IActionResult BackToInstance(
        Result<Operation> outcome,
        string environment,
        string instance,
        string queued,
        bool toList = false
    )
    {
        var slug = HttpContext.TenantAccess().Tenant.Slug;
        return this.AfterAction(
            outcome.Problem,
            queued,
            MiddlewareRoutes.InstanceUrl(slug, environment, instance),
            toList ? MiddlewareRoutes.InstancesUrl(slug) : null
        );
    }

    private static string FieldOf(string field) =>
        field switch
        {
            "Name" or "Template" or "Version" or "Plan" or "Environment" => field,
            _ when field.StartsWith("Parameters.", StringComparison.Ordinal) =>
                $"Parameters[{field["Parameters.".Length..]}]",
            _ => field,
        };

    private async Task<IReadOnlyList<string>> EnvironmentNamesAsync(CancellationToken ct) =>
        [.. await environments.NamesAsync(ct)];

    private Task<IReadOnlyList<string>> ApplicationsInAsync(string environment, CancellationToken ct) =>
        applications.NamesInAsync(environment, ct);
}

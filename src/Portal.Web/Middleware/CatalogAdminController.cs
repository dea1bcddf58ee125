using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Middleware;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Middleware;

/// <summary>
/// The platform admin's middleware catalog: every template, hidden ones included; a whole template added from the
/// catalog file format; versions and plans added; templates, versions and plans hidden and shown again.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class CatalogAdminController(MiddlewareCatalog catalog) : Controller
{
    private const string ListView = "/Middleware/Views/Catalog/Admin.cshtml";
    private const string DetailView = "/Middleware/Views/Catalog/AdminTemplate.cshtml";
    private const int PageSize = 50;

    [HttpGet(MiddlewareRoutes.AdminCatalog)]
    public async Task<IActionResult> Index([FromQuery] CatalogQuery query, CancellationToken ct) =>
        View(ListView, await ListAsync(query, new NewTemplateForm(), ct));

    [HttpPost(MiddlewareRoutes.AdminCatalog)]
    [RequestSizeLimit(2 * 1024 * 1024)]
    public async Task<IActionResult> Create([Bind(Prefix = "Form")] NewTemplateForm form, CancellationToken ct)
    {
        var yaml = form.Yaml;
        if (form.File is { Length: > 0 } file)
        {
            if (file.Length > MiddlewareCatalog.MaxYamlLength)
                return await RefusedListAsync(
                    Domain.Common.Problem.Invalid(
                        "Yaml",
                        $"A template has at most {MiddlewareCatalog.MaxYamlLength / 1024} KiB of text."
                    ),
                    form,
                    ct
                );
            using var reader = new StreamReader(file.OpenReadStream());
            yaml = await reader.ReadToEndAsync(ct);
        }
        var created = await catalog.CreateAsync(yaml, ct);
        if (!created.Succeeded)
            return await RefusedListAsync(created.Problem!, form, ct);
        TempData["Flash"] = $"Template '{created.Value.Name}' was added to the catalog.";
        return Redirect(MiddlewareRoutes.AdminTemplateUrl(created.Value.Name));
    }

    [HttpGet(MiddlewareRoutes.AdminTemplate)]
    public async Task<IActionResult> Detail(string template, CancellationToken ct) =>
        await catalog.FindAsync(template, CatalogVisibility.All, ct) is { } found
            ? View(
                DetailView,
                new CatalogAdminDetailModel(found, new VersionForm(), new PlanForm(), DetailsForm.For(found))
            )
            : NotFound();

    [HttpPost(MiddlewareRoutes.AdminTemplateDetails)]
    public async Task<IActionResult> ChangeDetails(
        string template,
        [Bind(Prefix = "Details")] DetailsForm form,
        CancellationToken ct
    )
    {
        // A value that could not be read (a tampered select or checkbox) is not taken for its default.
        if (!ModelState.IsValid)
            return BadRequest();
        var changed = await catalog.ChangeDetailsAsync(
            new ChangeTemplateDetails(template, form.DisplayName, form.Category, form.Icon, form.Description),
            ct
        );
        return await AfterAsync(
            template,
            changed,
            "Details",
            "The template's details were changed.",
            details: form,
            ct: ct
        );
    }

    [HttpPost(MiddlewareRoutes.AdminVersions)]
    public async Task<IActionResult> AddVersion(
        string template,
        [Bind(Prefix = "NewVersion")] VersionForm form,
        CancellationToken ct
    )
    {
        var added = await catalog.AddVersionAsync(
            new AddTemplateVersion(template, form.Version, form.Image, form.MajorLine),
            ct
        );
        return await AfterAsync(
            template,
            added,
            "NewVersion",
            $"Version {form.Version?.Trim()} was added.",
            version: form,
            ct: ct
        );
    }

    [HttpPost(MiddlewareRoutes.AdminPlans)]
    public async Task<IActionResult> AddPlan(
        string template,
        [Bind(Prefix = "NewPlan")] PlanForm form,
        CancellationToken ct
    )
    {
        var added = await catalog.AddPlanAsync(template, form.ToInput(), ct);
        return await AfterAsync(
            template,
            added,
            "NewPlan",
            $"Plan '{form.Name?.Trim()}' was added.",
            plan: form,
            ct: ct
        );
    }

    [HttpPost(MiddlewareRoutes.AdminHideTemplate)]
    public async Task<IActionResult> Hide(string template, bool toList, CancellationToken ct) =>
        await SetHiddenAsync(template, hidden: true, toList, ct);

    [HttpPost(MiddlewareRoutes.AdminShowTemplate)]
    public async Task<IActionResult> Show(string template, bool toList, CancellationToken ct) =>
        await SetHiddenAsync(template, hidden: false, toList, ct);

    [HttpPost(MiddlewareRoutes.AdminHideVersion)]
    public async Task<IActionResult> HideVersion(string template, string version, CancellationToken ct) =>
        await AfterAsync(
            template,
            await catalog.SetVersionHiddenAsync(template, version, true, ct),
            "Visibility",
            $"Version {version} is no longer offered.",
            ct: ct
        );

    [HttpPost(MiddlewareRoutes.AdminShowVersion)]
    public async Task<IActionResult> ShowVersion(string template, string version, CancellationToken ct) =>
        await AfterAsync(
            template,
            await catalog.SetVersionHiddenAsync(template, version, false, ct),
            "Visibility",
            $"Version {version} is offered again.",
            ct: ct
        );

    [HttpPost(MiddlewareRoutes.AdminHidePlan)]
    public async Task<IActionResult> HidePlan(string template, string plan, CancellationToken ct) =>
        await AfterAsync(
            template,
            await catalog.SetPlanHiddenAsync(template, plan, true, ct),
            "Visibility",
            $"Plan '{plan}' is no longer offered.",
            ct: ct
        );

    [HttpPost(MiddlewareRoutes.AdminShowPlan)]
    public async Task<IActionResult> ShowPlan(string template, string plan, CancellationToken ct) =>
        await AfterAsync(
            template,
            await catalog.SetPlanHiddenAsync(template, plan, false, ct),
            "Visibility",
            $"Plan '{plan}' is offered again.",
            ct: ct
        );

    private async Task<IActionResult> SetHiddenAsync(string template, bool hidden, bool toList, CancellationToken ct)
    {
        // A value that could not be read (a tampered select or checkbox) is not taken for its default.
        if (!ModelState.IsValid)
            return BadRequest();
        var changed = await catalog.SetHiddenAsync(template, hidden, ct);
        if (!changed.Succeeded)
            return NotFound();
        TempData["Flash"] = hidden
            ? $"Template '{template}' is hidden from tenants; its instances keep running."
            : $"Template '{template}' is offered to tenants again.";
        return Redirect(toList ? MiddlewareRoutes.AdminCatalogUrl() : MiddlewareRoutes.AdminTemplateUrl(template));
    }

    /// <summary>
    /// Back to the template after a change; a refusal shows the page again with the problems next to the form's fields.
    /// </summary>
    private async Task<IActionResult> AfterAsync(
        string template,
        Result result,
        string prefix,
        string flash,
        VersionForm? version = null,
        PlanForm? plan = null,
        DetailsForm? details = null,
        CancellationToken ct = default
    )
    {
        if (result.Succeeded)
        {
            TempData["Flash"] = flash;
            return Redirect(MiddlewareRoutes.AdminTemplateUrl(template));
        }
        return await this.RefusedAsync(
            result.Problem!,
            async () =>
                await catalog.FindAsync(template, CatalogVisibility.All, ct) is not { } found
                    ? NotFound()
                    : View(
                        DetailView,
                        new CatalogAdminDetailModel(
                            found,
                            version ?? new VersionForm(),
                            plan ?? new PlanForm(),
                            details ?? DetailsForm.For(found)
                        )
                    ),
            prefix
        );
    }

    private async Task<IActionResult> RefusedListAsync(
        Domain.Common.Problem problem,
        NewTemplateForm form,
        CancellationToken ct
    )
    {
        return await this.RefusedAsync(
            problem,
            async () => View(ListView, await ListAsync(new CatalogQuery(), form, ct)),
            "Form"
        );
    }

    private async Task<CatalogAdminListModel> ListAsync(
        CatalogQuery query,
        NewTemplateForm form,
        CancellationToken ct
    ) =>
        new(
            await catalog.ListAsync(
                new CatalogFilter(query.Search, query.Category, CatalogVisibility.All),
                new PageRequest(query.Page, PageSize),
                ct
            ),
            query,
            form
        );
}

using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Applications;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Applications;

/// <summary>A Deployment's YAML, pasted or uploaded.</summary>
public sealed class ImportForm
{
    public string? Yaml { get; set; }
    public IFormFile? File { get; set; }
}

public sealed record ImportPageModel(TenantAccess Access, ImportForm Form);

public sealed record ManifestsModel(TenantAccess Access, RenderedManifests Manifests);

/// <summary>
/// What an import carried over and what not: the importer's notes, and what the form cannot hold of the imported spec
/// (more than one config file, health-check timings), which creating the application through the API would keep.
/// </summary>
public sealed record ImportReport(
    string Name,
    IReadOnlyList<ImportNote> NotMapped,
    IReadOnlyList<string> Adjustments,
    IReadOnlyList<SpecChange> NotInForm
)
{
    public static (SpecForm Form, ImportReport Report) Of(ImportedApplication imported)
    {
        var form = SpecForm.From(imported.Name, null, null, imported.Spec);
        var (kept, _) = form.Read();
        return (
            form,
            new ImportReport(
                imported.Name,
                imported.NotMapped,
                imported.Adjustments,
                SpecDiff.Between(imported.Spec, kept)
            )
        );
    }
}

/// <summary>
/// The YAML of an application's objects in an environment, read-only with secret values masked; and a new application's
/// form filled in from a Deployment's YAML, saved by nobody until the form is.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed partial class ApplicationYamlController(DeployedManifests manifests) : Controller
{
    private const string Views = "~/Applications/Views/ApplicationYaml/";

    [HttpGet(ApplicationRoutes.Yaml), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Manifests(string app, string environment, bool download, CancellationToken ct)
    {
        var rendered = await manifests.ViewAsync(app, environment, ct);
        var access = HttpContext.TenantAccess();
        if (!rendered.Succeeded)
            return this.AfterAction(rendered.Problem, "", ApplicationRoutes.DetailUrl(access.Tenant.Slug, app));
        var view = rendered.Value;
        return download
            ? File(
                Encoding.UTF8.GetBytes(view.Yaml),
                "application/yaml",
                $"{view.App}-{view.Environment}-revision-{view.Revision}.yaml"
            )
            : View(Views + "Manifests.cshtml", new ManifestsModel(access, view));
    }

    [HttpGet(ApplicationRoutes.Import), Authorize(TenantPolicies.Develop)]
    public IActionResult Import() =>
        View(Views + "Import.cshtml", new ImportPageModel(HttpContext.TenantAccess(), new ImportForm()));

    /// <summary>
    /// The create form filled in from the YAML, with what could not be carried over; or the YAML back with where it
    /// fails.
    /// </summary>
    [HttpPost(ApplicationRoutes.Import), Authorize(TenantPolicies.Develop)]
    [RequestSizeLimit(DeploymentImport.MaxLength * 4)]
    public async Task<IActionResult> Imported(ImportForm form, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        var yaml = form.Yaml;
        if (form.File is { Length: > 0 } file)
        {
            if (file.Length > DeploymentImport.MaxLength)
            {
                return Refused(
                    form,
                    Domain.Common.Problem.Invalid(
                        DeploymentImport.Field,
                        $"The file has {file.Length / 1024} KiB; an import takes at most "
                            + $"{DeploymentImport.MaxLength / 1024} KiB."
                    )
                );
            }

            using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
            yaml = await reader.ReadToEndAsync(ct);
        }
        form.Yaml = yaml;
        var imported = DeploymentImport.Read(yaml);
        if (!imported.Succeeded)
            return Refused(form, imported.Problem!);
        var (filled, report) = ImportReport.Of(imported.Value);
        return View(
            "~/Applications/Views/Applications/Form.cshtml",
            new ApplicationFormModel(access, filled, IsNew: true, report)
        );
    }

    private IActionResult Refused(ImportForm form, Domain.Common.Problem problem) => this.Refused(problem, () =>
        {
            // Pages never show a secret back, not even one just pasted.
            if (form.Yaml is { } yaml && SecretDocument().IsMatch(yaml))
            {
                form.Yaml = null;
                ModelState.AddModelError(
                    DeploymentImport.Field,
                    "The YAML holds a Secret, so it is not shown back here: paste it again "
                        + "without the Secret (the import does not read Secrets)."
                );
            }
            return View(Views + "Import.cshtml", new ImportPageModel(HttpContext.TenantAccess(), form));
        });

    [System.Text.RegularExpressions.GeneratedRegex(
        @"^\s*kind:\s*[""']?Secret[""']?\s*$",
        System.Text.RegularExpressions.RegexOptions.Multiline
    )]
    private static partial System.Text.RegularExpressions.Regex SecretDocument();
}

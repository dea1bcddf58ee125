using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Applications;

/// <summary>
/// What the <c>_EnvironmentTruth</c> partial shows in an environment's card, and whether it offers a developer's
/// actions.
/// </summary>
public sealed record EnvironmentTruthModel(string Tenant, string App, EnvironmentTruth Truth, bool CanDeploy)
{
    public string DeployPreviewUrl =>
        $"{ApplicationRoutes.DeployPreviewUrl(Tenant, App)}?environment={Uri.EscapeDataString(Truth.Environment)}";
}

public sealed record DeployPreviewModel(
    TenantAccess Access,
    string Application,
    IReadOnlyList<string> Environments,
    string? Environment,
    int? Replicas,
    DeployPreview? Preview
);

/// <summary>
/// The truth about an application's environments, as pages: the preview shown before every deploy (what changes in the
/// environment, the replicas it runs with, the quota it needs), and the reset of the working spec to what runs in an
/// environment.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class EnvironmentTruthController(
    ApplicationCatalog catalog,
    EnvironmentTruths truths,
    WorkingSpecReset reset,
    EnvironmentDirectory environments
) : Controller
{
    [HttpGet(ApplicationRoutes.DeployPreview), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> DeployPreview(string app, string? environment, int? replicas, CancellationToken ct)
    {
        if (await catalog.FindAsync(app, ct) is not { } found)
            return NotFound();
        var names = await environments.NamesAsync(ct);
        environment ??= found.Deployments.FirstOrDefault()?.Environment ?? names.FirstOrDefault();
        DeployPreview? preview = null;
        if (environment is not null)
        {
            var previewed = await truths.PreviewDeployAsync(found.Name, environment, replicas, ct);
            if (previewed.Succeeded)
                preview = previewed.Value;
            else
                ModelState.AddProblem(previewed.Problem! with { Field = null });
        }
        return View(
            new DeployPreviewModel(HttpContext.TenantAccess(), found.Name, names, environment, replicas, preview)
        );
    }

    [HttpPost(ApplicationRoutes.ResetSpec), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> ResetSpec(string app, string environment, CancellationToken ct)
    {
        var done = await reset.ToRunningAsync(app, environment, ct);
        return this.AfterAction(
            done.Problem,
            !done.Succeeded ? ""
                : done.Value.Changes.Count == 0
                    ? $"The working spec of '{app}' matches revision {done.Value.Revision} in '{environment}' already."
                : $"The working spec of '{app}' is now revision {done.Value.Revision}, as "
                    + $"it runs in '{environment}': the next deploy ships that.",
            ApplicationRoutes.DetailUrl(HttpContext.TenantAccess().Tenant.Slug, app)
        );
    }
}

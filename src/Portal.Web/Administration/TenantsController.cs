using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Administration;

public sealed class CreateTenantForm
{
    [Display(Name = "Slug")]
    public string? Slug { get; set; }

    [Display(Name = "Display name")]
    public string? DisplayName { get; set; }
}

public sealed record TenantListModel(Page<TenantSummary> Tenants, string? Search, CreateTenantForm Form);

public sealed class TenantDetailModel
{
    public required Tenant Tenant { get; init; }

    /// <summary>
    /// What deleting the tenant takes down, said before it is confirmed; and the deletion, once started.
    /// </summary>
    public required TenantDeletionPlan Deletion { get; init; }
    public string? DisplayName { get; set; }
    public string? ConfirmSlug { get; set; }
}

/// <summary>The platform admin's tenant pages.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class TenantsController(TenantAdministration tenants) : Controller
{
    [HttpGet(AdministrationRoutes.Overview)]
    public IActionResult Overview() => View("~/Administration/Views/Administration/Overview.cshtml");

    [HttpGet(AdministrationRoutes.Tenants)]
    public async Task<IActionResult> Index(string? search, int? page, CancellationToken ct) =>
        View(
            new TenantListModel(
                await tenants.ListAsync(search, new PageRequest(page, null), ct),
                search,
                new CreateTenantForm()
            )
        );

    [HttpPost(AdministrationRoutes.Tenants)]
    public async Task<IActionResult> Create([Bind(Prefix = "Form")] CreateTenantForm form, CancellationToken ct)
    {
        var created = await tenants.CreateAsync(form.Slug, form.DisplayName, ct);
        if (!created.Succeeded)
        {
            return await this.RefusedAsync(
                created.Problem!,
                async () =>
                    View(
                        "Index",
                        new TenantListModel(await tenants.ListAsync(null, new PageRequest(1, null), ct), null, form)
                    ),
                "Form"
            );
        }
        TempData["Flash"] = $"Tenant '{created.Value.Slug}' was created. Add its first tenant admin under Members.";
        return Redirect(AdministrationRoutes.TenantUrl(created.Value.Slug));
    }

    [HttpGet(AdministrationRoutes.Tenant)]
    public async Task<IActionResult> Detail(string tenant, CancellationToken ct) =>
        await tenants.FindAsync(tenant, ct) is { } found
            ? View(
                new TenantDetailModel
                {
                    Tenant = found,
                    DisplayName = found.DisplayName,
                    Deletion = await tenants.PlanDeletionAsync(found, ct),
                }
            )
            : NotFound();

    [HttpPost(AdministrationRoutes.Rename)]
    public async Task<IActionResult> Rename(string tenant, string? displayName, CancellationToken ct)
    {
        if (await tenants.FindAsync(tenant, ct) is not { } found)
            return NotFound();
        var renamed = await tenants.RenameAsync(found, displayName, ct);
        if (!renamed.Succeeded)
        {
            return await this.RefusedAsync(renamed.Problem!, async () => View(
                    "Detail",
                    new TenantDetailModel
                    {
                        Tenant = found,
                        DisplayName = displayName,
                        Deletion = await tenants.PlanDeletionAsync(found, ct),
                    }
                ));
        }
        TempData["Flash"] = "The tenant was renamed.";
        return Redirect(AdministrationRoutes.TenantUrl(found.Slug));
    }

    [HttpPost(AdministrationRoutes.Suspend)]
    public Task<IActionResult> Suspend(string tenant, CancellationToken ct) =>
        ChangeStatus(
            tenant,
            found => tenants.SuspendAsync(found, ct),
            "suspended: its members can read but not change it",
            ct
        );

    [HttpPost(AdministrationRoutes.Resume)]
    public Task<IActionResult> Resume(string tenant, CancellationToken ct) =>
        ChangeStatus(tenant, found => tenants.ResumeAsync(found, ct), "active again", ct);

    /// <summary>
    /// Starts the deletion (or retries a failed one): the tenant's namespaces first, then its rows, as an operation.
    /// </summary>
    [HttpPost(AdministrationRoutes.Delete)]
    public async Task<IActionResult> Delete(string tenant, string? confirmSlug, CancellationToken ct)
    {
        if (await tenants.FindAsync(tenant, ct) is not { } found)
            return NotFound();
        var deleted = await tenants.DeleteAsync(found, confirmSlug, ct);
        if (!deleted.Succeeded)
        {
            return await this.RefusedAsync(
                deleted.Problem!,
                async () =>
                    View(
                        "Detail",
                        new TenantDetailModel
                        {
                            Tenant = found,
                            DisplayName = found.DisplayName,
                            ConfirmSlug = confirmSlug,
                            Deletion = await tenants.PlanDeletionAsync(found, ct),
                        }
                    ),
                field => field == "ConfirmSlug" ? nameof(TenantDetailModel.ConfirmSlug) : ""
            );
        }
        TempData["Flash"] =
            $"Deleting tenant '{found.Slug}': its namespaces first, then its rows; its audit trail is kept. "
            + "It is read-only meanwhile; follow it on its page.";
        return Redirect(AdministrationRoutes.TenantsUrl());
    }

    private async Task<IActionResult> ChangeStatus(
        string tenant,
        Func<Tenant, Task<Domain.Common.Result<Tenant>>> change,
        string outcome,
        CancellationToken ct
    )
    {
        if (await tenants.FindAsync(tenant, ct) is not { } found)
            return NotFound();
        var changed = await change(found);
        return this.AfterAction(
            changed.Problem,
            $"Tenant '{found.Slug}' is {outcome}.",
            AdministrationRoutes.TenantUrl(found.Slug)
        );
    }
}

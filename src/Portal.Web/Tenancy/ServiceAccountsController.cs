using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;

namespace Portal.Web.Tenancy;

public sealed class ServiceAccountForm
{
    public string? Name { get; set; }
    public string? Role { get; set; } = "Developer";
}

public sealed record ServiceAccountsModel(
    TenantAccess Access,
    IReadOnlyList<ServiceAccountView> Accounts,
    ServiceAccountForm Form,
    IssuedServiceAccount? Issued,
    string TokenUrl
);

/// <summary>Tenant admins create service accounts for scripts and pipelines; the secret is shown once.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class ServiceAccountsController(ServiceAccounts accounts) : Controller
{
    [HttpGet(TenancyRoutes.ServiceAccounts), Authorize(TenantPolicies.AdminRead)]
    public async Task<IActionResult> Index(CancellationToken ct) =>
        View(await BuildAsync(new ServiceAccountForm(), null, ct));

    [HttpPost(TenancyRoutes.ServiceAccounts), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Create([Bind(Prefix = "Form")] ServiceAccountForm form, CancellationToken ct)
    {
        var tenant = HttpContext.TenantAccess().Tenant;
        var created = await accounts.CreateAsync(form.Name, form.Role, ct);
        if (!created.Succeeded)
            return await this.RefusedAsync(
                created.Problem!,
                async () => View("Index", await BuildAsync(form, null, ct)),
                "Form"
            );
        // The secret is rendered in this response only; it is not kept anywhere in clear.
        return View("Index", await BuildAsync(new ServiceAccountForm(), created.Value, ct));
    }

    [HttpPost(TenancyRoutes.DeleteServiceAccount), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Delete(Guid serviceAccountId, CancellationToken ct)
    {
        var tenant = HttpContext.TenantAccess().Tenant;
        var deleted = await accounts.DeleteAsync(serviceAccountId, ct);
        TempData["Flash"] = deleted.Succeeded
            ? "The service account was deleted; its tokens stop working now."
            : deleted.Problem!.Message;
        return Redirect(TenancyRoutes.ServiceAccountsUrl(tenant.Slug));
    }

    private async Task<ServiceAccountsModel> BuildAsync(
        ServiceAccountForm form,
        IssuedServiceAccount? issued,
        CancellationToken ct
    ) =>
        new(
            HttpContext.TenantAccess(),
            await accounts.ListAsync(ct),
            form,
            issued,
            PublicUrl.For(HttpContext, "/connect/token")
        );
}

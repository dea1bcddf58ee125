using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;
using Portal.Web.Tenancy;

namespace Portal.Web.Shell;

/// <summary>The start page, each tenant's dashboard, and the areas that later features fill.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class HomeController(TenantAdministration tenants) : Controller
{
    [HttpGet("/"), Authorize]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        var mine = await tenants.ListForUserAsync(User.UserId() ?? Guid.Empty, User.IsPlatformAdmin(), ct);
        if (mine.Count > 0)
            return Redirect($"/t/{mine[0].Slug}");
        return User.IsPlatformAdmin() ? Redirect("/admin") : View("NoTenant");
    }

    [HttpGet("/t/{tenant}"), Authorize(TenantPolicies.Read)]
    public IActionResult Dashboard() => View(HttpContext.TenantAccess());
}

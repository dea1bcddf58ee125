using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Monitoring.Dashboards;
using Portal.Infrastructure.Onboarding;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;
using Portal.Web.Monitoring;
using Portal.Web.Tenancy;

namespace Portal.Web.Shell;

/// <summary>
/// The start page: a platform admin's home with the setup checklist, or a member's first tenant; and each tenant's
/// home, its dashboard with the first steps while it has no application.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class HomeController(TenantAdministration tenants, PlatformSetup setup, TenantDashboard dashboard)
    : Controller
{
    [HttpGet(ShellRoutes.Home), Authorize]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        var mine = await tenants.ListForUserAsync(User.UserId() ?? Guid.Empty, User.IsPlatformAdmin(), ct);
        if (User.IsPlatformAdmin())
            return View(new PlatformHomeModel(SetupChecklist.Of(await setup.ReadAsync(ct)), mine));
        return mine.Count > 0 ? Redirect(ShellRoutes.TenantHomeUrl(mine[0].Slug)) : View("NoTenant");
    }

    [HttpGet(ShellRoutes.TenantHome), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Dashboard(CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        return View(new TenantDashboardModel(access, await dashboard.ReadAsync(access.Tenant.Id, ct)));
    }
}

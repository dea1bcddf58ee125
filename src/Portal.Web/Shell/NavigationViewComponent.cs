using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;
using Portal.Web.Tenancy;

namespace Portal.Web.Shell;

public sealed record NavigationModel(
    string UserName,
    bool IsPlatformAdmin,
    TenantAccess? Current,
    IReadOnlyList<TenantLink> Tenants,
    string Path
);

/// <summary>The side navigation and tenant switcher, built in one place for every page.</summary>
public sealed class NavigationViewComponent(TenantAdministration tenants) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        var user = HttpContext.User;
        var links = user.UserId() is { } userId
            ? await tenants.ListForUserAsync(userId, user.IsPlatformAdmin(), HttpContext.RequestAborted)
            : [];
        return View(
            new NavigationModel(
                user.DisplayName(),
                user.IsPlatformAdmin(),
                HttpContext.TryTenantAccess(),
                links,
                HttpContext.Request.Path.Value ?? "/"
            )
        );
    }
}

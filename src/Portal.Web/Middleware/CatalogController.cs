using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Middleware;
using Portal.Web.Tenancy;

namespace Portal.Web.Middleware;

/// <summary>
/// The middleware catalog as a tenant's members browse it: what is offered, and each template's versions, plans and
/// parameters.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class CatalogController(MiddlewareCatalog catalog) : Controller
{
    public const int PageSize = 24;

    [HttpGet(MiddlewareRoutes.Catalog), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index([FromQuery] CatalogQuery query, CancellationToken ct)
    {
        var filter = new CatalogFilter(query.Search, query.Category, CatalogVisibility.Offered);
        var page = await catalog.ListAsync(filter, new PageRequest(query.Page, PageSize), ct);
        return View(
            new CatalogListModel(HttpContext.TenantAccess(), page, await catalog.CategoriesAsync(filter, ct), query)
        );
    }

    [HttpGet(MiddlewareRoutes.CatalogTemplate), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Template(string template, CancellationToken ct) =>
        await catalog.FindAsync(template, CatalogVisibility.Offered, ct) is { } found
            ? View(new CatalogTemplateModel(HttpContext.TenantAccess(), found))
            : NotFound();
}

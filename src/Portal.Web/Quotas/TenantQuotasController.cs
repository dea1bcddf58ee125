using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Quotas;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Tenancy;

namespace Portal.Web.Quotas;

public sealed record TenantQuotasModel(TenantAccess Access, IReadOnlyList<TenantQuotaView> Quotas);

/// <summary>What the platform granted the tenant in each pool.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class TenantQuotasController(PoolCatalog pools) : Controller
{
    [HttpGet(QuotaRoutes.TenantQuotas), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index(CancellationToken ct) =>
        View(new TenantQuotasModel(HttpContext.TenantAccess(), await pools.ForTenantAsync(ct)));
}

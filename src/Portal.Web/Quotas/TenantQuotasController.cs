using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Quotas;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Tenancy;

namespace Portal.Web.Quotas;

public sealed record TenantQuotasModel(
    TenantAccess Access,
    IReadOnlyList<TenantQuotaView> Quotas,
    RunQuotaUse RunQuota
);

/// <summary>What the platform granted the tenant in each pool, and its run quota for pipelines with its use.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class TenantQuotasController(PoolCatalog pools, RunQuotaSettings runQuotas) : Controller
{
    [HttpGet(QuotaRoutes.TenantQuotas), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index(CancellationToken ct) =>
        View(
            new TenantQuotasModel(
                HttpContext.TenantAccess(),
                await pools.ForTenantAsync(ct),
                await runQuotas.ForCurrentTenantAsync(ct)
            )
        );
}

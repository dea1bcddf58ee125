using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Environments;
using Portal.Web.Common;
using Portal.Web.Identity;
using Portal.Web.Quotas;
using Portal.Web.Tenancy;

namespace Portal.Web.Environments;

public sealed record EnvironmentRequest(string? Name, string? Pool, QuotaRequest? Share);

[Route("api/v1/tenants/{tenant}")]
public sealed class EnvironmentsApiController(EnvironmentDirectory environments) : ApiControllerBase
{
    [HttpGet("environments"), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<EnvironmentUsage>> List(CancellationToken ct) => environments.ListAsync(ct);

    /// <summary>Creates an environment; 202 with the operation that makes its namespace.</summary>
    [HttpPost("environments"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Create(EnvironmentRequest request, CancellationToken ct)
    {
        var share = request.Share ?? new QuotaRequest(null, null, null, null, null, null, null);
        var amounts = share.ToAmounts();
        if (!amounts.Succeeded)
            return this.ToActionResult(amounts.Problem!);
        var created = await environments.CreateAsync(HttpContext.ToActor(), HttpContext.TenantAccess().Tenant, request.Name, request.Pool, amounts.Value, ct);
        return created.Succeeded
            ? Accepted($"/api/v1/tenants/{HttpContext.TenantAccess().Tenant.Slug}/operations", new { operation = created.Value.Id })
            : this.ToActionResult(created.Problem!);
    }

    /// <summary>Changes an environment's share of the quota; 202 with the operation that updates its ResourceQuota.</summary>
    [HttpPut("environments/{environment}/share"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> ChangeShare(string environment, QuotaRequest share, CancellationToken ct)
    {
        var amounts = share.ToAmounts();
        if (!amounts.Succeeded)
            return this.ToActionResult(amounts.Problem!);
        var changed = await environments.ChangeShareAsync(HttpContext.ToActor(), HttpContext.TenantAccess().Tenant, environment, amounts.Value, ct);
        return changed.Succeeded ? Accepted(new { operation = changed.Value.Id }) : this.ToActionResult(changed.Problem!);
    }

    /// <summary>Deletes the environment and its namespace; <c>confirm</c> must repeat its name.</summary>
    [HttpDelete("environments/{environment}"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Delete(string environment, string? confirm, CancellationToken ct)
    {
        var deleted = await environments.DeleteAsync(HttpContext.ToActor(), HttpContext.TenantAccess().Tenant, environment, confirm, ct);
        return deleted.Succeeded ? Accepted(new { operation = deleted.Value.Id }) : this.ToActionResult(deleted.Problem!);
    }

    [HttpGet("operations"), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<OperationView>> Operations(int? take, CancellationToken ct) => environments.OperationsAsync(take ?? 50, ct);
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Environments;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Environments;

/// <summary>
/// An environment's share of the tenant's quota in its pool: every amount as people write them ("2", "500m", "4Gi"), 0
/// for none; an amount left out is refused, never taken for zero, and so is a field the request does not take.
/// Middleware instances are no part of a share: they count against the tenant's quota in the pool.
/// </summary>
public sealed record ShareRequest(
    string? CpuRequests,
    string? CpuLimits,
    string? MemoryRequests,
    string? MemoryLimits,
    string? Storage,
    string? Pods
) : StrictBody
{
    private const string Fields = "cpuRequests, cpuLimits, memoryRequests, memoryLimits, storage and pods";

    public Domain.Common.Result<ResourceAmounts> ToAmounts()
    {
        var amounts = ResourceAmounts.ParseShare(CpuRequests, CpuLimits, MemoryRequests, MemoryLimits, Storage, Pods);
        return Refuse(Fields, amounts.Succeeded ? [] : [amounts.Problem!]) is { } problem ? problem : amounts;
    }
}

public sealed record EnvironmentRequest(string? Name, string? Pool, ShareRequest? Share) : StrictBody;

[Route("api/v1/tenants/{tenant}")]
public sealed class EnvironmentsApiController(EnvironmentDirectory environments) : ApiControllerBase
{
    [HttpGet("environments"), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<EnvironmentUsage>> List(CancellationToken ct) => environments.ListAsync(ct);

    /// <summary>Creates an environment; 202 with the operation that makes its namespace.</summary>
    [HttpPost("environments"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Create(EnvironmentRequest request, CancellationToken ct)
    {
        var amounts = (request.Share ?? new ShareRequest(null, null, null, null, null, null)).ToAmounts();
        if (
            request.Refuse(
                "name, pool and share",
                amounts.Succeeded ? [] : [StrictBody.Within("Share", amounts.Problem!)]
            ) is
            { } refused
        )
            return this.ToActionResult(refused);
        var created = await environments.CreateAsync(request.Name, request.Pool, amounts.Value, ct);
        return Accepted(created);
    }

    /// <summary>
    /// Changes an environment's share of the quota; 202 with the operation that updates its ResourceQuota.
    /// </summary>
    [HttpPut("environments/{environment}/share"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> ChangeShare(string environment, ShareRequest share, CancellationToken ct)
    {
        var amounts = share.ToAmounts();
        if (!amounts.Succeeded)
            return this.ToActionResult(amounts.Problem!);
        var changed = await environments.ChangeShareAsync(environment, amounts.Value, ct);
        return Accepted(changed);
    }

    /// <summary>Deletes the environment and its namespace; <c>confirm</c> must repeat its name.</summary>
    [HttpDelete("environments/{environment}"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Delete(string environment, string? confirm, CancellationToken ct)
    {
        var deleted = await environments.DeleteAsync(environment, confirm, ct);
        return Accepted(deleted);
    }

    [HttpGet("operations"), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<OperationView>> Operations(int? take, CancellationToken ct) =>
        environments.OperationsAsync(take ?? 50, ct);
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Quotas;
using Portal.Web.Common;
using Portal.Web.Identity;
using Portal.Web.Tenancy;

namespace Portal.Web.Quotas;

public sealed record CreatePoolRequest(string? Name, string? DisplayName, string? Cluster, string? NodeSelector, string? Region,
    decimal? CpuOvercommit, decimal? MemoryOvercommit);

public sealed record OvercommitRequest(decimal? Cpu, decimal? Memory);

public sealed record QuotaRequest(string? CpuRequests, string? CpuLimits, string? MemoryRequests, string? MemoryLimits, string? Storage,
    string? Pods, string? MiddlewareInstances)
{
    public Domain.Common.Result<ResourceAmounts> ToAmounts() =>
        ResourceAmounts.Parse(CpuRequests, CpuLimits, MemoryRequests, MemoryLimits, Storage, Pods, MiddlewareInstances);
}

/// <summary>Pools (platform admins) and the quotas granted in them; a tenant reads its own quotas.</summary>
public sealed class QuotasApiController(PoolCatalog pools) : ApiControllerBase
{
    [HttpGet("api/v1/pools"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IReadOnlyList<PoolSummary>> List(CancellationToken ct) => pools.ListAsync(ct);

    [HttpPost("api/v1/pools"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<PoolSummary>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create(CreatePoolRequest request, CancellationToken ct)
    {
        var created = await pools.CreateAsync(HttpContext.ToActor(), request.Name, request.DisplayName, request.Cluster, request.NodeSelector,
            request.Region, request.CpuOvercommit ?? 1m, request.MemoryOvercommit ?? 1m, ct);
        return created.Succeeded
            ? Created($"/api/v1/pools/{created.Value.Name}", await pools.SummaryAsync(created.Value.Name, ct))
            : this.ToActionResult(created.Problem!);
    }

    [HttpGet("api/v1/pools/{pool}"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Get(string pool, CancellationToken ct) =>
        await pools.SummaryAsync(pool, ct) is { } found ? Ok(found) : this.ToActionResult(Domain.Common.Problem.NotFound($"Pool '{pool}'"));

    /// <summary>Changes the pool's overcommit ratios; refused with the numbers when tenants were granted more than they would allow.</summary>
    [HttpPut("api/v1/pools/{pool}/overcommit"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> ChangeOvercommit(string pool, OvercommitRequest request, CancellationToken ct)
    {
        if (request.Cpu is null || request.Memory is null)
            return this.ToActionResult(Domain.Common.Problem.Invalid("Overcommit", "Give both ratios, cpu and memory, as numbers such as 1 or 1.5."));
        var changed = await pools.ChangeOvercommitAsync(HttpContext.ToActor(), pool, request.Cpu.Value, request.Memory.Value, ct);
        return changed.Succeeded ? Ok(await pools.SummaryAsync(pool, ct)) : this.ToActionResult(changed.Problem!);
    }

    [HttpGet("api/v1/pools/{pool}/quotas"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Grants(string pool, CancellationToken ct) =>
        await pools.FindAsync(pool, ct) is { } found ? Ok(await pools.GrantsAsync(found.Id, ct)) : this.ToActionResult(Domain.Common.Problem.NotFound($"Pool '{pool}'"));

    /// <summary>Grants or changes the tenant's quota in the pool; refused with the numbers when the pool cannot promise it.</summary>
    [HttpPut("api/v1/pools/{pool}/quotas/{tenant}"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Grant(string pool, string tenant, QuotaRequest request, CancellationToken ct)
    {
        if (await pools.FindAsync(pool, ct) is not { } found)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Pool '{pool}'"));
        var amounts = request.ToAmounts();
        if (!amounts.Succeeded)
            return this.ToActionResult(amounts.Problem!);
        var granted = await pools.GrantAsync(HttpContext.ToActor(), found, tenant, amounts.Value, ct);
        return granted.Succeeded ? Ok(granted.Value.Granted) : this.ToActionResult(granted.Problem!);
    }

    [HttpGet("api/v1/tenants/{tenant}/quotas"), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<TenantQuotaView>> ForTenant(CancellationToken ct) => pools.ForTenantAsync(ct);
}

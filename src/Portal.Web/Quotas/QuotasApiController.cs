using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Monitoring.Sources;
using Portal.Infrastructure.Quotas;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Quotas;

/// <param name="Dedicated">Whether the pool's nodes are kept for its workloads alone, by the taint
/// "portal/pool=&lt;name&gt;:NoSchedule".</param>
public sealed record CreatePoolRequest(
    string? Name,
    string? DisplayName,
    string? Cluster,
    string? NodeSelector,
    string? Region,
    decimal? CpuOvercommit,
    decimal? MemoryOvercommit,
    bool? Dedicated = null
)
{
    /// <summary>The pool asked for; a ratio left out is 1, and a pool is not dedicated unless asked.</summary>
    public CreatePool ToCreatePool() =>
        new(
            Name,
            DisplayName,
            Cluster,
            NodeSelector,
            Region,
            CpuOvercommit ?? 1m,
            MemoryOvercommit ?? 1m,
            Dedicated ?? false
        );
}

public sealed record DedicationRequest(bool? Dedicated);

/// <param name="Domains">The domains under which the pool's environments may publish hosts, such as "apps.example.com";
/// empty for none.</param>
/// <param name="WildcardHosts">Whether wildcard hosts ("*.team.apps.example.com") may be published under them.</param>
public sealed record IngressSettingsRequest(IReadOnlyList<string?>? Domains, bool? WildcardHosts);

public sealed record OvercommitRequest(decimal? Cpu, decimal? Memory) : StrictBody;

/// <summary>The Prometheus to read the pool's usage from; null or empty to read metrics.k8s.io.</summary>
public sealed record MetricsSourceRequest(string? PrometheusUrl);

/// <summary>
/// A pool as the API shows it: its live figures, the Prometheus its usage is read from ("" for metrics.k8s.io), whether
/// it is dedicated, the taint its pods tolerate (and its nodes carry when dedicated), how many nodes do not carry it as
/// they should yet, and the pools it shares nodes with.
/// </summary>
public sealed record PoolResource(
    Guid Id,
    string Name,
    string DisplayName,
    string Cluster,
    string Region,
    string NodeSelector,
    decimal CpuOvercommit,
    decimal MemoryOvercommit,
    int Nodes,
    ResourceAmounts Capacity,
    ResourceAmounts Grantable,
    ResourceAmounts Granted,
    long CpuRequestedMillis,
    long MemoryRequestedBytes,
    long? CpuUsedMillis,
    long? MemoryUsedBytes,
    int Tenants,
    string PrometheusUrl,
    bool Dedicated,
    string Taint,
    int NodesOutOfStep,
    IReadOnlyList<string> SharesNodesWith,
    IReadOnlyList<string> IngressDomains,
    bool WildcardHosts
)
{
    public static PoolResource From(PoolSummary pool, string prometheusUrl) =>
        new(
            pool.Id,
            pool.Name,
            pool.DisplayName,
            pool.Cluster,
            pool.Region,
            pool.NodeSelector,
            pool.CpuOvercommit,
            pool.MemoryOvercommit,
            pool.Nodes,
            pool.Capacity,
            pool.Grantable,
            pool.Granted,
            pool.CpuRequestedMillis,
            pool.MemoryRequestedBytes,
            pool.CpuUsedMillis,
            pool.MemoryUsedBytes,
            pool.Tenants,
            prometheusUrl,
            pool.Dedicated,
            pool.Taint,
            pool.NodesOutOfStep,
            pool.SharesNodesWith ?? [],
            pool.IngressDomains ?? [],
            pool.WildcardHosts
        );
}

/// <summary>
/// A tenant's quota in a pool: every amount as people write them ("8", "500m", "32Gi"), 0 for none; an amount left out
/// is refused, never taken for zero, and so is a field the request does not take.
/// </summary>
public sealed record QuotaRequest(
    string? CpuRequests,
    string? CpuLimits,
    string? MemoryRequests,
    string? MemoryLimits,
    string? Storage,
    string? Pods,
    string? MiddlewareInstances
) : StrictBody
{
    private const string Fields =
        "cpuRequests, cpuLimits, memoryRequests, memoryLimits, storage, pods and middlewareInstances";

    public Domain.Common.Result<ResourceAmounts> ToAmounts()
    {
        var amounts = ResourceAmounts.Parse(
            CpuRequests,
            CpuLimits,
            MemoryRequests,
            MemoryLimits,
            Storage,
            Pods,
            MiddlewareInstances
        );
        return Refuse(Fields, amounts.Succeeded ? [] : [amounts.Problem!]) is { } problem ? problem : amounts;
    }
}

/// <summary>Pools (platform admins) and the quotas granted in them; a tenant reads its own quotas.</summary>
public sealed class QuotasApiController(
    PoolCatalog pools,
    PoolMetricsSourceSetting metricsSourceSetting,
    PoolTainting tainting
) : ApiControllerBase
{
    [HttpGet("api/v1/pools"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IReadOnlyList<PoolResource>> List(CancellationToken ct)
    {
        var prometheusUrls = await metricsSourceSetting.PrometheusUrlsAsync(ct);
        return (await pools.ListAsync(ct))
            .Select(p => PoolResource.From(p, prometheusUrls.GetValueOrDefault(p.Name, "")))
            .ToList();
    }

    [HttpPost("api/v1/pools"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<PoolResource>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create(CreatePoolRequest request, CancellationToken ct)
    {
        var created = await pools.CreateAsync(request.ToCreatePool(), ct);
        return created.Succeeded
            ? CreatedAt(nameof(Get), new { pool = created.Value.Name }, await ResourceAsync(created.Value.Name, ct))
            : this.ToActionResult(created.Problem!);
    }

    [HttpGet("api/v1/pools/{pool}"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<PoolResource>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Get(string pool, CancellationToken ct) =>
        await ResourceAsync(pool, ct) is { } found
            ? Ok(found)
            : this.ToActionResult(Domain.Common.Problem.NotFound($"Pool '{pool}'"));

    /// <summary>
    /// Changes the pool's overcommit ratios; refused with the numbers when tenants were granted more than they would
    /// allow.
    /// </summary>
    [HttpPut("api/v1/pools/{pool}/overcommit"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> ChangeOvercommit(string pool, OvercommitRequest request, CancellationToken ct)
    {
        if (
            request.Refuse(
                "cpu and memory",
                StrictBody.Required(
                    (request.Cpu, "Cpu", "Give the CPU ratio, a number such as 1 or 1.5."),
                    (request.Memory, "Memory", "Give the memory ratio, a number such as 1 or 1.5.")
                )
            ) is
            { } refused
        )
        {
            return this.ToActionResult(refused);
        }

        var changed = await pools.ChangeOvercommitAsync(
            pool,
            request.Cpu.GetValueOrDefault(),
            request.Memory.GetValueOrDefault(),
            ct
        );
        return changed.Succeeded ? Ok(await ResourceAsync(pool, ct)) : this.ToActionResult(changed.Problem!);
    }

    /// <summary>
    /// Dedicates the pool's nodes to its workloads, or gives them back; its taint is applied to them by <c>POST
    /// .../taint</c>.
    /// </summary>
    [HttpPut("api/v1/pools/{pool}/dedicated"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<PoolResource>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Dedicate(string pool, DedicationRequest request, CancellationToken ct)
    {
        if (request.Dedicated is null)
            return this.ToActionResult(
                Domain.Common.Problem.Invalid("Dedicated", "Say whether the pool is dedicated: true or false.")
            );
        var changed = await pools.DedicateAsync(pool, request.Dedicated.Value, ct);
        return changed.Succeeded ? Ok(await ResourceAsync(pool, ct)) : this.ToActionResult(changed.Problem!);
    }

    /// <summary>
    /// Sets the domains the pool's environments publish ingress hosts under, and whether wildcard hosts are allowed.
    /// </summary>
    [HttpPut("api/v1/pools/{pool}/ingress"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<PoolResource>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ChangeIngress(string pool, IngressSettingsRequest request, CancellationToken ct)
    {
        var changed = await pools.PublishUnderAsync(pool, request.Domains, request.WildcardHosts ?? false, ct);
        return changed.Succeeded ? Ok(await ResourceAsync(pool, ct)) : this.ToActionResult(changed.Problem!);
    }

    /// <summary>
    /// Puts the pool's taint on its nodes when it is dedicated, and takes it off those that should not carry it; 202,
    /// run as a job.
    /// </summary>
    [HttpPost("api/v1/pools/{pool}/taint"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Taint(string pool, CancellationToken ct)
    {
        if (await pools.FindAsync(pool, ct) is not { } found)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Pool '{pool}'"));
        return Accepted(new { job = await tainting.RequestAsync(found.Id, found.Name, ct) });
    }

    /// <summary>
    /// Reads the pool's usage from the Prometheus at the address given from now on, or from metrics.k8s.io when none
    /// is.
    /// </summary>
    [HttpPut("api/v1/pools/{pool}/metrics-source"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<PoolResource>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ChangeMetricsSource(
        string pool,
        MetricsSourceRequest request,
        CancellationToken ct
    )
    {
        var changed = await metricsSourceSetting.ChangeAsync(pool, request.PrometheusUrl, ct);
        return changed.Succeeded ? Ok(await ResourceAsync(pool, ct)) : this.ToActionResult(changed.Problem!);
    }

    [HttpGet("api/v1/pools/{pool}/quotas"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Grants(string pool, CancellationToken ct) =>
        await pools.FindAsync(pool, ct) is { } found
            ? Ok(await pools.GrantsAsync(found.Id, ct))
            : this.ToActionResult(Domain.Common.Problem.NotFound($"Pool '{pool}'"));

    /// <summary>
    /// Grants or changes the tenant's quota in the pool; refused with the numbers when the pool cannot promise it.
    /// </summary>
    [HttpPut("api/v1/pools/{pool}/quotas/{tenant}"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Grant(string pool, string tenant, QuotaRequest request, CancellationToken ct)
    {
        if (await pools.FindAsync(pool, ct) is not { } found)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Pool '{pool}'"));
        var amounts = request.ToAmounts();
        if (!amounts.Succeeded)
            return this.ToActionResult(amounts.Problem!);
        var granted = await pools.GrantAsync(found, tenant, amounts.Value, ct);
        return granted.Succeeded ? Ok(granted.Value.Granted) : this.ToActionResult(granted.Problem!);
    }

    [HttpGet("api/v1/tenants/{tenant}/quotas"), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<TenantQuotaView>> ForTenant(CancellationToken ct) => pools.ForTenantAsync(ct);

    private async Task<PoolResource?> ResourceAsync(string pool, CancellationToken ct) =>
        await pools.SummaryAsync(pool, ct) is { } summary
        && await metricsSourceSetting.PrometheusUrlAsync(pool, ct) is { } prometheusUrl
            ? PoolResource.From(summary, prometheusUrl)
            : null;
}

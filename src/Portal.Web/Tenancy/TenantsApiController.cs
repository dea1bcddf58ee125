using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Identity;

namespace Portal.Web.Tenancy;

public sealed record TenantResource(string Slug, string DisplayName, TenantStatus Status, DateTime CreatedAt)
{
    public static TenantResource From(Tenant tenant) =>
        new(tenant.Slug, tenant.DisplayName, tenant.Status, tenant.CreatedAt);
}

public sealed record CreateTenantRequest(string? Slug, string? DisplayName);

public sealed record RenameTenantRequest(string? DisplayName);

[Route("api/v1/tenants")]
public sealed class TenantsApiController(TenantAdministration tenants) : ApiControllerBase
{
    /// <summary>All tenants for a platform admin; otherwise the tenants the caller belongs to.</summary>
    [HttpGet("")]
    public async Task<ActionResult<Page<TenantSummary>>> List(
        string? search,
        int? page,
        int? pageSize,
        CancellationToken ct
    )
    {
        if (User.IsPlatformAdmin())
            return await tenants.ListAsync(search, new PageRequest(page, pageSize), ct);
        var items = await tenants.ListForCallerAsync(User.ToCaller(), ct);
        return new Page<TenantSummary>(items, 1, Math.Max(1, items.Count), items.Count);
    }

    [HttpPost(""), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<TenantResource>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create(CreateTenantRequest request, CancellationToken ct)
    {
        var created = await tenants.CreateAsync(request.Slug, request.DisplayName, ct);
        return created.Succeeded
            ? CreatedAt(nameof(Get), new { tenant = created.Value.Slug }, TenantResource.From(created.Value))
            : this.ToActionResult(created.Problem!);
    }

    [HttpGet("{tenant}"), Authorize(TenantPolicies.Read)]
    public TenantResource Get() => TenantResource.From(HttpContext.TenantAccess().Tenant);

    [HttpPatch("{tenant}"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> Rename(string tenant, RenameTenantRequest request, CancellationToken ct) =>
        ChangeAsync(tenant, found => tenants.RenameAsync(found, request.DisplayName, ct), ct);

    [HttpPost("{tenant}/suspend"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> Suspend(string tenant, CancellationToken ct) =>
        ChangeAsync(tenant, found => tenants.SuspendAsync(found, ct), ct);

    [HttpPost("{tenant}/resume"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> Resume(string tenant, CancellationToken ct) =>
        ChangeAsync(tenant, found => tenants.ResumeAsync(found, ct), ct);

    /// <summary>
    /// Starts deleting the tenant (or retries a failed deletion); <c>confirm</c> must repeat its slug. 202 with the
    /// operation, which deletes the namespaces of its environments first, then its rows; the tenant is read-only
    /// meanwhile.
    /// </summary>
    [HttpDelete("{tenant}"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Delete(string tenant, string? confirm, CancellationToken ct)
    {
        if (await tenants.FindAsync(tenant, ct) is not { } found)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Tenant '{tenant}'"));
        var deleted = await tenants.DeleteAsync(found, confirm, ct);
        return Accepted(
            deleted.Succeeded
                ? deleted
                : deleted.Problem! with
                {
                    Field = deleted.Problem.Field is null ? null : "confirm",
                },
            found.Slug
        );
    }

    private async Task<IActionResult> ChangeAsync(
        string tenant,
        Func<Tenant, Task<Domain.Common.Result<Tenant>>> change,
        CancellationToken ct
    )
    {
        if (await tenants.FindAsync(tenant, ct) is not { } found)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Tenant '{tenant}'"));
        var changed = await change(found);
        return changed.Succeeded ? Ok(TenantResource.From(changed.Value)) : this.ToActionResult(changed.Problem!);
    }
}

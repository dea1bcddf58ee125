using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Audit;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Audit;

/// <summary>The audit filter as the pages and the API take it from the query string.</summary>
public sealed class AuditQuery
{
    public string? Actor { get; set; }
    public string? Action { get; set; }
    public string? TargetType { get; set; }
    public string? TargetId { get; set; }
    public DateTime? From { get; set; }
    public DateTime? To { get; set; }

    /// <summary>Succeeded, Failed, Denied or Pending.</summary>
    public AuditOutcome? Outcome { get; set; }
    public int? Page { get; set; }
    public int? PageSize { get; set; }

    public AuditFilter ToFilter() => new(Actor, Action, TargetType, TargetId, AsUtc(From), AsUtc(To), Outcome);

    public PageRequest ToPage() => new(Page, PageSize);

    private static DateTime? AsUtc(DateTime? value) =>
        value is { } v
            ? v.Kind == DateTimeKind.Utc
                ? v
                : DateTime.SpecifyKind(v, DateTimeKind.Utc)
            : null;
}

public sealed record AuditPageModel(
    string Title,
    string Action,
    bool ShowTenant,
    AuditQuery Query,
    Page<AuditEntry> Entries
);

[ApiExplorerSettings(IgnoreApi = true)]
public sealed class AuditController(AuditLog log) : Controller
{
    [HttpGet(AuditRoutes.Tenant), Authorize(TenantPolicies.AdminRead)]
    public async Task<IActionResult> Tenant([FromQuery] AuditQuery query, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        var entries = await log.ForTenantAsync(access.Tenant.Id, query.ToFilter(), query.ToPage(), ct);
        return View(
            "Index",
            new AuditPageModel(
                $"Audit of {access.Tenant.DisplayName}",
                AuditRoutes.TenantUrl(access.Tenant.Slug),
                false,
                query,
                entries
            )
        );
    }

    [HttpGet(AuditRoutes.Platform), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Platform([FromQuery] AuditQuery query, CancellationToken ct)
    {
        var entries = await log.AcrossPlatformAsync(query.ToFilter(), query.ToPage(), ct);
        return View("Index", new AuditPageModel("Platform audit", AuditRoutes.PlatformUrl(), true, query, entries));
    }
}

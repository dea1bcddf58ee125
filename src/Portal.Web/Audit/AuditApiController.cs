using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Audit;

public sealed class AuditApiController(AuditLog log) : ApiControllerBase
{
    /// <summary>The tenant's audit trail, newest first.</summary>
    [HttpGet("api/v1/tenants/{tenant}/audit"), Authorize(TenantPolicies.AdminRead)]
    public Task<Page<AuditEntry>> ForTenant([FromQuery] AuditQuery query, CancellationToken ct) =>
        log.ForTenantAsync(HttpContext.TenantAccess().Tenant.Id, query.ToFilter(), query.ToPage(), ct);

    /// <summary>The whole platform's audit trail, newest first.</summary>
    [HttpGet("api/v1/audit"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<Page<AuditEntry>> AcrossPlatform([FromQuery] AuditQuery query, CancellationToken ct) =>
        log.AcrossPlatformAsync(query.ToFilter(), query.ToPage(), ct);
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Monitoring;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Monitoring;

/// <summary>Silence an alert until a moment, or for some minutes from now (at most 30 days).</summary>
public sealed record SilenceRequest(DateTime? Until, int? Minutes, string? Reason);

public sealed record AlertView(AlertDetail Detail)
{
    public Alert Alert => Detail.Alert;
    public IReadOnlyList<AlertDelivery> Deliveries => Detail.Deliveries;
}

/// <summary>
/// Alerts of a tenant (<c>/api/v1/tenants/{tenant}/alerts</c>) and of the platform (<c>/api/v1/alerts</c>, platform
/// admins).
/// </summary>
public sealed class AlertsApiController(AlertBook alerts) : ApiControllerBase
{
    [HttpGet("api/v1/tenants/{tenant}/alerts"), Authorize(TenantPolicies.Read)]
    public Task<Page<AlertRow>> TenantList([FromQuery] AlertQuery query, int? size, CancellationToken ct) =>
        alerts.ListAsync(HttpContext.TenantAccess().Tenant.Id, query.ToFilter(), new PageRequest(query.Page, size), ct);

    [HttpGet("api/v1/alerts"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<Page<AlertRow>> PlatformList([FromQuery] AlertQuery query, int? size, CancellationToken ct) =>
        alerts.ListAsync(null, query.ToFilter(), new PageRequest(query.Page, size), ct);

    [HttpGet("api/v1/tenants/{tenant}/alerts/{alertId:guid}"), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> TenantGet(Guid alertId, CancellationToken ct) =>
        GetAsync(HttpContext.TenantAccess().Tenant, alertId, ct);

    [HttpGet("api/v1/alerts/{alertId:guid}"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformGet(Guid alertId, CancellationToken ct) => GetAsync(null, alertId, ct);

    /// <summary>
    /// The alert's metric on its subject, from an hour before it fired to a quarter of an hour after it resolved.
    /// </summary>
    [HttpGet("api/v1/tenants/{tenant}/alerts/{alertId:guid}/chart"), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> TenantChart(Guid alertId, CancellationToken ct) =>
        ChartAsync(HttpContext.TenantAccess().Tenant, alertId, ct);

    [HttpGet("api/v1/alerts/{alertId:guid}/chart"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformChart(Guid alertId, CancellationToken ct) => ChartAsync(null, alertId, ct);

    [HttpPost("api/v1/tenants/{tenant}/alerts/{alertId:guid}/silence"), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> TenantSilence(Guid alertId, SilenceRequest request, CancellationToken ct) =>
        SilenceAsync(HttpContext.TenantAccess().Tenant, alertId, request, ct);

    [HttpPost("api/v1/alerts/{alertId:guid}/silence"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformSilence(Guid alertId, SilenceRequest request, CancellationToken ct) =>
        SilenceAsync(null, alertId, request, ct);

    [HttpPost("api/v1/tenants/{tenant}/alerts/{alertId:guid}/unsilence"), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> TenantUnsilence(Guid alertId, CancellationToken ct) =>
        UnsilenceAsync(HttpContext.TenantAccess().Tenant, alertId, ct);

    [HttpPost("api/v1/alerts/{alertId:guid}/unsilence"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformUnsilence(Guid alertId, CancellationToken ct) =>
        UnsilenceAsync(null, alertId, ct);

    private async Task<IActionResult> GetAsync(Tenant? tenant, Guid alertId, CancellationToken ct)
    {
        var detail = await alerts.FindAsync(tenant?.Id, alertId, ct);
        return detail is null
            ? this.ToActionResult(Domain.Common.Problem.NotFound("The alert"))
            : Ok(new AlertView(detail));
    }

    private async Task<IActionResult> ChartAsync(Tenant? tenant, Guid alertId, CancellationToken ct) =>
        await alerts.ChartAsync(tenant?.Id, alertId, ct) is { } chart
            ? Ok(chart)
            : this.ToActionResult(Domain.Common.Problem.NotFound("The alert"));

    private async Task<IActionResult> SilenceAsync(
        Tenant? tenant,
        Guid alertId,
        SilenceRequest request,
        CancellationToken ct
    )
    {
        if (request.Until is null == request.Minutes is null)
            return this.ToActionResult(
                Domain.Common.Problem.Invalid(
                    "Until",
                    "Say either until when (until) or for how many minutes (minutes) to silence the alert."
                )
            );
        var until = request.Until?.ToUniversalTime() ?? DateTime.UtcNow.AddMinutes(request.Minutes!.Value);
        var silenced = await alerts.SilenceAsync(alertId, until, request.Reason, ct);
        return silenced.Succeeded ? NoContent() : this.ToActionResult(silenced.Problem!);
    }

    private async Task<IActionResult> UnsilenceAsync(Tenant? tenant, Guid alertId, CancellationToken ct)
    {
        var lifted = await alerts.UnsilenceAsync(alertId, ct);
        return lifted.Succeeded ? NoContent() : this.ToActionResult(lifted.Problem!);
    }
}

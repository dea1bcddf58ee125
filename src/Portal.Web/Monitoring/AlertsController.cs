using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Monitoring;

/// <summary>What the alerts list is filtered by, as the query string carries it.</summary>
public sealed class AlertQuery
{
    public string? State { get; set; }
    public Severity? Severity { get; set; }
    public string? App { get; set; }
    public int? Page { get; set; }

    public AlertFilter ToFilter() =>
        new(
            AlertFilter.States.Contains(State) ? State : null,
            Severity,
            string.IsNullOrWhiteSpace(App) ? null : App.Trim()
        );
}

public sealed class SilenceForm
{
    public static readonly IReadOnlyList<(int Minutes, string Label)> Choices =
    [
        (60, "1 hour"),
        (240, "4 hours"),
        (1440, "1 day"),
        (10080, "7 days"),
    ];

    public int Minutes { get; set; } = 60;
    public string? Reason { get; set; }
}

public sealed record AlertListModel(AlertOwner Owner, Page<AlertRow> Alerts, AlertQuery Query, PagerModel Pager);

public sealed record AlertDetailModel(AlertOwner Owner, AlertDetail Detail, SilenceForm Form)
{
    /// <summary>Developers and above may silence a tenant's alerts.</summary>
    public bool CanSilence => Owner.CanChange(TenantRole.Developer);
}

/// <summary>
/// The alerts of a tenant (on its applications, environments and instances) and of the whole platform: firing,
/// silenced, resolved, filtered; one alert with its chart around the firing time and its notifications; silencing for a
/// while.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class AlertsController(AlertBook alerts) : Controller
{
    private const int PageSize = 25;

    [HttpGet(AlertRoutes.Alerts), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> TenantList([FromQuery] AlertQuery query, CancellationToken ct) =>
        ListAsync(TenantOwner, query, ct);

    [HttpGet(AlertRoutes.PlatformAlerts), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformList([FromQuery] AlertQuery query, CancellationToken ct) =>
        ListAsync(PlatformOwner, query, ct);

    [HttpGet(AlertRoutes.Alert), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> TenantDetail(Guid alertId, CancellationToken ct) =>
        DetailAsync(TenantOwner, alertId, new SilenceForm(), ct);

    [HttpGet(AlertRoutes.PlatformAlert), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDetail(Guid alertId, CancellationToken ct) =>
        DetailAsync(PlatformOwner, alertId, new SilenceForm(), ct);

    [HttpPost(AlertRoutes.Silence), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> TenantSilence(Guid alertId, SilenceForm form, CancellationToken ct) =>
        SilenceAsync(TenantOwner, alertId, form, ct);

    [HttpPost(AlertRoutes.PlatformSilence), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformSilence(Guid alertId, SilenceForm form, CancellationToken ct) =>
        SilenceAsync(PlatformOwner, alertId, form, ct);

    [HttpPost(AlertRoutes.Unsilence), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> TenantUnsilence(Guid alertId, CancellationToken ct) =>
        UnsilenceAsync(TenantOwner, alertId, ct);

    [HttpPost(AlertRoutes.PlatformUnsilence), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformUnsilence(Guid alertId, CancellationToken ct) =>
        UnsilenceAsync(PlatformOwner, alertId, ct);

    /// <summary>
    /// The chart of the alert's page, read with the page's session: the metric around the firing time.
    /// </summary>
    [HttpGet(AlertRoutes.Chart), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> TenantChart(Guid alertId, CancellationToken ct) => ChartAsync(TenantOwner, alertId, ct);

    [HttpGet(AlertRoutes.PlatformChart), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformChart(Guid alertId, CancellationToken ct) =>
        ChartAsync(PlatformOwner, alertId, ct);

    private async Task<IActionResult> ChartAsync(AlertOwner owner, Guid alertId, CancellationToken ct) =>
        await alerts.ChartAsync(owner.Tenant?.Id, alertId, ct) is { } chart ? Json(chart) : NotFound();

    private AlertOwner TenantOwner => new(HttpContext.TenantAccess());
    private static AlertOwner PlatformOwner => new((TenantAccess?)null);

    private async Task<IActionResult> ListAsync(AlertOwner owner, AlertQuery query, CancellationToken ct)
    {
        var page = await alerts.ListAsync(
            owner.Tenant?.Id,
            query.ToFilter(),
            new PageRequest(query.Page, PageSize),
            ct
        );
        return View("Index", new AlertListModel(owner, page, query, PagerModel.For(page, Request)));
    }

    private async Task<IActionResult> DetailAsync(
        AlertOwner owner,
        Guid alertId,
        SilenceForm form,
        CancellationToken ct
    )
    {
        var detail = await alerts.FindAsync(owner.Tenant?.Id, alertId, ct);
        return detail is null ? NotFound() : View("Detail", new AlertDetailModel(owner, detail, form));
    }

    private async Task<IActionResult> SilenceAsync(
        AlertOwner owner,
        Guid alertId,
        SilenceForm form,
        CancellationToken ct
    )
    {
        // A value that could not be read (a tampered select or checkbox) is not taken for its default.
        if (!ModelState.IsValid)
            return BadRequest();
        var silenced = SilenceForm.Choices.Any(c => c.Minutes == form.Minutes)
            ? await alerts.SilenceAsync(alertId, DateTime.UtcNow.AddMinutes(form.Minutes), form.Reason, ct)
            : Domain.Common.Problem.Invalid(
                "Minutes",
                "Choose how long to silence the alert: 1 hour, 4 hours, 1 day or 7 days."
            );
        if (silenced.Succeeded)
        {
            TempData["Flash"] = "The alert is silenced: its notifications wait until the silence ends.";
            return Redirect(AlertRoutes.AlertUrl(owner.Slug, alertId));
        }
        return await this.RefusedAsync(silenced.Problem!, () => DetailAsync(owner, alertId, form, ct));
    }

    private async Task<IActionResult> UnsilenceAsync(AlertOwner owner, Guid alertId, CancellationToken ct)
    {
        var lifted = await alerts.UnsilenceAsync(alertId, ct);
        return this.AfterAction(lifted.Problem, "The silence is lifted.", AlertRoutes.AlertUrl(owner.Slug, alertId));
    }
}

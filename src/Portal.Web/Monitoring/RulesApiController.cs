using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Monitoring;

/// <summary>
/// A rule as sent: every setting; <c>appName</c> (tenant rules only, at creation) names the application watched.
/// </summary>
public sealed record RuleRequest(
    string? Name,
    AlertMetric? Metric,
    Aggregation? Aggregation,
    Comparator? Comparator,
    double? Threshold,
    int? DurationMinutes,
    Severity? Severity,
    IReadOnlyList<Guid>? ChannelIds,
    string? AppName
)
{
    public Domain.Common.Result<RuleSettings> ToSettings() =>
        RuleInput.Settings(Name, Metric, Aggregation, Comparator, Threshold, DurationMinutes, Severity, ChannelIds);
}

/// <summary>
/// Alert rules of a tenant (<c>/api/v1/tenants/{tenant}/alert-rules</c>: members read, developers change) and of the
/// platform (<c>/api/v1/alert-rules</c>, platform admins).
/// </summary>
public sealed class RulesApiController(AlertRuleDirectory rules) : ApiControllerBase
{
    private const string TenantRules = "api/v1/tenants/{tenant}/alert-rules";
    private const string PlatformRules = "api/v1/alert-rules";

    [HttpGet(TenantRules), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<RuleRow>> List(CancellationToken ct) => rules.ListAsync(Tenant.Id, ct);

    [HttpGet(PlatformRules), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IReadOnlyList<RuleRow>> PlatformList(CancellationToken ct) => rules.ListAsync(null, ct);

    [HttpPost(TenantRules), Authorize(TenantPolicies.Develop)]
    [ProducesResponseType<RuleRow>(StatusCodes.Status201Created)]
    public Task<IActionResult> Create(RuleRequest request, CancellationToken ct) =>
        CreateAsync(Tenant, request.AppName, request, ct);

    [HttpPost(PlatformRules), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<RuleRow>(StatusCodes.Status201Created)]
    public Task<IActionResult> PlatformCreate(RuleRequest request, CancellationToken ct) =>
        CreateAsync(null, null, request, ct);

    [HttpGet(TenantRules + "/{ruleId:guid}"), Authorize(TenantPolicies.Read)]
    [ProducesResponseType<RuleRow>(StatusCodes.Status200OK)]
    public Task<IActionResult> Get(Guid ruleId, CancellationToken ct) => GetAsync(Tenant, ruleId, ct);

    [HttpGet(PlatformRules + "/{ruleId:guid}"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<RuleRow>(StatusCodes.Status200OK)]
    public Task<IActionResult> PlatformGet(Guid ruleId, CancellationToken ct) => GetAsync(null, ruleId, ct);

    /// <summary>Replaces the rule's settings; the scope and the application watched stay as created.</summary>
    [HttpPut(TenantRules + "/{ruleId:guid}"), Authorize(TenantPolicies.Develop)]
    [ProducesResponseType<RuleRow>(StatusCodes.Status200OK)]
    public Task<IActionResult> Change(Guid ruleId, RuleRequest request, CancellationToken ct) =>
        ChangeAsync(Tenant, ruleId, request, ct);

    /// <summary>Replaces the rule's settings; a built-in rule keeps its metric.</summary>
    [HttpPut(PlatformRules + "/{ruleId:guid}"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<RuleRow>(StatusCodes.Status200OK)]
    public Task<IActionResult> PlatformChange(Guid ruleId, RuleRequest request, CancellationToken ct) =>
        ChangeAsync(null, ruleId, request, ct);

    [HttpDelete(TenantRules + "/{ruleId:guid}"), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Delete(Guid ruleId, CancellationToken ct) => DeleteAsync(Tenant, ruleId, ct);

    /// <summary>Deletes a rule of the platform's own; a built-in one answers 409 and can be disabled instead.</summary>
    [HttpDelete(PlatformRules + "/{ruleId:guid}"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDelete(Guid ruleId, CancellationToken ct) => DeleteAsync(null, ruleId, ct);

    [HttpPost(TenantRules + "/{ruleId:guid}/enable"), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Enable(Guid ruleId, CancellationToken ct) => SwitchAsync(Tenant, ruleId, true, ct);

    [HttpPost(TenantRules + "/{ruleId:guid}/disable"), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Disable(Guid ruleId, CancellationToken ct) => SwitchAsync(Tenant, ruleId, false, ct);

    [HttpPost(PlatformRules + "/{ruleId:guid}/enable"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformEnable(Guid ruleId, CancellationToken ct) => SwitchAsync(null, ruleId, true, ct);

    [HttpPost(PlatformRules + "/{ruleId:guid}/disable"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDisable(Guid ruleId, CancellationToken ct) =>
        SwitchAsync(null, ruleId, false, ct);

    private Tenant Tenant => HttpContext.TenantAccess().Tenant;

    private async Task<IActionResult> CreateAsync(
        Tenant? tenant,
        string? appName,
        RuleRequest request,
        CancellationToken ct
    )
    {
        var settings = request.ToSettings();
        if (!settings.Succeeded)
            return this.ToActionResult(settings.Problem!);
        var created = await rules.CreateAsync(appName, settings.Value, ct);
        return created.Succeeded
            ? Created(
                $"/{(tenant is null ? PlatformRules : $"api/v1/tenants/{tenant.Slug}/alert-rules")}/{created.Value.Id}",
                await RowAsync(tenant, created.Value.Id, ct)
            )
            : this.ToActionResult(created.Problem!);
    }

    private async Task<IActionResult> GetAsync(Tenant? tenant, Guid ruleId, CancellationToken ct) =>
        await RowAsync(tenant, ruleId, ct) is { } row
            ? Ok(row)
            : this.ToActionResult(Domain.Common.Problem.NotFound("The alert rule"));

    private async Task<IActionResult> ChangeAsync(
        Tenant? tenant,
        Guid ruleId,
        RuleRequest request,
        CancellationToken ct
    )
    {
        var settings = request.ToSettings();
        if (!settings.Succeeded)
            return this.ToActionResult(
                await rules.FindAsync(tenant?.Id, ruleId, ct) is null
                    ? Domain.Common.Problem.NotFound("The alert rule")
                    : settings.Problem!
            );
        var changed = await rules.ChangeAsync(ruleId, settings.Value, ct);
        return changed.Succeeded ? Ok(await RowAsync(tenant, ruleId, ct)) : this.ToActionResult(changed.Problem!);
    }

    private async Task<IActionResult> DeleteAsync(Tenant? tenant, Guid ruleId, CancellationToken ct)
    {
        var deleted = await rules.DeleteAsync(ruleId, ct);
        return deleted.Succeeded ? NoContent() : this.ToActionResult(deleted.Problem!);
    }

    private async Task<IActionResult> SwitchAsync(Tenant? tenant, Guid ruleId, bool enabled, CancellationToken ct)
    {
        var switched = await rules.SwitchAsync(ruleId, enabled, ct);
        return switched.Succeeded ? Ok(await RowAsync(tenant, ruleId, ct)) : this.ToActionResult(switched.Problem!);
    }

    private async Task<RuleRow?> RowAsync(Tenant? tenant, Guid ruleId, CancellationToken ct) =>
        (await rules.ListAsync(tenant?.Id, ct)).FirstOrDefault(r => r.Id == ruleId);
}

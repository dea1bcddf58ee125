using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Monitoring;

public sealed record RulesModel(
    AlertOwner Owner,
    Page<RuleRow> Rules,
    IReadOnlyList<RuleRow> PlatformRules,
    IReadOnlyDictionary<Guid, string> ChannelNames
);

public sealed record RuleFormModel(
    AlertOwner Owner,
    RuleForm Form,
    Guid? RuleId,
    RuleScope? Scope,
    string? BuiltIn,
    IReadOnlyList<(Guid Id, string Name)> Channels,
    IReadOnlyList<string> Apps
)
{
    public bool IsNew => RuleId is null;
    public string Action => RuleId is { } id ? AlertRoutes.RuleUrl(Owner.Slug, id) : AlertRoutes.NewRuleUrl(Owner.Slug);
}

public sealed record DeleteRuleModel(AlertOwner Owner, RuleRow Rule);

/// <summary>
/// The alert rule pages of a tenant (<c>/t/{tenant}/alerts/rules</c>) and of the platform (<c>/admin/alerts/rules</c>).
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class RulesController(
    AlertRuleDirectory rules,
    ApplicationCatalog applications,
    InstanceDirectory instances
) : Controller
{
    [HttpGet(AlertRoutes.Rules), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> Index(int? page, CancellationToken ct) => ListAsync(TenantOwner, page, ct);

    [HttpGet(AlertRoutes.PlatformRules), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformIndex(int? page, CancellationToken ct) => ListAsync(PlatformOwner, page, ct);

    [HttpGet(AlertRoutes.NewRule), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> New(CancellationToken ct) =>
        View("Form", await FormModelAsync(TenantOwner, RuleForm.Blank(), null, ct));

    [HttpGet(AlertRoutes.PlatformNewRule), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> PlatformNew(CancellationToken ct) =>
        View("Form", await FormModelAsync(PlatformOwner, RuleForm.Blank(), null, ct));

    [HttpPost(AlertRoutes.NewRule), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Create(RuleForm form, CancellationToken ct) => CreateAsync(TenantOwner, form, ct);

    [HttpPost(AlertRoutes.PlatformNewRule), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformCreate(RuleForm form, CancellationToken ct) =>
        CreateAsync(PlatformOwner, form, ct);

    [HttpGet(AlertRoutes.Rule), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Edit(Guid ruleId, CancellationToken ct) => EditAsync(TenantOwner, ruleId, ct);

    [HttpGet(AlertRoutes.PlatformRule), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformEdit(Guid ruleId, CancellationToken ct) => EditAsync(PlatformOwner, ruleId, ct);

    [HttpPost(AlertRoutes.Rule), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Change(Guid ruleId, RuleForm form, CancellationToken ct) =>
        ChangeAsync(TenantOwner, ruleId, form, ct);

    [HttpPost(AlertRoutes.PlatformRule), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformChange(Guid ruleId, RuleForm form, CancellationToken ct) =>
        ChangeAsync(PlatformOwner, ruleId, form, ct);

    [HttpPost(AlertRoutes.EnableRule), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Enable(Guid ruleId, CancellationToken ct) => SwitchAsync(TenantOwner, ruleId, true, ct);

    [HttpPost(AlertRoutes.DisableRule), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Disable(Guid ruleId, CancellationToken ct) =>
        SwitchAsync(TenantOwner, ruleId, false, ct);

    [HttpPost(AlertRoutes.PlatformEnableRule), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformEnable(Guid ruleId, CancellationToken ct) =>
        SwitchAsync(PlatformOwner, ruleId, true, ct);

    [HttpPost(AlertRoutes.PlatformDisableRule), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDisable(Guid ruleId, CancellationToken ct) =>
        SwitchAsync(PlatformOwner, ruleId, false, ct);

    [HttpGet(AlertRoutes.DeleteRule), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> ConfirmDelete(Guid ruleId, CancellationToken ct) =>
        ConfirmDeleteAsync(TenantOwner, ruleId, ct);

    [HttpGet(AlertRoutes.PlatformDeleteRule), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformConfirmDelete(Guid ruleId, CancellationToken ct) =>
        ConfirmDeleteAsync(PlatformOwner, ruleId, ct);

    [HttpPost(AlertRoutes.DeleteRule), Authorize(TenantPolicies.Develop)]
    public Task<IActionResult> Delete(Guid ruleId, CancellationToken ct) => DeleteAsync(TenantOwner, ruleId, ct);

    [HttpPost(AlertRoutes.PlatformDeleteRule), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDelete(Guid ruleId, CancellationToken ct) =>
        DeleteAsync(PlatformOwner, ruleId, ct);

    /// <summary>A page of rules; a tenant with an alert per application has thousands.</summary>
    public const int RulesPerPage = 50;

    private AlertOwner TenantOwner => new(HttpContext.TenantAccess());
    private static AlertOwner PlatformOwner => new((TenantAccess?)null);

    private async Task<IActionResult> ListAsync(AlertOwner owner, int? page, CancellationToken ct)
    {
        var own = await rules.PageAsync(owner.Tenant?.Id, new PageRequest(page, RulesPerPage), ct);
        var platform = owner.IsPlatform ? [] : await rules.PlatformRulesOnAsync(ct);
        var channels = (await rules.ChannelChoicesAsync(owner.Tenant?.Id, ct)).ToDictionary(c => c.Id, c => c.Name);
        return View("Index", new RulesModel(owner, own, platform, channels));
    }

    private async Task<IActionResult> CreateAsync(AlertOwner owner, RuleForm form, CancellationToken ct)
    {
        var settings = form.ToSettings();
        var created = settings.Succeeded
            ? await rules.CreateAsync(owner.IsPlatform ? null : form.AppName, settings.Value, ct)
            : settings.Problem!;
        if (!created.Succeeded)
            return await RefusedAsync(owner, form, null, created.Problem!, ct);
        TempData["Flash"] = $"Alert rule '{created.Value.Name}' was created: {created.Value.Condition}.";
        return Redirect(AlertRoutes.RulesUrl(owner.Slug));
    }

    private async Task<IActionResult> EditAsync(AlertOwner owner, Guid ruleId, CancellationToken ct) =>
        await rules.FindAsync(owner.Tenant?.Id, ruleId, ct) is { } rule
            ? View("Form", await FormModelAsync(owner, RuleForm.From(rule), rule, ct))
            : NotFound();

    private async Task<IActionResult> ChangeAsync(AlertOwner owner, Guid ruleId, RuleForm form, CancellationToken ct)
    {
        if (await rules.FindAsync(owner.Tenant?.Id, ruleId, ct) is not { } rule)
            return NotFound();
        form.AppName = rule.AppName;
        var settings = form.ToSettings();
        var changed = settings.Succeeded ? await rules.ChangeAsync(ruleId, settings.Value, ct) : settings.Problem!;
        if (!changed.Succeeded)
            return await RefusedAsync(owner, form, rule, changed.Problem!, ct);
        TempData["Flash"] = $"Alert rule '{changed.Value.Name}' was saved: {changed.Value.Condition}.";
        return Redirect(AlertRoutes.RulesUrl(owner.Slug));
    }

    private async Task<IActionResult> SwitchAsync(AlertOwner owner, Guid ruleId, bool enabled, CancellationToken ct)
    {
        var switched = await rules.SwitchAsync(ruleId, enabled, ct);
        return this.AfterAction(
            switched.Problem,
            enabled ? "The rule is on." : "The rule is off: it raises no alerts until it is switched on again.",
            AlertRoutes.RulesUrl(owner.Slug)
        );
    }

    private async Task<IActionResult> ConfirmDeleteAsync(AlertOwner owner, Guid ruleId, CancellationToken ct) =>
        (await rules.ListAsync(owner.Tenant?.Id, ct)).FirstOrDefault(r => r.Id == ruleId) is { } rule
            ? View("Delete", new DeleteRuleModel(owner, rule))
            : NotFound();

    private async Task<IActionResult> DeleteAsync(AlertOwner owner, Guid ruleId, CancellationToken ct)
    {
        var deleted = await rules.DeleteAsync(ruleId, ct);
        return this.AfterAction(deleted.Problem, "The rule was deleted.", AlertRoutes.RulesUrl(owner.Slug));
    }

    private async Task<IActionResult> RefusedAsync(
        AlertOwner owner,
        RuleForm form,
        AlertRule? rule,
        Problem problem,
        CancellationToken ct
    )
    {
        // Binding left its own messages for values it could not read; the domain names each of those fields itself.
        ModelState.Clear();
        return await this.RefusedAsync(problem, async () => View("Form", await FormModelAsync(owner, form, rule, ct)));
    }

    private async Task<RuleFormModel> FormModelAsync(
        AlertOwner owner,
        RuleForm form,
        AlertRule? rule,
        CancellationToken ct
    )
    {
        var channels = await rules.ChannelChoicesAsync(owner.Tenant?.Id, ct);
        IReadOnlyList<string> apps = [];
        if (!owner.IsPlatform && rule is null)
        {
            var page = new PageRequest(1, PageRequest.MaxSize);
            apps = (await applications.ListAsync(new ApplicationFilter(), page, ct))
                .Items.Select(a => a.Name)
                .Concat((await instances.ListAsync(null, null, page, ct)).Items.Select(i => i.Name))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        return new RuleFormModel(owner, form, rule?.Id, rule?.Scope, rule?.BuiltIn, channels, apps);
    }
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Monitoring;

/// <summary>A rule as the rules list shows it.</summary>
public sealed record RuleRow(
    Guid Id,
    string Name,
    RuleScope Scope,
    string AppName,
    AlertMetric Metric,
    Aggregation Aggregation,
    Comparator Comparator,
    double Threshold,
    int DurationMinutes,
    Severity Severity,
    bool Enabled,
    string? BuiltIn,
    IReadOnlyList<Guid> ChannelIds,
    int Firing
)
{
    public string Condition => AlertRule.Describe(Metric, Aggregation, Comparator, Threshold, DurationMinutes);
}

/// <summary>
/// The alert rules of the platform (tenant = null) or of one tenant: listed, created, changed, switched on and off,
/// deleted — each change audited. A rule notifies only channels of its own owner; an application rule names an
/// application of its tenant.
/// </summary>
public sealed class AlertRuleDirectory(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock
)
{
    /// <summary>Every rule of the platform (null) or of a tenant, by name.</summary>
    public async Task<IReadOnlyList<RuleRow>> ListAsync(Guid? tenantId, CancellationToken ct) =>
        await Rows(Owned(tenantId).OrderBy(r => r.Name).ThenBy(r => r.Id)).ToListAsync(ct);

    /// <summary>One page of the rules of the platform (null) or of a tenant, by name.</summary>
    public async Task<Page<RuleRow>> PageAsync(Guid? tenantId, PageRequest page, CancellationToken ct)
    {
        var total = await Owned(tenantId).CountAsync(ct);
        var items = await Rows(Owned(tenantId).OrderBy(r => r.Name).ThenBy(r => r.Id).Skip(page.Skip).Take(page.Size))
            .ToListAsync(ct);
        return new Page<RuleRow>(items, page.Number, page.Size, total);
    }

    /// <summary>The platform's rules that are on, as a tenant's rules page names them: no firing counts.</summary>
    public async Task<IReadOnlyList<RuleRow>> PlatformRulesOnAsync(CancellationToken ct) =>
        await Owned(null)
            .Where(r => r.Enabled)
            .OrderBy(r => r.Name)
            .ThenBy(r => r.Id)
            .Select(r => new RuleRow(
                r.Id,
                r.Name,
                r.Scope,
                r.AppName,
                r.Metric,
                r.Aggregation,
                r.Comparator,
                r.Threshold,
                r.DurationMinutes,
                r.Severity,
                r.Enabled,
                r.BuiltIn,
                r.ChannelIds,
                0
            ))
            .ToListAsync(ct);

    private IQueryable<AlertRule> Owned(Guid? tenantId) =>
        db.AlertRules.AsNoTracking().Where(r => r.TenantId == tenantId);

    /// <summary>
    /// Each rule with how many of its alerts fire, counted in the same query (the partial unique index on firing
    /// alerts by rule answers each count) rather than by a second query naming every rule's id.
    /// </summary>
    private IQueryable<RuleRow> Rows(IQueryable<AlertRule> rules) =>
        rules.Select(r => new RuleRow(
            r.Id,
            r.Name,
            r.Scope,
            r.AppName,
            r.Metric,
            r.Aggregation,
            r.Comparator,
            r.Threshold,
            r.DurationMinutes,
            r.Severity,
            r.Enabled,
            r.BuiltIn,
            r.ChannelIds,
            db.Alerts.Count(a => a.RuleId == r.Id && a.State == AlertState.Firing)
        ));

    public async Task<AlertRule?> FindAsync(Guid? tenantId, Guid ruleId, CancellationToken ct) =>
        await db.AlertRules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId && r.TenantId == tenantId, ct);

    public async Task<Result<AlertRule>> CreateAsync(string? appName, RuleSettings settings, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        var scope =
            tenant is null ? RuleScope.Platform
            : string.IsNullOrWhiteSpace(appName) ? RuleScope.Tenant
            : RuleScope.App;
        var now = clock.GetUtcNow().UtcDateTime;
        var created = AlertRule.Create(scope, tenant?.Id, appName, settings, now);
        if (!created.Succeeded)
            return created.Problem!;
        var refused = await RefusedChannelAsync(tenant?.Id, settings.ChannelIds, ct)
            ?? await RefusedAppAsync(tenant, created.Value, ct);
        if (refused is not null)
            return refused;
        db.AlertRules.Add(created.Value);
        audit.Record(
            actor,
            tenant,
            MonitoringAuditActions.RuleCreated,
            "alert-rule",
            created.Value.Name,
            created.Value.Condition
        );
        await db.SaveChangesAsync(ct);
        return created.Value;
    }

    public async Task<Result<AlertRule>> ChangeAsync(Guid ruleId, RuleSettings settings, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        var rule = await OwnedAsync(tenant, ruleId, ct);
        if (rule is null)
            return Problem.NotFound("The alert rule");
        var before = rule.Condition;
        var changed = rule.Change(settings, clock.GetUtcNow().UtcDateTime);
        if (!changed.Succeeded)
            return changed.Problem!;
        if (await RefusedChannelAsync(tenant?.Id, settings.ChannelIds, ct) is { } refused)
            return refused;
        audit.Record(
            actor,
            tenant,
            MonitoringAuditActions.RuleChanged,
            "alert-rule",
            rule.Name,
            $"'{before}' → '{rule.Condition}'"
        );
        await db.SaveChangesAsync(ct);
        return rule;
    }

    public async Task<Result> SwitchAsync(Guid ruleId, bool enabled, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        var rule = await OwnedAsync(tenant, ruleId, ct);
        if (rule is null)
            return Problem.NotFound("The alert rule");
        rule.Switch(enabled, clock.GetUtcNow().UtcDateTime);
        audit.Record(
            actor,
            tenant,
            enabled ? MonitoringAuditActions.RuleEnabled : MonitoringAuditActions.RuleDisabled,
            "alert-rule",
            rule.Name
        );
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    public async Task<Result> DeleteAsync(Guid ruleId, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        var rule = await OwnedAsync(tenant, ruleId, ct);
        if (rule is null)
            return Problem.NotFound("The alert rule");
        if (rule.BuiltIn is not null)
            return Problem.Conflict("A built-in rule cannot be deleted; switch it off instead.");
        db.AlertRules.Remove(rule);
        audit.Record(actor, tenant, MonitoringAuditActions.RuleDeleted, "alert-rule", rule.Name, rule.Condition);
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    private Task<AlertRule?> OwnedAsync(Tenant? tenant, Guid ruleId, CancellationToken ct)
    {
        var owner = tenant?.Id;
        return db.AlertRules.FirstOrDefaultAsync(r => r.Id == ruleId && r.TenantId == owner, ct);
    }

    /// <summary>The channels a rule of this owner may notify: its own.</summary>
    public async Task<IReadOnlyList<(Guid Id, string Name)>> ChannelChoicesAsync(
        Guid? tenantId,
        CancellationToken ct
    ) =>
        (
            await db
                .NotificationChannels.AsNoTracking()
                .Where(c => c.TenantId == tenantId)
                .OrderBy(c => c.Name)
                .Select(c => new { c.Id, c.Name })
                .ToListAsync(ct)
        )
            .Select(c => (c.Id, c.Name))
            .ToList();

    private async Task<Problem?> RefusedChannelAsync(
        Guid? tenantId,
        IReadOnlyList<Guid> channelIds,
        CancellationToken ct
    )
    {
        if (channelIds.Count == 0)
            return null;
        var ids = channelIds.Distinct().ToList();
        var owned = await db
            .NotificationChannels.AsNoTracking()
            .CountAsync(c => ids.Contains(c.Id) && c.TenantId == tenantId, ct);
        return owned == ids.Count
            ? null
            : Problem.Invalid(
                "ChannelIds",
                "A rule notifies channels of its own tenant (or, for platform rules, "
                    + "the platform's); one of those chosen is not."
            );
    }

    private async Task<Problem?> RefusedAppAsync(Tenant? tenant, AlertRule rule, CancellationToken ct)
    {
        if (tenant is null || rule.Scope != RuleScope.App)
            return null;
        var name = rule.AppName;
        var known =
            await db.Applications.IgnoreQueryFilters().AnyAsync(a => a.TenantId == tenant.Id && a.Name == name, ct)
            || await db
                .MiddlewareInstances.IgnoreQueryFilters()
                .AnyAsync(i => i.TenantId == tenant.Id && i.Name == name, ct);
        return known
            ? null
            : Problem.Invalid(
                "AppName",
                $"Tenant '{tenant.Slug}' has no application or middleware instance named '{name}'."
            );
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Pipelines;

/// <summary>A tenant's run quota: its own when a platform admin set one (<paramref name="IsDefault"/> false).</summary>
public sealed record RunQuotaLimits(int ConcurrentRuns, int BuildMinutesPerDay, bool IsDefault);

/// <summary>A tenant's run quota with what it uses of it now: runs going, build minutes since 00:00 UTC.</summary>
public sealed record RunQuotaUse(RunQuotaLimits Limits, int RunsGoing, double BuildMinutesToday)
{
    public int ConcurrentRuns => Limits.ConcurrentRuns;
    public int BuildMinutesPerDay => Limits.BuildMinutesPerDay;

    /// <summary>The build minutes today as people read them: started minutes count whole.</summary>
    public int BuildMinutesTodayRounded => (int)Math.Ceiling(BuildMinutesToday - 1e-9);
}

/// <summary>
/// What tenants may spend on pipelines: runs going at once and build minutes a day. Set per tenant by a platform admin
/// (audited; a missing number is refused, never taken as 0); a tenant without its own has the platform's defaults.
/// </summary>
public sealed class RunQuotas(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    IOptions<PipelineOptions> options,
    TimeProvider clock
)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The current tenant's quota and its use.</summary>
    public async Task<RunQuotaUse> ForCurrentTenantAsync(CancellationToken ct)
    {
        var tenantId = currentTenant.Required.Id;
        var limits = await LimitsAsync(tenantId, ct);
        var going = await db.PipelineRuns.CountAsync(r => r.State == RunState.Running, ct);
        return new RunQuotaUse(limits, going, await BuildMinutesTodayAsync(ct));
    }

    /// <summary>
    /// The minutes the current tenant's builds took since 00:00 UTC: each build's time from its start (or midnight)
    /// to its end (or now, while it runs), read in one query.
    /// </summary>
    public async Task<double> BuildMinutesTodayAsync(CancellationToken ct)
    {
        var now = Now;
        var midnight = now.Date;
        var spans = await db
            .Builds.AsNoTracking()
            .Where(b => b.StartedAt != null && (b.FinishedAt == null || b.FinishedAt > midnight))
            .Select(b => new { b.StartedAt, b.FinishedAt })
            .ToListAsync(ct);
        return spans.Sum(s =>
        {
            var from = s.StartedAt!.Value < midnight ? midnight : s.StartedAt.Value;
            var to = s.FinishedAt ?? now;
            return to > from ? (to - from).TotalMinutes : 0;
        });
    }

    /// <summary>The quota of the tenant <paramref name="tenantSlug"/>, for the platform admin's form.</summary>
    public async Task<Result<RunQuotaLimits>> FindAsync(string tenantSlug, CancellationToken ct)
    {
        var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == tenantSlug, ct);
        if (tenant is null)
            return Problem.NotFound($"Tenant '{tenantSlug}'");
        return await LimitsAsync(tenant.Id, ct);
    }

    /// <summary>Sets the tenant's own quota (a platform admin's act); both numbers are needed.</summary>
    public async Task<Result<RunQuotaLimits>> SetAsync(
        string tenantSlug,
        int? concurrentRuns,
        int? buildMinutesPerDay,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Slug == tenantSlug, ct);
        if (tenant is null)
            return Problem.NotFound($"Tenant '{tenantSlug}'");
        var existing = await db.RunQuotas.IgnoreQueryFilters().FirstOrDefaultAsync(q => q.TenantId == tenant.Id, ct);
        if (existing is null)
        {
            var made = RunQuota.Create(tenant.Id, concurrentRuns, buildMinutesPerDay, actor.Name, Now);
            if (!made.Succeeded)
                return made.Problem!;
            db.RunQuotas.Add(made.Value);
        }
        else
        {
            var changed = existing.Change(concurrentRuns, buildMinutesPerDay, actor.Name, Now);
            if (!changed.Succeeded)
                return changed.Problem!;
        }
        audit.Record(
            actor,
            tenant,
            PipelineAuditActions.RunQuotaSet,
            "tenant",
            tenant.Slug,
            $"{concurrentRuns} runs at once, {buildMinutesPerDay} build minutes a day"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"The run quota of '{tenantSlug}' was set meanwhile; reload and try again.");
        return new RunQuotaLimits(concurrentRuns!.Value, buildMinutesPerDay!.Value, false);
    }

    private async Task<RunQuotaLimits> LimitsAsync(Guid tenantId, CancellationToken ct)
    {
        var own = await db
            .RunQuotas.IgnoreQueryFilters()
            .AsNoTracking()
            .FirstOrDefaultAsync(q => q.TenantId == tenantId, ct);
        var defaults = options.Value;
        return own is null
            ? new RunQuotaLimits(defaults.ConcurrentRunsPerTenant, defaults.BuildMinutesPerDay, true)
            : new RunQuotaLimits(own.ConcurrentRuns, own.BuildMinutesPerDay, false);
    }
}

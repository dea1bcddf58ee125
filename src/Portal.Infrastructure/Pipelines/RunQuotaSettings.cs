using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Pipelines;

/// <summary>A tenant's run quota with what it uses of it now: runs going, build minutes since 00:00 UTC.</summary>
public sealed record RunQuotaUse(RunLimits Limits, int RunsGoing, double BuildMinutesToday)
{
    public int ConcurrentRuns => Limits.ConcurrentRuns;
    public int BuildMinutesPerDay => Limits.BuildMinutesPerDay;

    /// <summary>The build minutes today as people read them: a minute begun counts whole.</summary>
    public int BuildMinutesTodayRounded => (int)Math.Ceiling(BuildMinutesToday - 1e-9);
}

/// <summary>
/// Tenants' run quotas as pages and the API show and set them: the current tenant's with its use, and a tenant's own
/// set by a platform admin (audited; a missing number is refused, never taken as 0). What applies is
/// <see cref="RunQuotas"/>'.
/// </summary>
public sealed class RunQuotaSettings(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    RunQuotas quotas,
    TimeProvider clock
)
{
    /// <summary>The current tenant's quota and its use.</summary>
    public async Task<RunQuotaUse> ForCurrentTenantAsync(CancellationToken ct)
    {
        var tenantId = currentTenant.Required.Id;
        return new RunQuotaUse(
            await quotas.LimitsAsync(tenantId, ct),
            await quotas.RunsGoingAsync(tenantId, ct),
            await quotas.BuildMinutesTodayAsync(tenantId, ct)
        );
    }

    /// <summary>The quota of the tenant <paramref name="tenantSlug"/>, for the platform admin's form.</summary>
    public async Task<Result<RunLimits>> FindAsync(string tenantSlug, CancellationToken ct)
    {
        var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == tenantSlug, ct);
        if (tenant is null)
            return Problem.NotFound($"Tenant '{tenantSlug}'");
        return await quotas.LimitsAsync(tenant.Id, ct);
    }

    /// <summary>Sets the tenant's own quota (a platform admin's act); both numbers are needed.</summary>
    public async Task<Result<RunLimits>> SetAsync(
        string tenantSlug,
        int? concurrentRuns,
        int? buildMinutesPerDay,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var now = clock.GetUtcNow().UtcDateTime;
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Slug == tenantSlug, ct);
        if (tenant is null)
            return Problem.NotFound($"Tenant '{tenantSlug}'");
        var existing = await db.RunQuotas.IgnoreQueryFilters().FirstOrDefaultAsync(q => q.TenantId == tenant.Id, ct);
        if (existing is null)
        {
            var made = RunQuota.Create(tenant.Id, concurrentRuns, buildMinutesPerDay, actor.Name, now);
            if (!made.Succeeded)
                return made.Problem!;
            db.RunQuotas.Add(made.Value);
        }
        else
        {
            var changed = existing.Change(concurrentRuns, buildMinutesPerDay, actor.Name, now);
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
        return new RunLimits(concurrentRuns!.Value, buildMinutesPerDay!.Value, false);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Pipelines;

/// <summary>A tenant's run quota as it applies: its own, or the platform's defaults.</summary>
public sealed record RunLimits(int ConcurrentRuns, int BuildMinutesPerDay, bool IsDefault);

/// <summary>What a tenant may spend on pipelines, and what it spent: runs going, build minutes today (UTC).</summary>
public sealed class RunQuotas(PortalDbContext db, IOptions<PipelineOptions> options, TimeProvider clock)
{
    public async Task<RunLimits> LimitsAsync(Guid tenantId, CancellationToken ct)
    {
        var own = await db
            .RunQuotas.IgnoreQueryFilters()
            .AsNoTracking()
            .FirstOrDefaultAsync(q => q.TenantId == tenantId, ct);
        return own is null
            ? new RunLimits(options.Value.ConcurrentRunsPerTenant, options.Value.BuildMinutesPerDay, true)
            : new RunLimits(own.ConcurrentRuns, own.BuildMinutesPerDay, false);
    }

    /// <summary>
    /// The minutes the tenant's builds took since midnight UTC, those still running counted until now: one query.
    /// </summary>
    public async Task<double> BuildMinutesTodayAsync(Guid tenantId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var midnight = now.Date;
        // No build lasts a day: those that ran today were queued since yesterday, which the tenant's index finds.
        var spans = await db
            .Builds.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(b => b.TenantId == tenantId && b.CreatedAt >= midnight.AddDays(-1) && b.StartedAt != null)
            .Where(b => b.FinishedAt == null || b.FinishedAt >= midnight)
            .Where(b => b.FinishedAt != null || b.State == BuildState.Running)
            .Select(b => new { b.StartedAt, b.FinishedAt })
            .ToListAsync(ct);
        return spans.Sum(s =>
        {
            var from = s.StartedAt!.Value < midnight ? midnight : s.StartedAt.Value;
            var to = s.FinishedAt ?? now;
            return Math.Max(0, (to - from).TotalMinutes);
        });
    }

    public async Task<int> RunsGoingAsync(Guid tenantId, CancellationToken ct) =>
        await db
            .PipelineRuns.IgnoreQueryFilters()
            .CountAsync(r => r.TenantId == tenantId && r.State == RunState.Running, ct);
}

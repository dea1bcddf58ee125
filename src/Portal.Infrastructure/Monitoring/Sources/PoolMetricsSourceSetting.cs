using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring.Sources;

/// <summary>
/// The platform admin's choice of where a pool's usage is read from: metrics.k8s.io, or a Prometheus by its address,
/// which must not lead into the portal's own network unless the operators allowed it
/// (<see cref="PrometheusTargetGuard"/>).
/// </summary>
public sealed class PoolMetricsSourceSetting(
    ICurrentActor currentActor,
    PortalDbContext db,
    AuditTrail audit,
    PrometheusTargetGuard guard
)
{
    public const string MetricsServerName = "metrics.k8s.io";

    /// <summary>
    /// The pool's Prometheus address, "" when it reads metrics.k8s.io, or null when there is no such pool.
    /// </summary>
    public Task<string?> PrometheusUrlAsync(string poolName, CancellationToken ct) =>
        db
            .ResourcePools.AsNoTracking()
            .Where(p => p.Name == poolName)
            .Select(p => p.PrometheusUrl)
            .FirstOrDefaultAsync(ct);

    /// <summary>The Prometheus address ("" for metrics.k8s.io) of every pool, by pool name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> PrometheusUrlsAsync(CancellationToken ct) =>
        await db.ResourcePools.AsNoTracking().ToDictionaryAsync(p => p.Name, p => p.PrometheusUrl, ct);

    /// <summary>
    /// Reads the pool's usage from the Prometheus at this address from now on, or from metrics.k8s.io when none is
    /// given.
    /// </summary>
    public async Task<Result> ChangeAsync(string poolName, string? prometheusUrl, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var pool = await db.ResourcePools.FirstOrDefaultAsync(p => p.Name == poolName, ct);
        if (pool is null)
            return Problem.NotFound($"Pool '{poolName}'");
        var previous = pool.PrometheusUrl;
        var before = Describe(previous);
        var changed = pool.UseMetricsFrom(prometheusUrl);
        if (
            changed.Succeeded
            && pool.PrometheusUrl.Length > 0
            && await guard.CheckAsync(new Uri(pool.PrometheusUrl), ct) is { Succeeded: false } refused
        )
        {
            pool.UseMetricsFrom(previous);
            changed = refused;
        }
        audit.Record(
            actor,
            null,
            PoolAuditActions.MetricsSourceChanged,
            "pool",
            pool.Name,
            changed.Succeeded ? $"{before} → {Describe(pool.PrometheusUrl)}" : changed.Problem!.Message,
            changed.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Denied
        );
        await db.SaveChangesAsync(ct);
        return changed;
    }

    /// <summary>How pages and audit events name a source: the Prometheus address, or metrics.k8s.io.</summary>
    public static string Describe(string prometheusUrl) =>
        prometheusUrl.Length == 0 ? MetricsServerName : prometheusUrl;
}

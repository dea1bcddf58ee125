using Microsoft.EntityFrameworkCore;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring;

/// <summary>
/// The rules every platform starts with, on by default: added at start-up when missing, never changed once there.
/// </summary>
public sealed class BuiltinAlertRules(PortalDbContext db, TimeProvider clock)
{
    public static readonly IReadOnlyDictionary<string, RuleSettings> All = new Dictionary<string, RuleSettings>
    {
        ["pod-crash-looping"] = new(
            "Pod crash-looping",
            AlertMetric.AppCrashLoopingPods,
            Aggregation.Min,
            Comparator.AtOrAbove,
            1,
            2,
            Severity.Critical,
            []
        ),
        ["deployment-unavailable"] = new(
            "Deployment unavailable",
            AlertMetric.AppUnavailableReplicas,
            Aggregation.Min,
            Comparator.AtOrAbove,
            1,
            5,
            Severity.Warning,
            []
        ),
        ["node-not-ready"] = new(
            "Node NotReady",
            AlertMetric.NodeNotReady,
            Aggregation.Min,
            Comparator.AtOrAbove,
            1,
            2,
            Severity.Critical,
            []
        ),
        ["quota-above-90"] = new(
            "Quota above 90%",
            AlertMetric.QuotaPercent,
            Aggregation.Min,
            Comparator.Above,
            90,
            5,
            Severity.Warning,
            []
        ),
    };

    public async Task EnsureAsync(CancellationToken ct)
    {
        var present = await db.AlertRules.Where(r => r.BuiltIn != null).Select(r => r.BuiltIn!).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (key, settings) in All.Where(b => !present.Contains(b.Key)))
            db.AlertRules.Add(AlertRule.Builtin(key, settings, now));
        await db.TrySaveUniqueAsync(ct);
    }
}

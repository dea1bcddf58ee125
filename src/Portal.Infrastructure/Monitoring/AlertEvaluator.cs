using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring;

/// <summary>Hands an alert whose state changed to whoever delivers its notifications (a job, in the portal).</summary>
public interface IAlertNotificationQueue
{
    void Enqueue(Guid alertId);
}

/// <summary>What one evaluation changed.</summary>
public sealed record EvaluationOutcome(int Fired, int Reopened, int Resolved);

/// <summary>
/// After each sampling: judges every enabled rule on each subject it watches over the rule's duration of raw samples,
/// then fires, keeps, re-opens or resolves that subject's alert. Alerts of rules switched off or deleted, and of
/// subjects no longer sampled, resolve. Alerts whose state changed go to the notification queue.
/// </summary>
public sealed class AlertEvaluator(
    PortalDbContext db,
    IAlertNotificationQueue notifications,
    IMonitoringNotifier live,
    IOptions<MonitoringOptions> options,
    TimeProvider clock,
    ILogger<AlertEvaluator> logger
)
{
    public Task EvaluateAsync(CancellationToken ct) => EvaluateAtAsync(clock.GetUtcNow().UtcDateTime, ct);

    public async Task<EvaluationOutcome> EvaluateAtAsync(DateTime now, CancellationToken ct)
    {
        var settings = options.Value;
        var unixNow = MetricCharts.Unix(now);
        var rules = await db.AlertRules.Where(r => r.Enabled).ToListAsync(ct);
        // Subjects are named only when an alert is raised: most evaluations raise none.
        SubjectNames? names = null;
        var changed = new List<Alert>();
        int fired = 0,
            reopened = 0,
            resolved = 0;
        foreach (var rule in rules)
        {
            var definition = rule.Definition;
            var since = unixNow - rule.DurationMinutes * 60L - 2L * settings.SampleSeconds;
            var subjects = Watched(rule);
            var watched = await subjects.AsNoTracking().ToListAsync(ct);
            var samples = (
                await db
                    .MetricSamples.AsNoTracking()
                    .Where(s => s.At >= since && s.At <= unixNow && subjects.Any(m => m.Id == s.SubjectId))
                    .ToListAsync(ct)
            )
                .GroupBy(s => s.SubjectId)
                .ToDictionary(
                    g => g.Key,
                    g =>
                        g.OrderBy(s => s.At)
                            .Select(s => (s.At, Value: definition.Read(s)))
                            .Where(s => s.Value is not null)
                            .Select(s => (s.At, s.Value!.Value))
                            .ToList()
                );
            var open = (
                await db
                    .Alerts.Where(a =>
                        a.RuleId == rule.Id
                        && (a.State == AlertState.Firing || a.ResolvedAt >= now - settings.AlertCoolDown)
                    )
                    .ToListAsync(ct)
            )
                .GroupBy(a => a.SubjectId)
                .ToDictionary(g => g.Key, g => g.OrderByDescending(a => a.StartedAt).First());
            foreach (var subject in watched)
            {
                var verdict = rule.Judge(samples.GetValueOrDefault(subject.Id) ?? [], unixNow, settings.SampleSeconds);
                var alert = open.GetValueOrDefault(subject.Id);
                open.Remove(subject.Id);
                switch (verdict.Kind)
                {
                    case VerdictKind.Breached when alert is { State: AlertState.Firing }:
                        alert.Holds(verdict.Value!.Value, now);
                        if (alert.ShouldNotify(settings.AlertCoolDown, now))
                            changed.Add(alert);
                        break;
                    case VerdictKind.Breached
                        when alert is not null && alert.ReopensWithin(settings.AlertCoolDown, now):
                        alert.Reopen(verdict.Value!.Value, now);
                        reopened++;
                        changed.Add(alert);
                        break;
                    case VerdictKind.Breached:
                        names ??= await SubjectNamesAsync(ct);
                        var raised = Alert.Fire(rule, subject, names.Describe(subject), verdict.Value!.Value, now);
                        db.Alerts.Add(raised);
                        fired++;
                        changed.Add(raised);
                        break;
                    case VerdictKind.Fine or VerdictKind.NoData when alert is { State: AlertState.Firing }:
                        alert.Resolve(verdict.Value, now);
                        resolved++;
                        changed.Add(alert);
                        break;
                }
            }
            foreach (var gone in open.Values.Where(a => a.State == AlertState.Firing))
            {
                gone.Resolve(null, now);
                resolved++;
                changed.Add(gone);
            }
        }
        var enabled = rules.Select(r => r.Id).ToList();
        foreach (
            var orphan in await db
                .Alerts.Where(a => a.State == AlertState.Firing && !enabled.Contains(a.RuleId))
                .ToListAsync(ct)
        )
        {
            orphan.Resolve(null, now);
            resolved++;
            changed.Add(orphan);
        }
        if (!await db.TrySaveUniqueAsync(ct))
        {
            // Another replica evaluated the same minute and raised the same alert first; its evaluation stands.
            logger.LogInformation("Alerts were evaluated concurrently; this evaluation is dropped");
            return new EvaluationOutcome(0, 0, 0);
        }
        foreach (var alert in changed.DistinctBy(a => a.Id))
            notifications.Enqueue(alert.Id);
        if (changed.Count > 0)
            await live.AlertsChangedAsync(
                changed.Where(a => a.TenantId is not null).Select(a => a.TenantId!.Value).ToHashSet(),
                ct
            );
        return new EvaluationOutcome(fired, reopened, resolved);
    }

    /// <summary>
    /// The subjects a rule watches: those of its metric's kind, of its tenant (and application) unless it is a platform
    /// rule.
    /// </summary>
    private IQueryable<MetricSubject> Watched(AlertRule rule)
    {
        var kind = rule.Definition.Kind;
        var subjects = db.MetricSubjects.Where(s => s.Kind == kind);
        return rule.Scope switch
        {
            RuleScope.Platform => subjects,
            RuleScope.Tenant => subjects.Where(s => s.TenantId == rule.TenantId),
            _ => subjects.Where(s => s.TenantId == rule.TenantId && s.Name == rule.AppName),
        };
    }

    private async Task<SubjectNames> SubjectNamesAsync(CancellationToken ct) =>
        new(
            await db.Clusters.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name, ct),
            await db.Environments.IgnoreQueryFilters().AsNoTracking().ToDictionaryAsync(e => e.Id, e => e.Name, ct)
        );

    /// <summary>
    /// How an alert names its subject: "prod/api" for a workload, "prod" for an environment, "cluster/node" for a node.
    /// </summary>
    private sealed record SubjectNames(Dictionary<Guid, string> Clusters, Dictionary<Guid, string> Environments)
    {
        public string Describe(MetricSubject subject)
        {
            var environment =
                subject.EnvironmentId is { } id && Environments.TryGetValue(id, out var name)
                    ? name
                    : subject.Namespace;
            var cluster = Clusters.GetValueOrDefault(subject.ClusterId, "cluster");
            return subject.Kind switch
            {
                SubjectKind.Workload or SubjectKind.Pod => $"{environment}/{subject.Name}",
                SubjectKind.Namespace => environment,
                SubjectKind.Node => $"{cluster}/{subject.Name}",
                _ => cluster,
            };
        }
    }
}

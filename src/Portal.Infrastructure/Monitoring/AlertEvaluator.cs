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
        var rules = await db.AlertRules.AsNoTracking().Where(r => r.Enabled).ToListAsync(ct);
        var ruleIds = rules.Select(r => r.Id).ToList();
        var openByRule = (
            await db
                .Alerts.Where(a =>
                    ruleIds.Contains(a.RuleId)
                    && (a.State == AlertState.Firing || a.ResolvedAt >= now - settings.AlertCoolDown)
                )
                .ToListAsync(ct)
        ).ToLookup(a => a.RuleId);
        // Subjects are named only when an alert is raised: most evaluations raise none.
        SubjectNames? names = null;
        var changed = new List<Alert>();
        int fired = 0,
            reopened = 0,
            resolved = 0;
        // Rules that watch the same kind of subject over the same duration read their subjects and samples together:
        // a query per group, not three per rule (5,000 rules would be 15,000 queries a minute).
        foreach (var group in rules.GroupBy(r => (r.Definition.Kind, r.DurationMinutes, r.Scope)))
        {
            var since = unixNow - group.Key.DurationMinutes * 60L - 2L * settings.SampleSeconds;
            var subjects = Watched(group.Key.Kind, group.Key.Scope, group.ToList());
            var watched = await subjects.AsNoTracking().ToListAsync(ct);
            var samples = (
                await db
                    .MetricSamples.AsNoTracking()
                    .Where(s => s.At >= since && s.At <= unixNow && subjects.Any(m => m.Id == s.SubjectId))
                    .ToListAsync(ct)
            )
                .GroupBy(s => s.SubjectId)
                .ToDictionary(g => g.Key, g => g.OrderBy(s => s.At).ToList());
            var byTenant = watched.ToLookup(s => s.TenantId);
            var byApp = watched.ToLookup(s => (s.TenantId, s.Name));
            foreach (var rule in group)
            {
                var definition = rule.Definition;
                var ruleSubjects = rule.Scope switch
                {
                    RuleScope.Platform => watched,
                    RuleScope.Tenant => byTenant[rule.TenantId],
                    _ => byApp[(rule.TenantId, rule.AppName)],
                };
                var open = openByRule[rule.Id]
                    .GroupBy(a => a.SubjectId)
                    .ToDictionary(g => g.Key, g => g.OrderByDescending(a => a.StartedAt).First());
                foreach (var subject in ruleSubjects)
                {
                    var values = (samples.GetValueOrDefault(subject.Id) ?? [])
                        .Select(s => (s.At, Value: definition.Read(s)))
                        .Where(s => s.Value is not null)
                        .Select(s => (s.At, s.Value!.Value))
                        .ToList();
                    var verdict = rule.Judge(values, unixNow, settings.SampleSeconds);
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
        }
        foreach (
            var orphan in await db
                .Alerts.Where(a => a.State == AlertState.Firing && !ruleIds.Contains(a.RuleId))
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
    /// The subjects a group of rules of one kind and scope watch: all of the kind for platform rules, else those of the
    /// rules' tenants (and applications; a tenant's rule on another tenant's application name is kept apart in
    /// memory).
    /// </summary>
    private IQueryable<MetricSubject> Watched(SubjectKind kind, RuleScope scope, List<AlertRule> rules)
    {
        var subjects = db.MetricSubjects.Where(s => s.Kind == kind);
        var tenants = rules.Select(r => r.TenantId).Distinct().ToList();
        var apps = rules.Select(r => r.AppName).Distinct().ToList();
        return scope switch
        {
            RuleScope.Platform => subjects,
            RuleScope.Tenant => subjects.Where(s => tenants.Contains(s.TenantId)),
            _ => subjects.Where(s => tenants.Contains(s.TenantId) && apps.Contains(s.Name)),
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

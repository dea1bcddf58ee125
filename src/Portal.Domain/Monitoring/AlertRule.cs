using Portal.Domain.Common;

namespace Portal.Domain.Monitoring;

/// <summary>Whose subjects a rule watches.</summary>
public enum RuleScope
{
    /// <summary>Every subject of every cluster; set by platform admins.</summary>
    Platform,

    /// <summary>The subjects of one tenant's environments.</summary>
    Tenant,

    /// <summary>One application of one tenant, in each of its environments.</summary>
    App,
}

/// <summary>
/// "CPU of limits, averaged, above 80 % for 5 minutes, warning, to the on-call webhook": a condition on one metric,
/// checked by the evaluator after every sampling on the samples of the rule's duration. The condition holds when the
/// samples cover the whole duration and their aggregate compares true with the threshold.
/// </summary>
public sealed class AlertRule
{
    public const int NameMaxLength = 80;
    public static readonly TimeSpan LongestDuration = TimeSpan.FromHours(24);

    public Guid Id { get; private set; }
    public RuleScope Scope { get; private set; }
    public Guid? TenantId { get; private set; }

    /// <summary>The application a rule of App scope watches; "" otherwise.</summary>
    public string AppName { get; private set; } = "";
    public string Name { get; private set; } = "";
    public AlertMetric Metric { get; private set; }
    public Aggregation Aggregation { get; private set; }
    public Comparator Comparator { get; private set; }
    public double Threshold { get; private set; }
    public int DurationMinutes { get; private set; }
    public Severity Severity { get; private set; }
    public bool Enabled { get; private set; }

    /// <summary>One of the platform's own rules: it can be switched off and tuned, not deleted.</summary>
    public string? BuiltIn { get; private set; }
    public List<Guid> ChannelIds { get; private set; } = [];
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    private AlertRule() { }

    public MetricDefinition Definition => MetricDefinition.Of(Metric);
    public TimeSpan Duration => TimeSpan.FromMinutes(DurationMinutes);

    /// <summary>"CPU of limits avg > 80% for 5 min".</summary>
    public string Condition => Describe(Metric, Aggregation, Comparator, Threshold, DurationMinutes);

    public static string Describe(
        AlertMetric metric,
        Aggregation aggregation,
        Comparator comparator,
        double threshold,
        int durationMinutes
    )
    {
        var definition = MetricDefinition.Of(metric);
        return $"{definition.Title} {aggregation.ToString().ToLowerInvariant()} "
            + $"{comparator.Symbol()} {threshold:0.##}{definition.Unit}"
            + (durationMinutes > 0 ? $" for {durationMinutes} min" : "");
    }

    /// <summary>
    /// What a rule of this scope may watch: an application's rule a metric measured per application; a tenant's no
    /// node.
    /// </summary>
    private static IEnumerable<Problem> ScopeProblems(RuleScope scope, AlertMetric metric)
    {
        var definition = MetricDefinition.Of(metric);
        if (scope == RuleScope.App && !definition.IsAboutApplications)
            yield return Problem.Invalid(
                "Metric",
                $"'{definition.Title}' is not measured per application; an application's "
                    + "rule watches its CPU, memory, restarts, replicas or crash-looping "
                    + "pods."
            );
        if (scope == RuleScope.Tenant && definition.Kind == SubjectKind.Node)
            yield return Problem.Invalid(
                "Metric",
                "Nodes belong to the platform: tenant rules watch applications, quotas and pending pods."
            );
    }

    public static Result<AlertRule> Create(
        RuleScope scope,
        Guid? tenantId,
        string? appName,
        RuleSettings settings,
        DateTime now
    )
    {
        if (scope == RuleScope.Platform ? tenantId is not null : tenantId is null)
            throw new ArgumentException(
                "Platform rules have no tenant; tenant and app rules have one.",
                nameof(tenantId)
            );
        if (!Enum.IsDefined(settings.Metric))
            return Problem.Invalid("Metric", "Choose a metric from the list.");
        var app = (appName ?? "").Trim();
        var problems = new List<Problem>();
        if (scope == RuleScope.App && app.Length == 0)
            problems.Add(Problem.Invalid("AppName", "Choose the application the rule watches."));
        problems.AddRange(ScopeProblems(scope, settings.Metric));
        problems.AddRange(settings.Problems());
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        var rule = new AlertRule
        {
            Id = Guid.NewGuid(),
            Scope = scope,
            TenantId = tenantId,
            AppName = scope == RuleScope.App ? app : "",
            Enabled = true,
            CreatedAt = now,
        };
        rule.Apply(settings, now);
        return rule;
    }

    /// <summary>One of the rules every platform starts with, on by default.</summary>
    public static AlertRule Builtin(string key, RuleSettings settings, DateTime now)
    {
        var rule = new AlertRule
        {
            Id = Guid.NewGuid(),
            Scope = RuleScope.Platform,
            BuiltIn = key,
            Enabled = true,
            CreatedAt = now,
        };
        rule.Apply(settings, now);
        return rule;
    }

    public Result Change(RuleSettings settings, DateTime now)
    {
        if (!Enum.IsDefined(settings.Metric))
            return Problem.Invalid("Metric", "Choose a metric from the list.");
        var problems = settings.Problems().ToList();
        if (BuiltIn is not null && settings.Metric != Metric)
            problems.Add(
                Problem.Invalid(
                    "Metric",
                    "A built-in rule keeps its metric; create a rule of your own to watch another."
                )
            );
        problems.AddRange(ScopeProblems(Scope, settings.Metric));
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        Apply(settings, now);
        return Result.Ok();
    }

    /// <summary>Forgets a channel that no longer exists; the rule is otherwise unchanged.</summary>
    public void StopNotifying(Guid channelId) => ChannelIds = ChannelIds.Where(id => id != channelId).ToList();

    public void Switch(bool enabled, DateTime now)
    {
        Enabled = enabled;
        UpdatedAt = now;
    }

    private void Apply(RuleSettings settings, DateTime now)
    {
        Name = settings.Name!.Trim();
        Metric = settings.Metric;
        Aggregation = settings.Aggregation;
        Comparator = settings.Comparator;
        Threshold = settings.Threshold;
        DurationMinutes = settings.DurationMinutes;
        Severity = settings.Severity;
        ChannelIds = settings.ChannelIds.Distinct().ToList();
        UpdatedAt = now;
    }

    /// <summary>
    /// Whether the condition holds on one subject's samples (oldest first) over the duration: from the newest sample
    /// taken at or before the duration's start to the newest. Without such a sample the samples do not cover the
    /// duration yet, and it is too early to say; without a recent sample there is nothing to judge.
    /// </summary>
    public RuleVerdict Judge(IReadOnlyList<(long At, double Value)> samples, long now, int sampleSeconds)
    {
        if (samples.Count == 0 || samples[^1].At < now - 2 * sampleSeconds)
            return RuleVerdict.NoData;
        if (DurationMinutes == 0)
            return Verdict(Aggregate([samples[^1]]));
        var start = now - DurationMinutes * 60L;
        var covering = samples.LastOrDefault(s => s.At <= start);
        if (covering == default)
            return RuleVerdict.TooEarly(Aggregate(samples));
        return Verdict(Aggregate(samples.Where(s => s.At >= covering.At).ToList()));
    }

    private RuleVerdict Verdict(double value) =>
        Comparator.Holds(value, Threshold) ? RuleVerdict.Breached(value) : RuleVerdict.Fine(value);

    private double Aggregate(IReadOnlyList<(long At, double Value)> samples) =>
        Aggregation switch
        {
            Aggregation.Avg => samples.Average(s => s.Value),
            Aggregation.Min => samples.Min(s => s.Value),
            Aggregation.Max => samples.Max(s => s.Value),
            Aggregation.Increase => Math.Max(0, samples[^1].Value - samples[0].Value),
            _ => samples[^1].Value,
        };
}

/// <summary>What a person sets on a rule.</summary>
public sealed record RuleSettings(
    string? Name,
    AlertMetric Metric,
    Aggregation Aggregation,
    Comparator Comparator,
    double Threshold,
    int DurationMinutes,
    Severity Severity,
    IReadOnlyList<Guid> ChannelIds
)
{
    public IEnumerable<Problem> Problems()
    {
        var name = Name?.Trim() ?? "";
        if (name.Length == 0 || name.Length > AlertRule.NameMaxLength)
            yield return Problem.Invalid("Name", $"A name of 1 to {AlertRule.NameMaxLength} characters is required.");
        if (!Enum.IsDefined(Metric))
            yield return Problem.Invalid("Metric", "Choose a metric from the list.");
        if (!Enum.IsDefined(Aggregation))
            yield return Problem.Invalid("Aggregation", "Choose avg, min, max, last or increase.");
        if (!Enum.IsDefined(Comparator))
            yield return Problem.Invalid("Comparator", "Choose how the value compares with the threshold.");
        if (double.IsNaN(Threshold) || double.IsInfinity(Threshold) || Threshold < 0)
            yield return Problem.Invalid("Threshold", "The threshold is a number of 0 or more.");
        else if (Enum.IsDefined(Metric) && MetricDefinition.Of(Metric).Unit == "%" && Threshold > 1000)
            yield return Problem.Invalid("Threshold", "A percentage threshold is at most 1000 %.");
        if (DurationMinutes < 0 || DurationMinutes > AlertRule.LongestDuration.TotalMinutes)
            yield return Problem.Invalid(
                "DurationMinutes",
                $"The duration is 0 to {AlertRule.LongestDuration.TotalMinutes:0} minutes."
            );
        if (!Enum.IsDefined(Severity))
            yield return Problem.Invalid("Severity", "Choose info, warning or critical.");
        if (ChannelIds.Count > 10)
            yield return Problem.Invalid("ChannelIds", "A rule notifies at most 10 channels.");
    }
}

/// <summary>The outcome of judging one subject against one rule.</summary>
public readonly record struct RuleVerdict(VerdictKind Kind, double? Value)
{
    public static readonly RuleVerdict NoData = new(VerdictKind.NoData, null);

    public static RuleVerdict TooEarly(double value) => new(VerdictKind.TooEarly, value);

    public static RuleVerdict Breached(double value) => new(VerdictKind.Breached, value);

    public static RuleVerdict Fine(double value) => new(VerdictKind.Fine, value);
}

public enum VerdictKind
{
    /// <summary>No recent samples: the subject is gone or not sampled.</summary>
    NoData,

    /// <summary>Samples do not yet cover the duration.</summary>
    TooEarly,
    Breached,
    Fine,
}

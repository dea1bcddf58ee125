using System.Globalization;
using Portal.Domain.Common;
using Portal.Domain.Monitoring;

namespace Portal.Web.Monitoring;

/// <summary>
/// The alert rule form as posted. Numbers arrive as text so that a wrong one is told by the domain's own message
/// next to its field, like every other mistake.
/// </summary>
public sealed class RuleForm
{
    public string? Name { get; set; }
    public AlertMetric? Metric { get; set; }
    public Aggregation? Aggregation { get; set; }
    public Comparator? Comparator { get; set; }
    public string? Threshold { get; set; }
    public string? DurationMinutes { get; set; }
    public Severity? Severity { get; set; }
    public List<Guid> ChannelIds { get; set; } = [];

    /// <summary>
    /// For tenant rules: the application or middleware instance watched; empty for all of the tenant's.
    /// </summary>
    public string? AppName { get; set; }

    public static RuleForm Blank() =>
        new()
        {
            Metric = AlertMetric.AppCpuPercent,
            Aggregation = Domain.Monitoring.Aggregation.Avg,
            Comparator = Domain.Monitoring.Comparator.Above,
            Threshold = "80",
            DurationMinutes = "5",
            Severity = Domain.Monitoring.Severity.Warning,
        };

    public static RuleForm From(AlertRule rule) =>
        new()
        {
            Name = rule.Name,
            Metric = rule.Metric,
            Aggregation = rule.Aggregation,
            Comparator = rule.Comparator,
            Threshold = rule.Threshold.ToString(CultureInfo.InvariantCulture),
            DurationMinutes = rule.DurationMinutes.ToString(CultureInfo.InvariantCulture),
            Severity = rule.Severity,
            ChannelIds = [.. rule.ChannelIds],
            AppName = rule.AppName,
        };

    public Result<RuleSettings> ToSettings() =>
        RuleInput.Settings(
            Name,
            Metric,
            Aggregation,
            Comparator,
            double.TryParse(Threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold)
                ? threshold
                : double.NaN,
            int.TryParse(DurationMinutes, NumberStyles.Integer, CultureInfo.InvariantCulture, out var minutes)
                ? minutes
                : -1,
            Severity,
            ChannelIds
        );
}

/// <summary>
/// Turns what a form or a request left out into values the domain refuses with the field's own message.
/// </summary>
internal static class RuleInput
{
    public static Result<RuleSettings> Settings(
        string? name,
        AlertMetric? metric,
        Aggregation? aggregation,
        Comparator? comparator,
        double? threshold,
        int? durationMinutes,
        Severity? severity,
        IReadOnlyList<Guid>? channelIds
    )
    {
        var settings = new RuleSettings(
            name,
            metric ?? (AlertMetric)(-1),
            aggregation ?? (Aggregation)(-1),
            comparator ?? (Comparator)(-1),
            threshold ?? double.NaN,
            durationMinutes ?? -1,
            severity ?? (Severity)(-1),
            channelIds ?? []
        );
        // AlertRule looks its metric up before it checks the settings, so an unknown metric must be told here, with the
        // rest.
        return Enum.IsDefined(settings.Metric) ? settings : Problem.Invalid(settings.Problems().ToList());
    }
}

/// <summary>The metrics a rule of this owner may watch, grouped by what they watch, for the form's select.</summary>
public static class MetricChoices
{
    public static IReadOnlyList<(string Group, IReadOnlyList<MetricDefinition> Metrics)> For(
        bool platform,
        bool oneApplication = false
    ) =>
        MetricDefinition
            .All.Where(d => oneApplication ? d.IsAboutApplications : platform || d.Kind != SubjectKind.Node)
            .GroupBy(d => d.Kind)
            .Select(g => (GroupTitle(g.Key), (IReadOnlyList<MetricDefinition>)g.ToList()))
            .ToList();

    private static string GroupTitle(SubjectKind kind) =>
        kind switch
        {
            SubjectKind.Node => "Nodes",
            SubjectKind.Workload => "Applications and middleware instances",
            SubjectKind.Namespace => "Environments (namespaces)",
            _ => "Clusters",
        };
}

using Cronos;

namespace Portal.Infrastructure.Pipelines;

/// <summary>
/// When a pipeline's schedule is due: its cron expression of five fields, in UTC (checked when the definition is read,
/// by <see cref="PipelineYaml.ScheduleRefusal"/>).
/// </summary>
public static class PipelineSchedules
{
    /// <summary>
    /// The latest occurrence of <paramref name="cron"/> after <paramref name="from"/> and at or before
    /// <paramref name="now"/>, or null when none is due. However many were missed, one is due: the latest.
    /// </summary>
    public static DateTime? DueOccurrence(string cron, DateTime from, DateTime now)
    {
        var expression = CronExpression.Parse(cron.Trim(), CronFormat.Standard);
        var until = DateTime.SpecifyKind(now, DateTimeKind.Utc);
        if (
            expression.GetNextOccurrence(DateTime.SpecifyKind(from, DateTimeKind.Utc), TimeZoneInfo.Utc) is not { } next
            || next > until
        )
            return null;
        // Only the last day is walked through: a schedule of every minute missed for a year is not 500,000 steps.
        var since = next > until - TimeSpan.FromDays(1) ? next : until - TimeSpan.FromDays(1);
        var latest = next;
        foreach (var at in expression.GetOccurrences(since, until, TimeZoneInfo.Utc, true, true))
            latest = at;
        return latest;
    }
}

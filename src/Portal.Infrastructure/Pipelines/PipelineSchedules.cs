using Cronos;

namespace Portal.Infrastructure.Pipelines;

/// <summary>
/// When a pipeline's schedule is due: its cron expression of five fields, in UTC (checked when the definition is read,
/// by <see cref="PipelineYaml.ScheduleRefusal"/>).
/// </summary>
public static class PipelineSchedules
{
    /// <summary>How far back a schedule catches up: occurrences missed longer ago than this are let go.</summary>
    public static readonly TimeSpan CatchUp = TimeSpan.FromDays(1);

    /// <summary>
    /// The latest occurrence of <paramref name="cron"/> after <paramref name="from"/> and at or before
    /// <paramref name="now"/> (looking back <see cref="CatchUp"/> at most), or null when none is due.
    /// </summary>
    public static DateTime? DueOccurrence(string cron, DateTime from, DateTime now)
    {
        var expression = CronExpression.Parse(cron.Trim(), CronFormat.Standard);
        var since = DateTime.SpecifyKind(from < now - CatchUp ? now - CatchUp : from, DateTimeKind.Utc);
        var until = DateTime.SpecifyKind(now, DateTimeKind.Utc);
        if (since >= until)
            return null;
        DateTime? last = null;
        foreach (var at in expression.GetOccurrences(since, until, TimeZoneInfo.Utc, false, true))
            last = at;
        return last;
    }
}

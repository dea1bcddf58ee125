namespace Portal.Infrastructure.Operations;

/// <summary>Bound from <c>Portal:Operations</c>.</summary>
public sealed class OperationOptions
{
    public const string Section = "Portal:Operations";

    /// <summary>
    /// How long an operation may stay queued, its job held by no job server, before its job is queued again.
    /// </summary>
    public TimeSpan QueuedFor { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a run of a job holds its operation without renewing the claim: a live run renews it all along (every
    /// third of it, at most every minute); a run whose process died lets it lapse, and the operation is then queued
    /// again.
    /// </summary>
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// When the sweeper looks for lost operations, as a cron expression (a sixth, leading field gives seconds): after a
    /// crash, an operation is taken up again at the first sweep once its claim has lapsed.
    /// </summary>
    public string SweepSchedule { get; set; } = "* * * * *";

    /// <summary>How often a run renews its claim.</summary>
    public TimeSpan HeartbeatEvery =>
        TimeSpan.FromTicks(Math.Min(StalledAfter.Ticks / 3, TimeSpan.FromMinutes(1).Ticks));
}

namespace Portal.Infrastructure.Pipelines;

public sealed class PipelineOptions
{
    public const string Section = "Portal:Pipelines";

    /// <summary>Runs of one tenant going at once, for a tenant without its own run quota.</summary>
    public int ConcurrentRunsPerTenant { get; set; } = 2;

    /// <summary>Build minutes a day (UTC) for a tenant without its own run quota.</summary>
    public int BuildMinutesPerDay { get; set; } = 600;

    /// <summary>
    /// Runs of all tenants going at once on this platform: beyond it, runs queue, taken fairly by tenant.
    /// </summary>
    public int MaxRunningRuns { get; set; } = 20;

    /// <summary>
    /// How soon a run's job looks again at a stage whose child (a build, an operation) runs; the child's end tells it
    /// sooner, this is in case that news is lost.
    /// </summary>
    public TimeSpan RecheckEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A running run whose job has not looked at it for this long is taken for lost and looked at again.
    /// </summary>
    public TimeSpan LostAfter { get; set; } = TimeSpan.FromMinutes(2);
}

namespace Portal.Infrastructure.Pipelines;

/// <summary>The platform's settings for pipelines: what a tenant without its own run quota may spend.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Portal:Pipelines";

    /// <summary>Runs of one tenant going at once, unless a platform admin set the tenant's own quota.</summary>
    public int ConcurrentRunsPerTenant { get; set; } = 2;

    /// <summary>Build minutes a tenant may spend a day (UTC), unless a platform admin set the tenant's own quota.</summary>
    public int BuildMinutesPerDay { get; set; } = 600;

    public bool IsValid() =>
        ConcurrentRunsPerTenant is >= 1 and <= Domain.Pipelines.RunQuota.MaxConcurrentRuns
        && BuildMinutesPerDay is >= 0 and <= Domain.Pipelines.RunQuota.MaxBuildMinutesPerDay;
}

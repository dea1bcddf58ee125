namespace Portal.Domain.Pipelines;

/// <summary>The bounds of what a pipeline may ask for.</summary>
public static class PipelineLimits
{
    public const int MaxStages = 30;
    public const int NameMaxLength = 63;
    public const int CommandMaxLength = 2000;
    public const int MaxPatterns = 20;
    public static readonly TimeSpan DefaultStageTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan MinStageTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxStageTimeout = TimeSpan.FromHours(24);

    /// <summary>An approval may wait for a week; every other stage for a day.</summary>
    public static readonly TimeSpan MaxApprovalTimeout = TimeSpan.FromDays(7);
    public static readonly TimeSpan MinPollEvery = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxCanaryDuration = TimeSpan.FromHours(6);
}

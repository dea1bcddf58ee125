namespace Portal.Infrastructure.Applications;

/// <summary>
/// How much of the clusters' logs the portal reads for its users: a tenant printing without end must not take the
/// shared portal's memory, bandwidth or connections.
/// </summary>
public sealed class LogOptions
{
    public const string Section = "Portal:Logs";

    /// <summary>
    /// The longest line kept, in characters; the rest of a longer line is read past and a marker says it was cut.
    /// </summary>
    public int MaxLineLength { get; set; } = 16 * 1024;

    /// <summary>The most bytes read from the cluster for one download or API read of a log's last lines.</summary>
    public int MaxDownloadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most bytes read from the cluster for one live tail; then it stops and says so.</summary>
    public int MaxStreamBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// How many logs (live tails and downloads) one user or service account may read at once, per replica.
    /// </summary>
    public int StreamsPerUser { get; set; } = 4;

    /// <summary>How many logs the members of one tenant may read at once together, per replica.</summary>
    public int StreamsPerTenant { get; set; } = 20;

    public bool IsValid() =>
        MaxLineLength >= 80
        && MaxDownloadBytes >= MaxLineLength
        && MaxStreamBytes >= MaxLineLength
        && StreamsPerUser >= 1
        && StreamsPerTenant >= StreamsPerUser;
}

namespace Portal.Domain.Builds;

/// <summary>
/// The actions of the audit trail about building from source. The values are stored, so they never change.
/// </summary>
public static class BuildAuditActions
{
    public const string SourceConnected = "app-source.connected";
    public const string SourceReplaced = "app-source.replaced";
    public const string SourceDisconnected = "app-source.disconnected";
    public const string BuildQueued = "build.queued";
    public const string BuildCancelRequested = "build.cancel-requested";
    public const string ArchiveBuildQueued = "build.archive-queued";
    public const string ImageRetentionSet = "image-retention.set";
    public const string ImageRetentionTurnedOff = "image-retention.turned-off";
    public const string ImagesDeleted = "images.deleted";
}

namespace Portal.Domain.Builds;

/// <summary>
/// Tells whoever follows a build's log (the build page, through SignalR) what was just written, once it is saved.
/// The web layer implements it; without a web layer nothing is told.
/// </summary>
public interface IBuildLogSink
{
    Task AppendedAsync(BuildLogChunk chunk, CancellationToken ct);
}

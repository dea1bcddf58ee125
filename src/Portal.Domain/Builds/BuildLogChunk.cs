using Portal.Domain.Tenancy;

namespace Portal.Domain.Builds;

/// <summary>
/// A batch of a build's log lines as it was written, in order by <see cref="Sequence"/> (1, 2, …): what the build page
/// follows live and what a download joins. Its text never holds a credential: the builder and the run scrub them.
/// </summary>
public sealed class BuildLogChunk : ITenantOwned
{
    public long Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid BuildId { get; private set; }
    public int Sequence { get; private set; }
    public string Text { get; private set; } = "";
    public DateTime WrittenAt { get; private set; }

    private BuildLogChunk() { }

    public BuildLogChunk(Guid tenantId, Guid buildId, int sequence, string text, DateTime writtenAt)
    {
        if (sequence < 1)
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "Log chunks are numbered from 1.");
        TenantId = tenantId;
        BuildId = buildId;
        Sequence = sequence;
        Text = text;
        WrittenAt = writtenAt;
    }
}

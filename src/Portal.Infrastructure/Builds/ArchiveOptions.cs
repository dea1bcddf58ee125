namespace Portal.Infrastructure.Builds;

/// <summary>The limits an uploaded source archive is extracted within: <c>Portal:Builds:Archives</c>.</summary>
public sealed class ArchiveOptions
{
    public const string Section = "Portal:Builds:Archives";
    private const long MiB = 1024 * 1024;

    /// <summary>The archive itself, as uploaded (compressed).</summary>
    public long MaxArchiveBytes { get; set; } = 512 * MiB;

    /// <summary>Every file of the archive together, uncompressed.</summary>
    public long MaxTotalBytes { get; set; } = 512 * MiB;

    /// <summary>One file of the archive, uncompressed.</summary>
    public long MaxEntryBytes { get; set; } = 256 * MiB;

    /// <summary>Files, folders and links together.</summary>
    public int MaxEntries { get; set; } = 50_000;

    public bool IsValid() =>
        MaxArchiveBytes > 0
        && MaxTotalBytes > 0
        && MaxEntryBytes > 0
        && MaxEntryBytes <= MaxTotalBytes
        && MaxEntries > 0;
}

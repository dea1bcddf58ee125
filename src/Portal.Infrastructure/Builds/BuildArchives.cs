using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Buildah;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// An uploaded archive written to the portal's data folder, not yet claimed by a build: disposing it deletes the file
/// unless <see cref="BuildArchives.Keep"/> gave it to one.
/// </summary>
public sealed class ReceivedArchive(string path, BuildArchive archive) : IDisposable
{
    public string Path { get; private set; } = path;
    public BuildArchive Archive { get; } = archive;

    internal void MovedTo(string path) => Path = path;

    internal bool Kept { get; set; }

    public void Dispose()
    {
        if (!Kept)
            PrivateFiles.DeleteQuietly(Path);
    }
}

/// <summary>
/// The archives uploaded as one-off sources, under <c>archives/</c> of the build storage (<c>App_Data/builds</c> by
/// default): received within <see cref="ArchiveOptions.MaxArchiveBytes"/> while their SHA-256 is counted, checked by a
/// full extraction before a build is queued, kept as <c>{build id}.archive</c> for the build's run, and deleted when
/// the build ends.
/// </summary>
public sealed class BuildArchives(BuildStorage storage, ArchiveSource extractor, IOptions<ArchiveOptions> options)
{
    private readonly ArchiveOptions _limits = options.Value;

    public string Folder => Path.Combine(storage.Root, "archives");

    public string PathOf(Guid buildId) => Path.Combine(Folder, $"{buildId:N}.archive");

    /// <summary>
    /// Writes <paramref name="content"/> to a file of its own, refusing it (and deleting what was written) past the
    /// size limit.
    /// </summary>
    public async Task<Result<ReceivedArchive>> ReceiveAsync(string? fileName, Stream content, CancellationToken ct)
    {
        PrivateFiles.CreateFolder(Folder);
        var path = Path.Combine(Folder, $"upload-{Guid.NewGuid():N}");
        var kept = false;
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            await using (
                var file = FileModes.Create(
                    path,
                    FileAccess.Write,
                    UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    asynchronous: true
                )
            )
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > _limits.MaxArchiveBytes)
                        return TooLarge(_limits.MaxArchiveBytes);
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            var archive = BuildArchive.Of(fileName, size, Convert.ToHexStringLower(sha.GetHashAndReset()));
            if (!archive.Succeeded)
                return archive.Problem!;
            kept = true;
            return new ReceivedArchive(path, archive.Value);
        }
        finally
        {
            if (!kept)
                PrivateFiles.DeleteQuietly(path);
        }
    }

    /// <summary>The refusal of an archive larger than <paramref name="limit"/> bytes, as every path words it.</summary>
    public static Problem TooLarge(long limit) =>
        Problem.Invalid(BuildArchive.Field, $"{TooLargeWords} {ArchiveSource.Size(limit)}, the most allowed.");

    private const string TooLargeWords = "The archive is larger than";

    /// <summary>Whether <paramref name="problem"/> refuses an archive for its size (the API answers 413).</summary>
    public static bool IsTooLarge(Problem problem) =>
        problem.Field == BuildArchive.Field && problem.Message.StartsWith(TooLargeWords, StringComparison.Ordinal);

    /// <summary>Extracts the archive received into <paramref name="directory"/> (which must not exist).</summary>
    public async Task<Result<ExtractedArchive>> ExtractAsync(string archivePath, string directory, CancellationToken ct)
    {
        await using var file = new FileStream(
            archivePath,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            81920,
            FileOptions.Asynchronous
        );
        return await extractor.ExtractAsync(file, directory, ct);
    }

    /// <summary>Gives the received archive to <paramref name="buildId"/>: it stays until that build ends.</summary>
    public void Keep(ReceivedArchive received, Guid buildId)
    {
        var target = PathOf(buildId);
        File.Move(received.Path, target);
        received.MovedTo(target);
        received.Kept = true;
    }

    /// <summary>Deletes the archive of a build that has ended; nothing for a Git build.</summary>
    public void Delete(Guid buildId) => PrivateFiles.DeleteQuietly(PathOf(buildId));
}

using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Extensions.Options;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// What an uploaded archive gave: the directory of its files, how many and how large, and the single top-level folder
/// taken away (as GitHub's downloads wrap everything in <c>repo-sha/</c>), if there was one.
/// </summary>
public sealed record ExtractedArchive(string Directory, int Files, long Bytes, string? StrippedFolder);

/// <summary>
/// Extracts an uploaded zip or tar.gz as a one-off source, within <see cref="ArchiveOptions"/>' limits (counted on the
/// bytes actually written, not on what the archive claims). An entry that would land outside the directory (<c>..</c>,
/// an absolute path, a link that leads out), a device file or a limit passed refuses the whole archive, and a refused
/// archive leaves no directory behind.
/// </summary>
public sealed class ArchiveSource(IOptions<ArchiveOptions> options)
{
    public const string Field = "Archive";
    private readonly ArchiveOptions _limits = options.Value;

    /// <summary>
    /// Extracts <paramref name="archive"/> into <paramref name="directory"/>, which must not exist yet.
    /// </summary>
    public async Task<Result<ExtractedArchive>> ExtractAsync(Stream archive, string directory, CancellationToken ct)
    {
        var root = Path.GetFullPath(directory);
        if (Path.Exists(root))
            throw new ArgumentException($"'{root}' exists already; an archive goes into a fresh directory.");
        string? spooled = null;
        var kept = false;
        try
        {
            Directory.CreateDirectory(root);
            if (!archive.CanSeek)
            {
                spooled = Path.Combine(Path.GetTempPath(), $"portal-upload-{Guid.NewGuid():N}");
                archive = await SpoolAsync(archive, spooled, ct);
            }
            await using var _ = spooled is null ? null : archive;
            if (archive.Length - archive.Position > _limits.MaxArchiveBytes)
                throw new ArchiveRefusal($"The archive is larger than {Size(_limits.MaxArchiveBytes)}.");
            var extraction = new Extraction(root, _limits);
            switch (await FormatOfAsync(archive, ct))
            {
                case ArchiveFormat.Zip:
                    await ExtractZipAsync(archive, extraction, ct);
                    break;
                case ArchiveFormat.TarGz:
                    await ExtractTarGzAsync(archive, extraction, ct);
                    break;
                default:
                    throw new ArchiveRefusal("The upload is neither a zip nor a tar.gz archive.");
            }
            var result = extraction.Finish();
            kept = true;
            return result;
        }
        catch (ArchiveRefusal refusal)
        {
            return Problem.Invalid(Field, refusal.Message);
        }
        catch (PathTooLongException)
        {
            return Problem.Invalid(Field, "The archive holds a path or file name too long to be written.");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            return Problem.Invalid(Field, $"The archive is damaged or uses a feature not supported: {e.Message}");
        }
        finally
        {
            if (!kept)
                SourceLinks.Remove(root);
            if (spooled is not null)
                File.Delete(spooled);
        }
    }

    private enum ArchiveFormat
    {
        Unknown,
        Zip,
        TarGz,
    }

    private static async Task<ArchiveFormat> FormatOfAsync(Stream archive, CancellationToken ct)
    {
        var start = archive.Position;
        var magic = new byte[4];
        var read = await archive.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, ct);
        archive.Position = start;
        if (read >= 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] is 3 or 5)
            return ArchiveFormat.Zip;
        if (read >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            return ArchiveFormat.TarGz;
        return ArchiveFormat.Unknown;
    }

    private async Task<Stream> SpoolAsync(Stream upload, string path, CancellationToken ct)
    {
        var file = FileModes.Create(
            path,
            FileAccess.ReadWrite,
            UnixFileMode.UserRead | UnixFileMode.UserWrite,
            asynchronous: true
        );
        try
        {
            await CopyBoundedAsync(
                upload,
                file,
                _limits.MaxArchiveBytes,
                () => new ArchiveRefusal($"The archive is larger than {Size(_limits.MaxArchiveBytes)}."),
                ct
            );
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static async Task ExtractZipAsync(Stream archive, Extraction extraction, CancellationToken ct)
    {
        using var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
        foreach (var entry in zip.Entries)
        {
            ct.ThrowIfCancellationRequested();
            var mode = (entry.ExternalAttributes >> 16) & 0xFFFF;
            var type = mode & 0xF000;
            if (entry.FullName.EndsWith('/') || type == 0x4000)
                extraction.AddFolder(entry.FullName);
            else if (type == 0xA000)
            {
                await using var content = entry.Open();
                using var reader = new StreamReader(content);
                var target = new char[4097];
                var length = await reader.ReadBlockAsync(target, ct);
                extraction.AddSymbolicLink(entry.FullName, new string(target, 0, length));
            }
            else if (type is 0 or 0x8000)
            {
                extraction.CheckDeclaredSize(entry.FullName, entry.Length);
                await using var content = entry.Open();
                await extraction.AddFileAsync(entry.FullName, content, mode, ct);
            }
            else
                extraction.RefuseSpecial(entry.FullName);
        }
    }

    private static async Task ExtractTarGzAsync(Stream archive, Extraction extraction, CancellationToken ct)
    {
        await using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            switch (entry.EntryType)
            {
                case TarEntryType.GlobalExtendedAttributes:
                    continue;
                case TarEntryType.Directory:
                    extraction.AddFolder(entry.Name);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    extraction.CheckDeclaredSize(entry.Name, entry.Length);
                    await extraction.AddFileAsync(entry.Name, entry.DataStream ?? Stream.Null, (int)entry.Mode, ct);
                    break;
                case TarEntryType.SymbolicLink:
                    extraction.AddSymbolicLink(entry.Name, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    await extraction.AddHardLinkAsync(entry.Name, entry.LinkName, ct);
                    break;
                default:
                    extraction.RefuseSpecial(entry.Name);
                    break;
            }
        }
    }

    internal static async Task CopyBoundedAsync(
        Stream from,
        Stream to,
        long limit,
        Func<ArchiveRefusal> refusal,
        CancellationToken ct
    )
    {
        var buffer = new byte[81920];
        long copied = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            copied += read;
            if (copied > limit)
                throw refusal();
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }

    internal static string Size(long bytes) =>
        bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MiB" : $"{bytes / 1024.0:0.#} KiB";
}

/// <summary>Why an archive is refused, as shown to the person who uploaded it.</summary>
internal sealed class ArchiveRefusal(string message) : Exception(message);

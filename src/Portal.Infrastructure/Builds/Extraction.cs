namespace Portal.Infrastructure.Builds;

/// <summary>
/// One archive being written into its directory. Paths are checked as they come; symbolic links are made only after
/// every file, so that no file is ever written through a link, and the tree is checked once more at the end with every
/// link followed.
/// </summary>
internal sealed class Extraction(string root, ArchiveOptions limits)
{
    private readonly List<(string Path, string Target)> _links = [];
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);
    private int _entries;
    private long _bytes;

    public void AddFolder(string name)
    {
        if (Relative(name) is not { } path)
            return;
        Count();
        if (SourceLinks.PassesThroughLink(root, path + "/x"))
            throw new ArchiveRefusal($"'{name}' is inside a link or a file.");
        Directory.CreateDirectory(Path.Combine(root, path));
    }

    public void CheckDeclaredSize(string name, long length)
    {
        if (length > limits.MaxEntryBytes)
            throw EntryTooLarge(name);
        if (_bytes + length > limits.MaxTotalBytes)
            throw TotalTooLarge();
    }

    public async Task AddFileAsync(string name, Stream content, int unixMode, CancellationToken ct)
    {
        var path = Relative(name) ?? throw new ArchiveRefusal($"The entry '{name}' has no file name.");
        Count();
        var target = Prepare(name, path);
        var executable = (unixMode & 0b001_001_001) != 0;
        var mode =
            UnixFileMode.UserRead
            | UnixFileMode.UserWrite
            | UnixFileMode.GroupRead
            | UnixFileMode.OtherRead
            | (executable ? UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : 0);
        await using (var file = FileModes.Create(target, FileAccess.Write, mode, asynchronous: true))
        {
            var buffer = new byte[81920];
            long written = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, ct)) > 0)
            {
                written += read;
                _bytes += read;
                if (written > limits.MaxEntryBytes)
                    throw EntryTooLarge(name);
                if (_bytes > limits.MaxTotalBytes)
                    throw TotalTooLarge();
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        _files.Add(path);
    }

    public void AddSymbolicLink(string name, string target)
    {
        var path = Relative(name) ?? throw new ArchiveRefusal($"The link '{name}' has no file name.");
        Count();
        if (target.Length == 0 || target.Length > 4096 || target.Contains('\0'))
            throw new ArchiveRefusal($"The link '{name}' has no usable target.");
        if (target.StartsWith('/') || target.StartsWith('\\') || (target.Length >= 2 && target[1] == ':'))
            throw new ArchiveRefusal($"The link '{name}' points to '{target}', an absolute path outside the archive.");
        var parent = Path.GetDirectoryName(path)?.Replace('\\', '/') ?? "";
        var joined = parent.Length == 0 ? target : $"{parent}/{target}";
        if (!SourceLinks.ResolvesInside(root, joined))
            throw new ArchiveRefusal($"The link '{name}' points to '{target}', outside the archive.");
        _links.Add((path, target));
    }

    public async Task AddHardLinkAsync(string name, string linkedName, CancellationToken ct)
    {
        var linked = Relative(linkedName);
        if (linked is null || !_files.Contains(linked))
            throw new ArchiveRefusal(
                $"The hard link '{name}' points to '{linkedName}', which is not a file extracted before it."
            );
        // A copy rather than a link: the two names must not share one file that a build could change through either.
        await using var source = File.OpenRead(Path.Combine(root, linked));
        var mode = FileModes.Of(Path.Combine(root, linked));
        await AddFileAsync(name, source, mode, ct);
    }

    public void RefuseSpecial(string name) =>
        throw new ArchiveRefusal(
            $"'{name}' is a device file, a pipe or another special file; a source archive holds files, folders and "
                + "links only."
        );

    /// <summary>Makes the links, takes away a single top-level folder, and checks the tree as it ends up.</summary>
    public ExtractedArchive Finish()
    {
        foreach (var (path, target) in _links)
        {
            var full = Prepare(path, path);
            File.CreateSymbolicLink(full, target);
        }
        if (_files.Count == 0 && _links.Count == 0)
            throw new ArchiveRefusal("The archive holds no files.");
        var stripped = StripSingleFolder();
        if (SourceLinks.EscapingLink(root) is { } escaping)
            throw new ArchiveRefusal($"The link '{escaping}' leads outside the archive.");
        return new ExtractedArchive(root, _files.Count, _bytes, stripped);
    }

    private string? StripSingleFolder()
    {
        var top = Directory.GetFileSystemEntries(root);
        if (top.Length != 1 || new FileInfo(top[0]).LinkTarget is not null || !Directory.Exists(top[0]))
            return null;
        var name = Path.GetFileName(top[0]);
        var moved = Path.Combine(root, $".portal-strip-{Guid.NewGuid():N}");
        Directory.Move(top[0], moved);
        foreach (var entry in Directory.GetFileSystemEntries(moved))
        {
            var destination = Path.Combine(root, Path.GetFileName(entry));
            if (new FileInfo(entry).LinkTarget is null && Directory.Exists(entry))
                Directory.Move(entry, destination);
            else
                File.Move(entry, destination);
        }
        Directory.Delete(moved);
        return name;
    }

    /// <summary>The full path of a new entry, with its folders made; refused when it would replace one.</summary>
    private string Prepare(string name, string path)
    {
        if (SourceLinks.PassesThroughLink(root, path))
            throw new ArchiveRefusal($"'{name}' is inside a link or a file.");
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        if (Path.Exists(full) || new FileInfo(full).LinkTarget is not null)
            throw new ArchiveRefusal($"'{name}' appears twice in the archive.");
        return full;
    }

    private void Count()
    {
        if (++_entries > limits.MaxEntries)
            throw new ArchiveRefusal($"The archive holds more than {limits.MaxEntries} files, folders and links.");
    }

    /// <summary>
    /// The entry's path relative to the root, with '/'; null for the root itself; refused when unsafe.
    /// </summary>
    private static string? Relative(string name)
    {
        var value = name.Replace('\\', '/');
        if (value.Contains('\0'))
            throw new ArchiveRefusal("An entry's name holds a NUL character.");
        if (value.StartsWith('/') || (value.Length >= 2 && value[1] == ':'))
            throw new ArchiveRefusal($"'{name}' is an absolute path; an archive's entries are relative to its root.");
        var parts = value.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".").ToList();
        if (parts.Contains(".."))
            throw new ArchiveRefusal($"'{name}' climbs out of the archive with '..'.");
        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    private ArchiveRefusal EntryTooLarge(string name) =>
        new($"'{name}' is larger than {ArchiveSource.Size(limits.MaxEntryBytes)}, the most one file may be.");

    private ArchiveRefusal TotalTooLarge() =>
        new($"The archive's files come to more than {ArchiveSource.Size(limits.MaxTotalBytes)} uncompressed.");
}

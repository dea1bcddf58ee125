using System.IO.Enumeration;
using System.Text;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// A checked-out source as the inspector may read it: only files inside its folder (the root, or a sub-directory of
/// it), never through a symbolic link that leads out of the root, at most <see cref="MaxFileBytes"/> of a file,
/// <see cref="MaxTotalBytes"/> in all and <see cref="MaxFiles"/> files of a search. What it skips it says, in
/// <see cref="Notes"/>.
/// </summary>
public sealed class SourceTree
{
    public const long MaxFileBytes = 1024 * 1024;
    public const long MaxTotalBytes = 32 * 1024 * 1024;
    public const int MaxFiles = 5000;
    public const int MaxDepth = 8;

    /// <summary>Folders a search does not enter: dependencies, build output and version control.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal)
    {
        ".git",
        "node_modules",
        "vendor",
        "target",
        "build",
        "dist",
        ".venv",
        "venv",
        "__pycache__",
    };

    private readonly string _realRoot;
    private readonly List<string> _notes = [];
    private long _read;

    private SourceTree(string realRoot, string directory)
    {
        _realRoot = realRoot;
        Directory = directory;
    }

    /// <summary>The folder inspected, as a real path (no symbolic link in it).</summary>
    public string Directory { get; }

    public IReadOnlyList<string> Notes => _notes;

    /// <summary>
    /// The source at <paramref name="root"/>, or its <paramref name="subdirectory"/> (relative, never above the root,
    /// and not through a link that leads out of it).
    /// </summary>
    public static Result<SourceTree> Open(string root, string? subdirectory = null)
    {
        var realRoot = RealPath(root);
        if (realRoot is null || !System.IO.Directory.Exists(realRoot))
            return Problem.NotFound($"The source folder '{root}'");
        if (string.IsNullOrWhiteSpace(subdirectory) || subdirectory.Trim() is "." or "./")
            return new SourceTree(realRoot, realRoot);
        var relative = subdirectory.Trim().TrimEnd('/');
        if (InvalidRelative(relative) is { } wrong)
            return Problem.Invalid("Subdirectory", $"The sub-directory '{subdirectory}' {wrong}");
        var real = RealPath(Path.Combine(realRoot, relative));
        if (real is null || !IsInside(realRoot, real))
            return Problem.Invalid(
                "Subdirectory",
                $"The sub-directory '{subdirectory}' is a symbolic link that leads out of the source."
            );
        if (!System.IO.Directory.Exists(real))
            return Problem.Invalid("Subdirectory", $"The source has no folder '{subdirectory}'.");
        return new SourceTree(realRoot, real);
    }

    /// <summary>Whether the folder holds a file at <paramref name="relative"/> that may be read.</summary>
    public bool HasFile(string relative) => Resolve(relative, note: false) is { } path && File.Exists(path);

    /// <summary>
    /// The text of the file at <paramref name="relative"/>; null when there is none, or it may not be read (too
    /// large, a link out of the source), which a note then says.
    /// </summary>
    public string? ReadText(string relative)
    {
        if (Resolve(relative, note: true) is not { } path || !File.Exists(path))
            return null;
        try
        {
            // A FIFO, socket or device has no size, and opening a FIFO waits for a writer: what is empty is not opened.
            if (new FileInfo(path).Length == 0)
                return "";
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxFileBytes)
            {
                _notes.Add($"{relative} is larger than {MaxFileBytes / 1024} KiB: it was not read.");
                return null;
            }
            if (_read + stream.Length > MaxTotalBytes)
            {
                if (_read <= MaxTotalBytes)
                    _notes.Add($"The inspection read {MaxTotalBytes / (1024 * 1024)} MiB and stopped reading files.");
                _read = MaxTotalBytes + 1;
                return null;
            }
            // One byte more than the file holds tells a file that grew while it was read.
            var buffer = new byte[stream.Length + 1];
            var read = 0;
            int chunk;
            while (read < buffer.Length && (chunk = stream.Read(buffer, read, buffer.Length - read)) > 0)
                read += chunk;
            if (read == buffer.Length)
            {
                _notes.Add($"{relative} changed while it was read: it was not read.");
                return null;
            }
            _read += read;
            return new UTF8Encoding(false).GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _notes.Add($"{relative} could not be read: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The files under the folder whose names match <paramref name="pattern"/> ("*.java"), as relative paths with '/',
    /// in order: not inside links, dependencies or build output, at most <see cref="MaxDepth"/> folders down and
    /// <see cref="MaxFiles"/> of them.
    /// </summary>
    public IReadOnlyList<string> FindFiles(string pattern)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            MaxRecursionDepth = MaxDepth,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
            MatchType = MatchType.Simple,
        };
        var found = new FileSystemEnumerable<string>(
            Directory,
            (ref FileSystemEntry entry) => Path.GetRelativePath(Directory, entry.ToFullPath()).Replace('\\', '/'),
            options
        )
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                !entry.IsDirectory && FileSystemName.MatchesSimpleExpression(pattern, entry.FileName),
            ShouldRecursePredicate = (ref FileSystemEntry entry) => !Skipped.Contains(entry.FileName.ToString()),
        };
        var files = found.Take(MaxFiles + 1).ToList();
        if (files.Count > MaxFiles)
        {
            _notes.Add($"The source has more than {MaxFiles} files named {pattern}: only the first were looked at.");
            files = files.Take(MaxFiles).ToList();
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>The real path of <paramref name="relative"/> when it stays inside the source; null otherwise.</summary>
    private string? Resolve(string relative, bool note)
    {
        if (InvalidRelative(relative) is not null)
            return null;
        var real = RealPath(Path.Combine(Directory, relative));
        if (real is not null && IsInside(_realRoot, real))
            return real;
        if (note)
            _notes.Add($"{relative} is a symbolic link that leads out of the source: it was not read.");
        return null;
    }

    private static string? InvalidRelative(string relative)
    {
        if (Path.IsPathRooted(relative) || relative.StartsWith('/'))
            return "is not relative to the source: write it like 'services/api'.";
        if (relative.Split('/').Any(s => s is ".." || s.Length == 0))
            return "may not climb out of the source or hold an empty part.";
        if (relative.Any(c => char.IsControl(c)))
            return "holds a control character.";
        return null;
    }

    private static bool IsInside(string root, string path) =>
        path == root || path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    /// <summary>
    /// The path with every symbolic link in it followed (as realpath(3) does, by hand so that nothing is opened); null
    /// after 40 links, a loop.
    /// </summary>
    internal static string? RealPath(string path, int links = 0)
    {
        var parts = Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > 40)
                return null;
            var rest = string.Join('/', parts[(i + 1)..]);
            var resolved = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
            return RealPath(rest.Length == 0 ? resolved : Path.Combine(resolved, rest), links);
        }
        return current;
    }
}

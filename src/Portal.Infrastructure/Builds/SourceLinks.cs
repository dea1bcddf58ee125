namespace Portal.Infrastructure.Builds;

/// <summary>
/// Checks on a directory of source code before anything builds from it: that no symbolic link leads out of it, and
/// that a folder named in it is a folder inside it. Links are followed as the kernel would, through other links, so a
/// chain of links that are each harmless alone cannot climb out either.
/// </summary>
internal static class SourceLinks
{
    private const int MaxLinkHops = 40;

    /// <summary>The path (relative, with '/') of a symbolic link that resolves outside the root, or null.</summary>
    public static string? EscapingLink(string root)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            ReturnSpecialDirectories = false,
        };
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", options))
        {
            if (entry.LinkTarget is null)
                continue;
            var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
            if (!ResolvesInside(root, relative))
                return relative;
        }
        return null;
    }

    /// <summary>Whether <paramref name="relative"/> is a folder inside the root, reached without leaving it.</summary>
    public static bool IsFolderInside(string root, string relative) =>
        ResolvesInside(root, relative) && Directory.Exists(Path.Combine(root, relative));

    /// <summary>
    /// Whether <paramref name="relative"/>, with every link on its way followed, stays inside the root. Parts that do
    /// not exist (yet) are taken as written.
    /// </summary>
    public static bool ResolvesInside(string root, string relative)
    {
        var rootPath = Path.GetFullPath(root);
        var resolved = new List<string>();
        var pending = new Stack<string>(Parts(relative).Reverse());
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (resolved.Count == 0)
                    return false;
                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            resolved.Add(part);
            var current = Path.Combine([rootPath, .. resolved]);
            var target = new FileInfo(current).LinkTarget;
            if (target is null)
                continue;
            if (++hops > MaxLinkHops || Path.IsPathRooted(target))
                return false;
            resolved.RemoveAt(resolved.Count - 1);
            foreach (var linked in Parts(target).Reverse())
                pending.Push(linked);
        }
        return true;
    }

    /// <summary>
    /// Whether any folder between the root and <paramref name="relative"/> is a link (or not a folder).
    /// </summary>
    public static bool PassesThroughLink(string root, string relative)
    {
        var parts = Parts(relative).ToList();
        var current = Path.GetFullPath(root);
        foreach (var part in parts.Take(parts.Count - 1))
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is not null || File.Exists(current))
                return true;
            if (!Directory.Exists(current))
                return false;
        }
        return false;
    }

    /// <summary>Removes a directory and everything in it, without following links; nothing to remove is fine.</summary>
    public static void Remove(string directory)
    {
        try
        {
            if (new DirectoryInfo(directory).LinkTarget is not null)
                File.Delete(directory);
            else if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Gone already.
        }
    }

    private static IEnumerable<string> Parts(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}

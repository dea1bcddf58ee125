namespace Portal.Infrastructure.Builds;

/// <summary>
/// Finds the command-line tools builds run on, and says how to get one that is missing: the portal's other features
/// keep working without them, and the Builds page shows the sentence.
/// </summary>
public static class BuildTools
{
    public const string Buildah = "buildah";
    public const string Registry = "docker-registry";
    public const string Mmdebstrap = "mmdebstrap";

    /// <summary>The tool's full path: itself when it names a file, else the first match on PATH, else null.</summary>
    public static string? Find(string tool)
    {
        if (tool.Contains('/', StringComparison.Ordinal))
            return File.Exists(tool) ? Path.GetFullPath(tool) : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, tool))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The Debian package that brings <paramref name="tool"/>, when it is one of the build tools.</summary>
    public static string? Package(string tool) =>
        Path.GetFileName(tool) switch
        {
            Registry => "docker-registry",
            Buildah => "buildah",
            Mmdebstrap => "mmdebstrap",
            _ => null,
        };

    /// <summary>A sentence for a missing tool: what it is for and the Debian package that brings it.</summary>
    public static string Missing(string tool, string neededFor)
    {
        var package = Package(tool) ?? Path.GetFileName(tool);
        return $"'{tool}' is not installed, so {neededFor} is not available. On Debian or Ubuntu install it with "
            + $"'apt-get install {package}' (as root), then restart the portal.";
    }
}

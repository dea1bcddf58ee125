using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// The real tools the build tests run on. Missing, the tests skip on a developer's machine and fail under CI=true,
/// where .ci/run installs them.
/// </summary>
public static class BuildToolsRequired
{
    public const string Busybox = "/bin/busybox";

    public static bool InCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the build tests cannot run here, or null; under CI a missing tool throws instead.</summary>
    public static string? Missing()
    {
        var missing = new[] { BuildTools.Buildah, BuildTools.Registry, Busybox }
            .Where(tool => BuildTools.Find(tool) is null)
            .ToList();
        if (missing.Count == 0)
            return null;
        var reason =
            $"{string.Join(", ", missing)} not installed: apt-get install buildah docker-registry busybox-static.";
        if (InCi)
            throw new InvalidOperationException("CI=true but the build tests cannot run: " + reason);
        return reason;
    }
}

using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Web.Builds;

/// <summary>
/// What builds need and this machine lacks, in sentences that say how to get it: <c>buildah</c> when builds run here,
/// and a registry (the embedded <c>docker-registry</c>, or a configured one). The builds pages show them; everything
/// else keeps working.
/// </summary>
public sealed class BuildPrerequisites(
    IImageBuilder builder,
    IOptions<BuildahOptions> buildah,
    RegistryConnection registry
)
{
    public IReadOnlyList<string> Missing()
    {
        var missing = new List<string>();
        var executable = buildah.Value.Executable;
        if (builder is BuildahImageBuilder && BuildTools.Find(executable) is null)
            missing.Add(BuildTools.Missing(executable, "building images"));
        if (registry.Endpoint() is { Succeeded: false } down)
            missing.Add(down.Problem!.Message);
        return missing;
    }
}

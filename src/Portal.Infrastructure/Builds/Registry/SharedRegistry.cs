using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// The <see cref="RegistryConnection"/>'s shared client as a request's scope gets it: not disposable, so that the end
/// of a scope (which disposes what it resolved) does not dispose the client every later request shares.
/// </summary>
internal sealed class SharedRegistry(IImageRegistry registry) : IImageRegistry
{
    public string Host => registry.Host;

    public Task<Result> PingAsync(CancellationToken ct) => registry.PingAsync(ct);

    public Task<Result<IReadOnlyList<string>>> ListTagsAsync(ImageRepository repository, CancellationToken ct) =>
        registry.ListTagsAsync(repository, ct);

    public Task<Result<RegistryManifest>> GetManifestAsync(
        ImageRepository repository,
        string reference,
        CancellationToken ct
    ) => registry.GetManifestAsync(repository, reference, ct);

    public Task<Result> DeleteManifestAsync(ImageRepository repository, string digest, CancellationToken ct) =>
        registry.DeleteManifestAsync(repository, digest, ct);
}

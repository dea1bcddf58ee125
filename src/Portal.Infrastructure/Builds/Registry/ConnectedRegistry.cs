using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// The registry as services get it: every call goes to the <see cref="RegistryConnection"/>'s client of the moment.
/// Not disposable on purpose: the container disposes what a scope's factory made, and the client is the connection's
/// to dispose, shared by every scope (handing it out directly let the first request's end dispose it for all).
/// </summary>
internal sealed class ConnectedRegistry(RegistryConnection connection) : IImageRegistry
{
    public string Host => connection.Registry().Host;

    public Task<Result> PingAsync(CancellationToken ct) => connection.Registry().PingAsync(ct);

    public Task<Result<IReadOnlyList<string>>> ListTagsAsync(ImageRepository repository, CancellationToken ct) =>
        connection.Registry().ListTagsAsync(repository, ct);

    public Task<Result<RegistryManifest>> GetManifestAsync(
        ImageRepository repository,
        string reference,
        CancellationToken ct
    ) => connection.Registry().GetManifestAsync(repository, reference, ct);

    public Task<Result> DeleteManifestAsync(ImageRepository repository, string digest, CancellationToken ct) =>
        connection.Registry().DeleteManifestAsync(repository, digest, ct);
}

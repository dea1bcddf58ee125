using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>The registry while there is none to talk to: every call says why (not installed, not started).</summary>
public sealed class UnavailableRegistry(string reason) : IImageRegistry
{
    public string Host => "";

    public Task<Result> PingAsync(CancellationToken ct) => Task.FromResult<Result>(Problem.Unavailable(reason));

    public Task<Result<IReadOnlyList<string>>> ListTagsAsync(ImageRepository repository, CancellationToken ct) =>
        Task.FromResult<Result<IReadOnlyList<string>>>(Problem.Unavailable(reason));

    public Task<Result<RegistryManifest>> GetManifestAsync(
        ImageRepository repository,
        string reference,
        CancellationToken ct
    ) => Task.FromResult<Result<RegistryManifest>>(Problem.Unavailable(reason));

    public Task<Result> DeleteManifestAsync(ImageRepository repository, string digest, CancellationToken ct) =>
        Task.FromResult<Result>(Problem.Unavailable(reason));
}

using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// A registry speaking the OCI distribution API: the portal's embedded one, or Harbor, a cloud registry. Refusals
/// come back as problems: <see cref="ProblemKind.Unavailable"/> when it cannot be reached,
/// <see cref="ProblemKind.Forbidden"/> when it refuses the credentials, <see cref="ProblemKind.NotFound"/> for an
/// unknown tag or manifest.
/// </summary>
public interface IImageRegistry
{
    /// <summary>The registry's host (and port) as image references name it, like "127.0.0.1:5000".</summary>
    string Host { get; }

    /// <summary>Whether the registry answers and accepts the portal's credentials.</summary>
    Task<Result> PingAsync(CancellationToken ct);

    /// <summary>The repository's tags, all pages of them, sorted; none for a repository never pushed to.</summary>
    Task<Result<IReadOnlyList<string>>> ListTagsAsync(ImageRepository repository, CancellationToken ct);

    /// <summary>The manifest a tag (or digest) names: its digest, media type and the image's size.</summary>
    Task<Result<RegistryManifest>> GetManifestAsync(ImageRepository repository, string reference, CancellationToken ct);

    /// <summary>Deletes a manifest by digest: every tag naming it goes with it.</summary>
    Task<Result> DeleteManifestAsync(ImageRepository repository, string digest, CancellationToken ct);
}

/// <summary>
/// A manifest as the registry holds it. <see cref="Size"/> is the config and layers together, as they are stored
/// (compressed); an image index (several platforms) has no size of its own, and says so with <see cref="IsIndex"/>.
/// </summary>
public sealed record RegistryManifest(string Digest, string MediaType, long? Size, bool IsIndex);

using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// Builds an image from a context directory and pushes it to the registry: locally with buildah (the embedded
/// default), or as a Kubernetes Job with BuildKit. One call does build, test and push, so that a backend that runs
/// elsewhere can do them in one place; the log lines say which stage they come from.
/// </summary>
public interface IImageBuilder
{
    /// <summary>
    /// A failure says why in words, with the build's last lines: <see cref="ProblemKind.Invalid"/> when the
    /// Dockerfile or the code does not build or the test command fails, <see cref="ProblemKind.Forbidden"/> when the
    /// registry refuses the push, <see cref="ProblemKind.Unavailable"/> for a missing tool, an unreachable registry or
    /// a build over its time. Cancellation throws, after the build's processes and containers are gone.
    /// </summary>
    Task<Result<BuiltImage>> BuildAsync(ImageBuild build, Action<BuildLogLine> log, CancellationToken ct);
}

/// <summary>
/// What to build, for the tenant of that slug (whose repositories alone it may push to, and whose build storage
/// and layer cache it uses): <see cref="Dockerfile"/> is relative to <see cref="ContextDirectory"/>; the image is
/// pushed under every tag of <see cref="Tags"/> (the commit's first, then the branch's). <see cref="TestCommand"/>,
/// when set, runs in the built image before the push (through <c>/bin/sh -c</c>) and its exit code decides.
/// </summary>
public sealed record ImageBuild(
    string Tenant,
    ImageRepository Repository,
    string ContextDirectory,
    IReadOnlyList<string> Tags
)
{
    public string Dockerfile { get; init; } = "Dockerfile";
    public string? Target { get; init; }
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public string? TestCommand { get; init; }

    /// <summary>The build's limit, test and push included; null takes the builder's setting.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// A pushed image: its reference pinned by digest ("host/tenant/app@sha256:…"), its tags, what its config says, and
/// how long each stage took.
/// </summary>
public sealed record BuiltImage(
    string Repository,
    string Digest,
    IReadOnlyList<string> Tags,
    ImageFacts Facts,
    IReadOnlyList<BuildStageTime> Stages
)
{
    public string PinnedReference => $"{Repository}@{Digest}";
}

/// <summary>What an image's config says about running it, and when it was made (when it says).</summary>
public sealed record ImageFacts(
    IReadOnlyList<string> ExposedPorts,
    string? User,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Command,
    string? WorkingDirectory,
    DateTimeOffset? Created = null
);

public enum BuildStage
{
    Queued,
    Build,
    Test,
    Push,
}

public sealed record BuildLogLine(BuildStage Stage, string Text);

public sealed record BuildStageTime(BuildStage Stage, TimeSpan Took);

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// Makes the local base images (<c>catalog/base-images/bookworm.yaml</c>) once, when recipes build on them
/// (<c>Portal:Builds:BaseImages:Source=Local</c>) with the local builder: in the background after start, once the
/// build tools are installed and the portal's registry answers, images already there left as they are. Its state
/// (making, made, failed and why) is one line of <see cref="BuildToolSetup.Status"/>; apt-get's and buildah's lines go
/// to the log.
/// </summary>
public sealed class LocalBaseImagesSetup(
    IOptions<BaseImageOptions> baseImages,
    IOptions<BuildToolOptions> tools,
    BuildToolSetup setup,
    RegistryConnection registry,
    BaseImageMaker maker,
    ILogger<LocalBaseImagesSetup> logger
)
{
    public const string Name = "local base images";

    /// <summary>How long to wait for the portal's registry to answer before giving up for this run.</summary>
    public static TimeSpan RegistryWait { get; set; } = TimeSpan.FromMinutes(10);

    private readonly Lock _lock = new();
    private Task? _making;

    /// <summary>Whether the settings build on local base images with this machine's buildah.</summary>
    public bool Needed =>
        baseImages.Value.Source == BaseImageSource.Local
        && tools.Value.Builder.Equals("Buildah", StringComparison.OrdinalIgnoreCase);

    /// <summary>Starts making the images in the background, once; the task ends when that has ended.</summary>
    public Task StartMaking(string contentRoot, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_making is not null)
                return _making;
            if (!Needed)
                return _making = Task.CompletedTask;
            Report(BuildToolState.Installing, "The local base images are waiting for the build tools and registry.");
            return _making = Task.Run(() => MakeAsync(contentRoot, ct), CancellationToken.None);
        }
    }

    private async Task MakeAsync(string contentRoot, CancellationToken ct)
    {
        try
        {
            await setup.Installed.WaitAsync(ct);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!registry.Endpoint().Succeeded && waited.Elapsed < RegistryWait)
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            var images = Load(contentRoot);
            if (!images.Succeeded)
            {
                Failed(images.Problem!.Message);
                return;
            }
            Report(BuildToolState.Installing, "The local base images are being made (a few minutes, once).");
            logger.LogInformation("Making the local base images, once: {Images}", images.Value.Count);
            var made = await maker.EnsureAsync(
                images.Value,
                line => logger.LogInformation("base images: {Line}", line),
                ct
            );
            if (!made.Succeeded)
            {
                Failed(made.Problem!.Message);
                return;
            }
            var count = made.Value.Count(o => o.Made);
            Report(BuildToolState.Present, $"The local base images are in the portal's registry ({count} made now).");
            logger.LogInformation("The local base images are ready ({Made} made now)", count);
        }
        catch (OperationCanceledException)
        {
            Failed("the portal stopped while making them");
        }
    }

    private Result<IReadOnlyList<LocalBaseImage>> Load(string contentRoot)
    {
        var file = baseImages.Value.LocalImagesFile;
        var path = Path.IsPathRooted(file) ? file : Path.Combine(contentRoot, file);
        var loaded = LocalBaseImages.Load(path);
        return loaded.Succeeded ? Result<IReadOnlyList<LocalBaseImage>>.Ok(loaded.Value.Images) : loaded.Problem!;
    }

    private void Failed(string reason)
    {
        Report(
            BuildToolState.Failed,
            $"The local base images could not be made, so builds on them fail: {reason} They are made again at the "
                + "next start."
        );
        logger.LogWarning("The local base images could not be made: {Reason}", reason);
    }

    private void Report(BuildToolState state, string sentence) =>
        setup.Report(new BuildToolStatus(Name, "builds on local base images", state, sentence));
}

using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// The local base images of <c>catalog/base-images/bookworm.yaml</c> that the fixture applications build on, made for
/// real when first asked for, once per test run, by <see cref="BaseImageMaker"/> (mmdebstrap's Debian, then apt in
/// buildah) in a registry of their own. Under CI the registry starts empty; on a developer's machine its data is kept
/// in a folder under /tmp named after the catalog file's hash, so a second run finds the images made and costs seconds.
/// </summary>
public sealed class DebianBaseImages : IAsyncLifetime
{
    /// <summary>
    /// The images the fixtures build on (not maven and gradle, whose builds need Maven Central), smallest first: a
    /// run that fails on the mirror fails early.
    /// </summary>
    public static readonly string[] Needed = ["busybox", "debian", "python", "node", "go", "jre", "jdk"];

    /// <summary>
    /// Whether the fixture applications are built for real here: PORTAL_TEST_REAL_BUILDS=1. Each takes minutes on
    /// vfs storage with 2 cores, more than CI's time allows (the Debian base image test runs everywhere).
    /// </summary>
    public static void RequireRealBuilds() =>
        Skip.IfNot(
            Environment.GetEnvironmentVariable("PORTAL_TEST_REAL_BUILDS") == "1",
            "Set PORTAL_TEST_REAL_BUILDS=1 to build the fixture applications on the Debian base images (minutes each)."
        );

    private readonly SemaphoreSlim _worldLock = new(1, 1);
    private readonly SemaphoreSlim _makeLock = new(1, 1);
    private LocalRegistry? _registry;
    private string? _unavailable;
    private RealBuilds.RealBuildWorld? _world;

    public LocalRegistry Registry
    {
        get
        {
            Skip.If(_unavailable is not null, _unavailable);
            return _registry!;
        }
    }

    public LocalBaseImages Catalog { get; } = Recipes.LocalImages();

    /// <summary>How long each image took to make (or to find made), in the order they were asked for.</summary>
    public List<(string Image, bool Made, TimeSpan Took)> Times { get; } = [];

    /// <summary>The base image set recipes render with, in this registry.</summary>
    public BaseImageSet Set => BaseImageSet.Local(Catalog, Registry.Endpoint.Host);

    public async Task InitializeAsync()
    {
        _unavailable = BuildToolsRequired.Missing() ?? MissingMmdebstrap();
        if (_unavailable is not null)
            return;
        var kept = BuildToolsRequired.InCi ? null : KeptFolder();
        _registry = new LocalRegistry(kept);
        await _registry.InitializeAsync();
    }

    /// <summary>
    /// The portal's build path on these images, made once for the collection: its builds share one tenant, so each
    /// base image is pulled once into that tenant's storage.
    /// </summary>
    public async Task<RealBuilds.RealBuildWorld> WorldAsync()
    {
        _ = Registry;
        await _worldLock.WaitAsync();
        try
        {
            return _world ??= await RealBuilds.RealBuildWorld.CreateAsync(this);
        }
        finally
        {
            _worldLock.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
        if (_registry is not null)
            await _registry.DisposeAsync();
    }

    /// <summary>
    /// Makes these images (and the Debian base) unless made already in this run or found in the registry; each image
    /// once, whichever tests ask for it.
    /// </summary>
    public async Task EnsureAsync(params string[] names)
    {
        _ = Registry;
        await _makeLock.WaitAsync();
        try
        {
            var maker = new BaseImageMaker(
                Options.Create(new BuildahOptions()),
                _registry!.Connection(),
                new BuildStorage(Path.Combine(_registry.Folder.FullName, "base-images")),
                new BuildSlots(1),
                new MmdebstrapRootFilesystem(),
                // As the portal does by default: the certificates this machine added (a TLS-inspecting proxy's).
                Options.Create(new BaseImageOptions())
            );
            var log = new List<string>();
            foreach (var name in new[] { "" }.Concat(names))
            {
                var label = name.Length == 0 ? "debian:bookworm" : name;
                if (Times.Any(t => t.Image == label))
                    continue;
                var clock = Stopwatch.StartNew();
                List<LocalBaseImage> images = name.Length == 0 ? [] : [Catalog.Find(name)!];
                var made = await maker.EnsureAsync(images, log.Add, default);
                if (!made.Succeeded)
                    throw new InvalidOperationException(
                        $"The base image {label} could not be made: "
                            + $"{made.Problem!.Message}\n{string.Join('\n', log.TakeLast(20))}"
                    );
                Times.Add((label, made.Value[^1].Made, clock.Elapsed));
            }
        }
        finally
        {
            _makeLock.Release();
        }
    }

    private static string? MissingMmdebstrap()
    {
        if (BuildTools.Find(BuildTools.Mmdebstrap) is not null)
            return null;
        if (BuildToolsRequired.InCi)
            throw new InvalidOperationException("CI=true but mmdebstrap is not installed: apt-get install mmdebstrap.");
        return "mmdebstrap is not installed: apt-get install mmdebstrap to make the Debian base images.";
    }

    /// <summary>
    /// The registry folder kept between local runs, for this version of the catalog file and of the way an image is
    /// made from it.
    /// </summary>
    private static string KeptFolder()
    {
        var file = Path.Combine(Recipes.CatalogDirectory(), "base-images", "bookworm.yaml");
        var making = BaseImageMaker.RuntimeDockerfile("debian", new LocalBaseImage("image", "1", ["package"]), true);
        var hash = Convert.ToHexStringLower(
            SHA256.HashData([.. File.ReadAllBytes(file), .. System.Text.Encoding.UTF8.GetBytes(making)])
        )[..16];
        return Path.Combine(Path.GetTempPath(), $"portal-test-base-images-{hash}");
    }
}

[CollectionDefinition(Name)]
public sealed class DebianBaseImagesCollection : ICollectionFixture<DebianBaseImages>
{
    public const string Name = "Builds: the Debian base images";
}

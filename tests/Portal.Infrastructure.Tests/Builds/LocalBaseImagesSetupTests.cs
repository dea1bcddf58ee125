using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// The local base images made in the background after start, with a busybox root filesystem standing in for
/// mmdebstrap's Debian (as in <see cref="BaseImageMakerTests"/>); their state is a line of the tools' state. Each test
/// has a registry of its own, as base/debian is one image per registry.
/// </summary>
public sealed class LocalBaseImagesSetupTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("portal-base-images-");
    private EmbeddedRegistryProcess? _registry;
    private string? _unavailable;

    private BuildStorage Storage => new(Path.Combine(_folder.FullName, "builds"));

    public async Task InitializeAsync()
    {
        _unavailable = BuildToolsRequired.Missing();
        if (_unavailable is not null)
            return;
        var started = await EmbeddedRegistryProcess.StartAsync(
            new EmbeddedRegistrySettings(Path.Combine(_folder.FullName, "registry")),
            NullLogger.Instance,
            default
        );
        _registry = started.Succeeded ? started.Value : throw new InvalidOperationException(started.Problem!.Message);
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
            await _registry.DisposeAsync();
        PrivateFiles.DeleteQuietly(_folder.FullName);
    }

    private RegistryConnection Connection()
    {
        Skip.If(_unavailable is not null, _unavailable);
        var connection = new RegistryConnection(
            Options.Create(new RegistryOptions()),
            new RegistryPasswordSeal(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider())
        );
        connection.UseEmbedded(_registry!.Endpoint, _registry.PullAccess);
        return connection;
    }

    private BaseImageMaker Maker() =>
        new(
            Options.Create(new BuildahOptions()),
            Connection(),
            Storage,
            new BuildSlots(1),
            new BaseImageMakerTests.BusyboxRootFilesystem()
        );

    private (LocalBaseImagesSetup Images, BuildToolSetup Tools) Setup(string yaml, BaseImageSource source)
    {
        var file = Path.Combine(_folder.FullName, "images.yaml");
        File.WriteAllText(file, yaml);
        var toolOptions = Options.Create(new BuildToolOptions { InstallTools = false });
        var tools = new BuildToolSetup(
            toolOptions,
            Options.Create(new RegistryOptions()),
            Options.Create(new BuildahOptions()),
            new HostSetupCommands(),
            NullLogger<BuildToolSetup>.Instance
        );
        var images = new LocalBaseImagesSetup(
            Options.Create(new BaseImageOptions { Source = source, LocalImagesFile = file }),
            toolOptions,
            tools,
            Connection(),
            Maker(),
            NullLogger<LocalBaseImagesSetup>.Instance
        );
        return (images, tools);
    }

    [SkippableFact]
    public async Task With_local_base_images_they_are_made_after_start_and_their_state_says_they_are_there()
    {
        // Made beforehand without packages (busybox has no apt-get): the setup finds it and the Debian base present.
        var premade = await Maker().EnsureAsync([new LocalBaseImage("premade", "3", [])], _ => { }, default);
        Assert.True(premade.Succeeded, premade.Problem?.Message);
        var (images, tools) = Setup(
            "suite: bookworm\nimages:\n  - name: premade\n    tag: \"3\"\n    packages: [busybox]\n",
            BaseImageSource.Local
        );

        await images.StartMaking(_folder.FullName, default);
        await images.StartMaking(_folder.FullName, default);

        var state = Assert.Single(tools.Status(), s => s.Tool == LocalBaseImagesSetup.Name);
        Assert.Equal(BuildToolState.Present, state.State);
        Assert.Equal("The local base images are in the portal's registry (0 made now).", state.Sentence);
    }

    [SkippableFact]
    public async Task An_image_that_cannot_be_made_leaves_a_failed_state_that_says_why()
    {
        var (images, tools) = Setup(
            "suite: bookworm\nimages:\n  - name: needs-apt\n    tag: \"1\"\n    packages: [nodejs]\n",
            BaseImageSource.Local
        );

        await images.StartMaking(_folder.FullName, default);

        var state = Assert.Single(tools.Status(), s => s.Tool == LocalBaseImagesSetup.Name);
        Assert.Equal(BuildToolState.Failed, state.State);
        Assert.StartsWith(
            "The local base images could not be made, so builds on them fail: ",
            state.Sentence,
            StringComparison.Ordinal
        );
        Assert.Contains("base/needs-apt:1 could not be made", state.Sentence, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task With_public_base_images_nothing_is_made()
    {
        Skip.If(_unavailable is not null, _unavailable);
        var (images, tools) = Setup("suite: bookworm\nimages: []\n", BaseImageSource.Public);

        await images.StartMaking(_folder.FullName, default);

        Assert.False(images.Needed);
        Assert.DoesNotContain(tools.Status(), s => s.Tool == LocalBaseImagesSetup.Name);
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// The embedded registry, started for real on a free loopback port in a folder of its own, with a tiny base image
/// in it ("base/tiny:1": busybox and its applets) that test Dockerfiles build FROM, so that no test needs mmdebstrap
/// or the network.
/// </summary>
public sealed class LocalRegistry : IAsyncLifetime
{
    public const string TinyBase = "base/tiny";
    public const string TinyTag = "1";

    private readonly string? _registryFolder;
    private EmbeddedRegistryProcess? _process;
    private string? _unavailable;

    public LocalRegistry() { }

    /// <param name="registryFolder">Where the registry keeps its data, kept when disposed; null for a folder of its
    /// own that goes with it.</param>
    internal LocalRegistry(string? registryFolder) => _registryFolder = registryFolder;

    public DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("portal-builds-test-");

    public EmbeddedRegistryProcess Process
    {
        get
        {
            Skip.If(_unavailable is not null, _unavailable);
            return _process!;
        }
    }

    public RegistryEndpoint Endpoint => Process.Endpoint;

    public string RegistryFolder => _registryFolder ?? Path.Combine(Folder.FullName, "registry");

    public string TinyBaseReference => $"{Endpoint.Host}/{TinyBase}:{TinyTag}";

    public async Task InitializeAsync()
    {
        _unavailable = BuildToolsRequired.Missing();
        if (_unavailable is not null)
            return;
        var started = await EmbeddedRegistryProcess.StartAsync(
            new EmbeddedRegistrySettings(RegistryFolder),
            NullLogger.Instance,
            CancellationToken.None
        );
        if (!started.Succeeded)
            throw new InvalidOperationException(started.Problem!.Message);
        _process = started.Value;
        try
        {
            await PushTinyBaseAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection to this registry, as the portal's services get it.</summary>
    public RegistryConnection Connection()
    {
        var connection = new RegistryConnection(
            Options.Create(new RegistryOptions()),
            new RegistryPasswordSeal(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider())
        );
        connection.UseEmbedded(Endpoint);
        return connection;
    }

    public BuildahCli Buildah(string storage) => new(BuildTools.Find(BuildTools.Buildah)!, storage);

    public async Task DisposeAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
        PrivateFiles.DeleteQuietly(Folder.FullName);
    }

    private async Task PushTinyBaseAsync()
    {
        var cli = Buildah(Path.Combine(Folder.FullName, "tiny"));
        var container = (
            await cli.RunAsync(["from", "scratch"], null, null, default, captureOutput: true)
        ).Output.Trim();
        foreach (
            var step in new List<string>[]
            {
                ["copy", container, BuildToolsRequired.Busybox, "/bin/busybox"],
                ["run", "--isolation", "chroot", container, "--", "/bin/busybox", "--install", "-s", "/bin"],
                ["commit", container, TinyBaseReference],
                ["rm", container],
            }
        )
        {
            var done = await cli.RunAsync(step, null, null, default);
            if (!done.Succeeded)
                throw new InvalidOperationException($"buildah {step[0]}: {BuildahCli.Last(done, 5)}");
        }
        using var access = RegistryAccessFiles.Create(Endpoint);
        var pushed = await cli.PushAsync(TinyBaseReference, access, _ => { }, default);
        if (!pushed.Succeeded)
            throw new InvalidOperationException(pushed.Problem!.Message);
    }
}

[CollectionDefinition(Name)]
public sealed class LocalRegistryCollection : ICollectionFixture<LocalRegistry>
{
    public const string Name = "Builds: the local registry";
}

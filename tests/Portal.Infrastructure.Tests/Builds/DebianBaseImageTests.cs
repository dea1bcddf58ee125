using Portal.Infrastructure.Builds.Buildah;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// The real Debian path of <see cref="BaseImageMaker"/>: mmdebstrap's root filesystem becomes the base of runtime
/// images with their Debian packages installed, in the registry the fixture applications build from.
/// </summary>
[Collection(DebianBaseImagesCollection.Name)]
public sealed class DebianBaseImageTests(DebianBaseImages images, Xunit.Abstractions.ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Debian_from_mmdebstrap_becomes_the_base_of_a_runtime_image_with_its_packages_installed()
    {
        var registry = images.Registry;
        await images.EnsureAsync("busybox");
        var reference = images.Catalog.Find("busybox")!.Reference(registry.Endpoint.Host);
        var cli = registry.Buildah(Path.Combine(registry.Folder.FullName, $"run-{Guid.NewGuid():N}"));
        using var access = RegistryAccessFiles.Create(registry.Endpoint);
        var pulled = await cli.RunAsync(
            ["pull", "--tls-verify=false", "--authfile", access.AuthFile, reference],
            null,
            access,
            default
        );
        Assert.True(pulled.Succeeded, BuildahCli.Last(pulled, 5));

        var lines = new List<string>();
        var exit = await cli.RunInImageAsync(
            reference,
            "busybox echo installed && apt-get --version && . /etc/os-release && echo $VERSION_CODENAME",
            lines.Add,
            default
        );

        foreach (var (image, made, took) in images.Times)
            output.WriteLine($"{image}: {(made ? "made" : "found")} in {took.TotalSeconds:0.0} s");
        Assert.Equal(0, exit);
        Assert.Contains("installed", lines);
        Assert.Contains("bookworm", lines);
        Assert.Contains(lines, line => line.StartsWith("apt ", StringComparison.Ordinal));
    }
}

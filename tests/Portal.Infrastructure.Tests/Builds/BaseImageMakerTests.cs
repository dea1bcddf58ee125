using System.Formats.Tar;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// The base image path with a busybox root filesystem standing in for mmdebstrap's Debian (which takes a minute and
/// the Debian mirror): the import, the runtime image built FROM it, the push and the skip of images present are real.
/// </summary>
[Collection(LocalRegistryCollection.Name)]
public sealed class BaseImageMakerTests(LocalRegistry registry)
{
    [SkippableFact]
    public async Task The_base_and_runtime_images_are_made_once_and_found_in_the_registry_the_second_time()
    {
        var rootFilesystem = new BusyboxRootFilesystem();
        var maker = Maker(rootFilesystem);
        var tools = new LocalBaseImage("tools", "1", []);
        var log = new List<string>();

        var first = await maker.EnsureAsync([tools], log.Add, default);
        var second = await maker.EnsureAsync([tools], log.Add, default);

        Assert.True(first.Succeeded, first.Problem?.Message);
        var host = registry.Endpoint.Host;
        Assert.Equal(
            [
                new BaseImageOutcome($"{host}/base/debian:bookworm", true),
                new BaseImageOutcome($"{host}/base/tools:1", true),
            ],
            first.Value
        );
        Assert.Equal(
            [
                new BaseImageOutcome($"{host}/base/debian:bookworm", false),
                new BaseImageOutcome($"{host}/base/tools:1", false),
            ],
            second.Value
        );
        Assert.Equal(1, rootFilesystem.Written);
        Assert.Empty(await registry.Buildah(Storage.ForBaseImages()).ContainersAsync(default));
    }

    [Fact]
    public void A_runtime_image_installs_its_packages_without_recommends_and_leaves_no_package_lists()
    {
        var dockerfile = BaseImageMaker.RuntimeDockerfile(
            "127.0.0.1:5000/base/debian:bookworm",
            new LocalBaseImage("nodejs", "18", ["nodejs", "npm"])
        );

        Assert.Equal(
            "FROM 127.0.0.1:5000/base/debian:bookworm\n"
                + "RUN apt-get update \\\n"
                + " && apt-get install -y --no-install-recommends nodejs npm \\\n"
                + " && rm -rf /var/lib/apt/lists/*\n",
            dockerfile
        );
    }

    [Fact]
    public void A_runtime_image_trusts_the_machines_added_certificates_for_every_language_runtime()
    {
        var dockerfile = BaseImageMaker.RuntimeDockerfile(
            "127.0.0.1:5000/base/debian:bookworm",
            new LocalBaseImage("nodejs", "18", ["nodejs", "npm"]),
            trustsCertificates: true
        );

        Assert.Equal(
            "FROM 127.0.0.1:5000/base/debian:bookworm\n"
                + "COPY trusted-certificates/ /usr/local/share/ca-certificates/portal/\n"
                + "RUN apt-get update \\\n"
                + " && apt-get install -y --no-install-recommends ca-certificates nodejs npm \\\n"
                + " && update-ca-certificates \\\n"
                + " && rm -rf /var/lib/apt/lists/*\n"
                + "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n",
            dockerfile
        );
    }

    [Fact]
    public async Task A_package_name_that_is_not_a_debian_one_is_refused_before_anything_runs()
    {
        var rootFilesystem = new BusyboxRootFilesystem();

        var made = await Maker(rootFilesystem, started: false)
            .EnsureAsync([new LocalBaseImage("evil", "1", ["nodejs; rm -rf /"])], _ => { }, default);

        Assert.Equal(ProblemKind.Invalid, made.Problem?.Kind);
        Assert.Equal("'nodejs; rm -rf /' is not a Debian package name.", made.Problem!.Message);
        Assert.Equal(0, rootFilesystem.Written);
    }

    private BuildStorage Storage => new(Path.Combine(registry.Folder.FullName, "builds"));

    /// <param name="started">False: a registry that never started, for refusals made before it is asked.</param>
    private BaseImageMaker Maker(IBaseRootFilesystem rootFilesystem, bool started = true) =>
        new(
            Options.Create(new BuildahOptions()),
            started
                ? registry.Connection()
                : new RegistryConnection(
                    Options.Create(new RegistryOptions()),
                    new RegistryPasswordSeal(new EphemeralDataProtectionProvider())
                ),
            Storage,
            new BuildSlots(1),
            rootFilesystem
        );

    /// <summary>A root filesystem of busybox and its shell, written as the tar mmdebstrap would write.</summary>
    internal sealed class BusyboxRootFilesystem : IBaseRootFilesystem
    {
        public int Written { get; private set; }

        public async Task<Result> WriteTarAsync(string tarPath, Action<string> log, CancellationToken ct)
        {
            Written++;
            await using var file = File.Create(tarPath);
            await using var tar = new TarWriter(file);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "bin/"), ct);
            await tar.WriteEntryAsync(BuildToolsRequired.Busybox, "bin/busybox", ct);
            await tar.WriteEntryAsync(
                new PaxTarEntry(TarEntryType.SymbolicLink, "bin/sh") { LinkName = "busybox" },
                ct
            );
            return Result.Ok();
        }
    }
}

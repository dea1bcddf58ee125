using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Builds.Buildah;

/// <summary>What <see cref="BaseImageMaker"/> did about one image.</summary>
public sealed record BaseImageOutcome(string Reference, bool Made);

/// <summary>
/// Makes the embedded mode's base images without any outside registry: "{registry}/base/debian:bookworm" from a
/// Debian root filesystem (<c>mmdebstrap --variant=apt bookworm</c>), then each runtime image from it with its
/// packages installed by apt. An image already in the registry is left as it is, so calling it again costs a few
/// requests.
/// </summary>
public sealed partial class BaseImageMaker(
    IOptions<BuildahOptions> options,
    RegistryConnection registry,
    BuildStorage storage,
    BuildSlots slots,
    IBaseRootFilesystem rootFilesystem,
    IOptions<BaseImageOptions>? baseImages = null
)
{
    public const string DebianRepository = "base/debian";
    public const string DebianTag = "bookworm";

    /// <summary>The Dockerfile a runtime image is made from.</summary>
    /// <summary>
    /// The image's repository in the portal's registry: under <see cref="LocalBaseImages.Repository"/>.
    /// </summary>
    private static string RepositoryOf(LocalBaseImage image) => $"{LocalBaseImages.Repository}/{image.Name}";

    /// <summary>The folder of the image's context the trusted certificates are copied to.</summary>
    public const string TrustedCertificatesFolder = "trusted-certificates";

    /// <summary>
    /// The Dockerfile a runtime image is made from; <paramref name="trustsCertificates"/> adds the certificates of the
    /// context's <see cref="TrustedCertificatesFolder"/> to the image's trusted authorities (Debian's store, which Go,
    /// Python, Java and curl read, and Node.js through NODE_EXTRA_CA_CERTS).
    /// </summary>
    public static string RuntimeDockerfile(
        string debianReference,
        LocalBaseImage image,
        bool trustsCertificates = false
    )
    {
        var dockerfile = new StringBuilder().Append("FROM ").Append(debianReference).Append('\n');
        var packages = trustsCertificates ? ["ca-certificates", .. image.Packages] : image.Packages.ToList();
        if (trustsCertificates)
            dockerfile.Append($"COPY {TrustedCertificatesFolder}/ /usr/local/share/ca-certificates/portal/\n");
        if (packages.Count > 0)
            dockerfile
                .Append("RUN apt-get update \\\n")
                .Append(" && apt-get install -y --no-install-recommends ")
                .Append(string.Join(' ', packages.Distinct(StringComparer.Ordinal)))
                .Append(" \\\n")
                .Append(trustsCertificates ? " && update-ca-certificates \\\n" : "")
                .Append(" && rm -rf /var/lib/apt/lists/*\n");
        if (trustsCertificates)
            dockerfile.Append("ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n");
        return dockerfile.ToString();
    }

    public static Problem? Check(LocalBaseImage image)
    {
        if (!ImageRepository.Parse(RepositoryOf(image)).Succeeded)
            return Problem.Invalid("Name", $"'{image.Name}' is not a repository name like 'nodejs'.");
        if (!ImageTags.IsValid(image.Tag))
            return Problem.Invalid("Tag", $"'{image.Tag}' is not a tag.");
        var bad = image.Packages.FirstOrDefault(p => !DebianPackage().IsMatch(p));
        return bad is null ? null : Problem.Invalid("Packages", $"'{bad}' is not a Debian package name.");
    }

    /// <summary>Makes the Debian base and then each image, skipping those the registry already has.</summary>
    public async Task<Result<IReadOnlyList<BaseImageOutcome>>> EnsureAsync(
        IReadOnlyList<LocalBaseImage> images,
        Action<string> log,
        CancellationToken ct
    )
    {
        var invalid = images.Select(Check).FirstOrDefault(p => p is not null);
        if (invalid is not null)
            return invalid;
        var executable = BuildTools.Find(options.Value.Executable);
        if (executable is null)
            return Problem.Unavailable(BuildTools.Missing(options.Value.Executable, "making base images"));
        var endpoint = registry.Endpoint();
        if (!endpoint.Succeeded)
            return endpoint.Problem!;

        using var slot = await slots.AcquireAsync("base", ct);
        var cli = new BuildahCli(executable, storage.ForBaseImages(), options.Value.StorageDriver);
        using var access = RegistryAccessFiles.Create(endpoint.Value);
        var outcomes = new List<BaseImageOutcome>();
        var debian = await EnsureDebianAsync(cli, access, log, ct);
        if (!debian.Succeeded)
            return debian.Problem!;
        outcomes.Add(debian.Value);
        foreach (var image in images)
        {
            var made = await EnsureRuntimeAsync(cli, access, debian.Value.Reference, image, log, ct);
            if (!made.Succeeded)
                return made.Problem!;
            outcomes.Add(made.Value);
        }
        return outcomes;
    }

    private async Task<Result<BaseImageOutcome>> EnsureDebianAsync(
        BuildahCli cli,
        RegistryAccessFiles access,
        Action<string> log,
        CancellationToken ct
    )
    {
        var reference = $"{access.Endpoint.Host}/{DebianRepository}:{DebianTag}";
        var present = await PresentAsync(DebianRepository, DebianTag, ct);
        if (!present.Succeeded || present.Value)
            return present.Succeeded ? new BaseImageOutcome(reference, false) : present.Problem!;

        var work = PrivateFiles.CreateTemporaryFolder("portal-base-");
        string? container = null;
        try
        {
            var tar = Path.Combine(work.FullName, "rootfs.tar");
            log($"Making the Debian {DebianTag} root filesystem.");
            var written = await rootFilesystem.WriteTarAsync(tar, log, ct);
            if (!written.Succeeded)
                return written.Problem!;
            var from = await cli.RunAsync(["from", "scratch"], null, null, ct, captureOutput: true);
            if (!from.Succeeded)
                return Problem.Unavailable("buildah could not start an empty container: " + BuildahCli.Last(from, 3));
            container = from.Output.Trim();
            foreach (
                var step in new List<string>[]
                {
                    ["add", container, tar, "/"],
                    ["config", "--cmd", "/bin/bash", "--env", "LANG=C.UTF-8", container],
                    ["commit", container, reference],
                }
            )
            {
                var done = await cli.RunAsync(step, log, null, ct);
                if (!done.Succeeded)
                    return Problem.Unavailable(
                        $"buildah {step[0]} failed for {reference}: " + BuildahCli.Last(done, 5)
                    );
            }
            var pushed = await cli.PushAsync(reference, access, log, ct);
            return pushed.Succeeded ? new BaseImageOutcome(reference, true) : pushed.Problem!;
        }
        finally
        {
            if (container is not null)
                await cli.RemoveContainersAsync([container]);
            PrivateFiles.DeleteQuietly(work.FullName);
        }
    }

    private async Task<Result<BaseImageOutcome>> EnsureRuntimeAsync(
        BuildahCli cli,
        RegistryAccessFiles access,
        string debian,
        LocalBaseImage image,
        Action<string> log,
        CancellationToken ct
    )
    {
        var reference = image.Reference(access.Endpoint.Host);
        var present = await PresentAsync(RepositoryOf(image), image.Tag, ct);
        if (!present.Succeeded || present.Value)
            return present.Succeeded ? new BaseImageOutcome(reference, false) : present.Problem!;

        var context = PrivateFiles.CreateTemporaryFolder("portal-base-");
        try
        {
            var trusts = CopyTrustedCertificates(context.FullName);
            if (trusts)
                log($"The image trusts the certificates of {baseImages!.Value.TrustedCertificates}.");
            await File.WriteAllTextAsync(
                Path.Combine(context.FullName, "Dockerfile"),
                RuntimeDockerfile(debian, image, trusts),
                ct
            );
            log($"Making {reference}.");
            var before = await cli.ContainersAsync(ct);
            var built = await cli.RunAsync(
                [
                    "bud",
                    "--isolation",
                    "chroot",
                    "--layers",
                    "--force-rm",
                    "--authfile",
                    access.AuthFile,
                    "-t",
                    reference,
                    context.FullName,
                ],
                log,
                access,
                ct
            );
            if (!built.Succeeded)
            {
                var left = await cli.ContainersAsync(CancellationToken.None);
                await cli.RemoveContainersAsync(left.Except(before));
                return Problem.Unavailable($"{reference} could not be made: " + BuildahCli.Last(built, 10));
            }
            var pushed = await cli.PushAsync(reference, access, log, ct);
            return pushed.Succeeded ? new BaseImageOutcome(reference, true) : pushed.Problem!;
        }
        finally
        {
            PrivateFiles.DeleteQuietly(context.FullName);
        }
    }

    /// <summary>Copies the trusted certificates (<c>*.crt</c>) into the context; false when there are none.</summary>
    private bool CopyTrustedCertificates(string context)
    {
        var folder = baseImages?.Value.TrustedCertificates;
        if (string.IsNullOrWhiteSpace(folder) || !Directory.Exists(folder))
            return false;
        var certificates = Directory.GetFiles(folder, "*.crt", SearchOption.AllDirectories);
        if (certificates.Length == 0)
            return false;
        var target = Directory.CreateDirectory(Path.Combine(context, TrustedCertificatesFolder));
        foreach (var (certificate, index) in certificates.Order(StringComparer.Ordinal).Select((c, i) => (c, i)))
            File.Copy(certificate, Path.Combine(target.FullName, $"{index:D3}-{Path.GetFileName(certificate)}"));
        return true;
    }

    private async Task<Result<bool>> PresentAsync(string repository, string tag, CancellationToken ct)
    {
        var found = await registry.Registry().GetManifestAsync(ImageRepository.Parse(repository).Value, tag, ct);
        return found.Succeeded ? true
            : found.Problem!.Kind == ProblemKind.NotFound ? false
            : found.Problem;
    }

    [GeneratedRegex("\\A[a-z0-9][a-z0-9+.-]+\\z")]
    private static partial Regex DebianPackage();
}

/// <summary>Writes the root filesystem the Debian base image is made of, as a tar file.</summary>
public interface IBaseRootFilesystem
{
    Task<Result> WriteTarAsync(string tarPath, Action<string> log, CancellationToken ct);
}

/// <summary>Debian bookworm with apt, from Debian's mirror, by <c>mmdebstrap</c> (about a minute).</summary>
public sealed class MmdebstrapRootFilesystem : IBaseRootFilesystem
{
    public async Task<Result> WriteTarAsync(string tarPath, Action<string> log, CancellationToken ct)
    {
        var executable = BuildTools.Find(BuildTools.Mmdebstrap);
        if (executable is null)
            return Problem.Unavailable(BuildTools.Missing(BuildTools.Mmdebstrap, "making the local base images"));
        var made = await ToolRun.RunAsync(
            executable,
            ["--variant=apt", BaseImageMaker.DebianTag, tarPath],
            log,
            [],
            ct
        );
        return made.Succeeded
            ? Result.Ok()
            : Problem.Unavailable("mmdebstrap could not make the Debian root filesystem: " + BuildahCli.Last(made, 5));
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Builds.Buildah;

/// <summary>
/// The <c>buildah</c> command line over one image storage (a tenant's, or the base images'): chroot isolation, which
/// works as root without a container engine, and the storage driver <paramref name="driver"/> stands for
/// (<see cref="BuildahStorageDriver"/>), each driver's images in a folder of their own.
/// </summary>
public sealed partial class BuildahCli(
    string executable,
    string storageFolder,
    string driver = BuildahStorageDriver.Auto
)
{
    public string StorageFolder { get; } = Path.GetFullPath(storageFolder);

    /// <summary>
    /// Runs buildah on this storage with the given arguments; with <paramref name="access"/>, pulls and pushes reach
    /// the portal's registry with its credentials, which are blanked out of every line.
    /// </summary>
    public async Task<ToolOutcome> RunAsync(
        IEnumerable<string> arguments,
        Action<string>? onLine,
        RegistryAccessFiles? access,
        CancellationToken ct,
        bool captureOutput = false
    )
    {
        PrivateFiles.CreateFolder(StorageFolder);
        var storageDriver = await BuildahStorageDriver.ResolveAsync(executable, driver);
        // vfs keeps the folder it always had, so that images made before overlay was taken are not lost to it.
        var images = storageDriver == BuildahStorageDriver.Vfs ? "storage" : $"storage-{storageDriver}";
        return await ToolRun.RunAsync(
            executable,
            [
                "--root",
                Path.Combine(StorageFolder, images),
                "--runroot",
                Path.Combine(StorageFolder, $"run-{storageDriver}"),
                "--storage-driver",
                storageDriver,
                .. arguments,
            ],
            onLine,
            access?.Secrets ?? [],
            ct,
            captureOutput,
            access?.Environment
        );
    }

    /// <summary>The working containers in this storage, by id.</summary>
    public async Task<IReadOnlySet<string>> ContainersAsync(CancellationToken ct)
    {
        var listed = await RunAsync(["containers", "--all", "--json"], null, null, ct, captureOutput: true);
        if (!listed.Succeeded)
            throw new InvalidOperationException("buildah could not list containers: " + Last(listed, 3));
        using var json = JsonDocument.Parse(listed.Output.Trim() is { Length: > 0 } text ? text : "null");
        return json.RootElement.ValueKind == JsonValueKind.Array
            ? json.RootElement.EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToHashSet()
            : new HashSet<string>();
    }

    /// <summary>Removes these working containers; not cancellable, since it is what cleans up after a cancel.</summary>
    public async Task RemoveContainersAsync(IEnumerable<string> ids)
    {
        var list = ids.ToList();
        if (list.Count > 0)
            await RunAsync(["rm", .. list], null, null, CancellationToken.None);
    }

    public async Task<bool> ImageExistsAsync(string reference, CancellationToken ct) =>
        (await RunAsync(["inspect", "--type", "image", reference], null, null, ct, captureOutput: true)).Succeeded;

    /// <summary>What the image's config says about running it.</summary>
    public async Task<Result<ImageFacts>> InspectAsync(string reference, CancellationToken ct)
    {
        var inspected = await RunAsync(["inspect", "--type", "image", reference], null, null, ct, captureOutput: true);
        if (!inspected.Succeeded)
            return Problem.NotFound($"Image {reference} in the build storage");
        using var json = JsonDocument.Parse(inspected.Output);
        return json.RootElement.TryGetProperty("OCIv1", out var oci)
            ? ImageConfigJson.Facts(oci)
            : new ImageFacts([], null, [], [], null);
    }

    /// <summary>
    /// Runs a command (through <c>/bin/sh -c</c>) in a working container of the image and answers its exit code; the
    /// container is removed after, cancelled or not. Without <paramref name="access"/> the image must be in this
    /// storage; with it, one missing is pulled from the portal's registry with its credentials.
    /// </summary>
    public async Task<int> RunInImageAsync(
        string image,
        string command,
        Action<string> onLine,
        CancellationToken ct,
        RegistryAccessFiles? access = null
    )
    {
        var name = $"portal-test-{Guid.NewGuid():N}";
        List<string> from = access is null
            ? ["from", "--pull=never"]
            : ["from", "--pull=missing", "--authfile", access.AuthFile];
        if (access is { SkipsTls: true })
            from.Add("--tls-verify=false");
        var created = await RunAsync([.. from, "--name", name, image], null, access, ct, true);
        if (!created.Succeeded)
            throw new InvalidOperationException($"buildah could not start a container of {image}: {Last(created, 3)}");
        try
        {
            var ran = await RunAsync(
                ["run", "--isolation", "chroot", name, "--", "/bin/sh", "-c", command],
                line =>
                {
                    if (!RunEpilogue().IsMatch(line))
                        onLine(line);
                },
                null,
                ct
            );
            return ran.ExitCode;
        }
        finally
        {
            await RunAsync(["rm", name], null, null, CancellationToken.None);
        }
    }

    /// <summary>Pushes a local image to the registry and answers the digest it was stored under.</summary>
    public async Task<Result<string>> PushAsync(
        string reference,
        RegistryAccessFiles access,
        Action<string> onLine,
        CancellationToken ct
    )
    {
        var digestFile = Path.Combine(Path.GetDirectoryName(access.AuthFile)!, $"digest-{Guid.NewGuid():N}");
        List<string> arguments = ["push", "--authfile", access.AuthFile, "--digestfile", digestFile];
        if (access.SkipsTls)
            arguments.Add("--tls-verify=false");
        arguments.AddRange([reference, $"docker://{reference}"]);
        var pushed = await RunAsync(arguments, onLine, access, ct);
        if (!pushed.Succeeded)
        {
            var last = Last(pushed, 5);
            return
                last.Contains("unauthorized", StringComparison.OrdinalIgnoreCase)
                || last.Contains("authentication required", StringComparison.OrdinalIgnoreCase)
                ? Problem.Forbidden($"The registry {access.Endpoint.Host} refused the push of {reference}: {last}")
                : Problem.Unavailable($"The push of {reference} to {access.Endpoint.Host} failed: {last}");
        }
        var digest = File.Exists(digestFile) ? (await File.ReadAllTextAsync(digestFile, ct)).Trim() : "";
        File.Delete(digestFile);
        return digest.StartsWith("sha256:", StringComparison.Ordinal)
            ? digest
            : Problem.Unavailable($"The push of {reference} gave no digest.");
    }

    /// <summary>A failure's last lines in one line, for a message.</summary>
    public static string Last(ToolOutcome outcome, int lines) =>
        string.Join(" | ", outcome.LastLines.TakeLast(lines).Select(l => l.Trim()).Where(l => l.Length > 0));

    // What buildah run adds after a command that exits non-zero; the exit code says it already.
    [GeneratedRegex("\\A(subprocess exited with status \\d+|Error: exit status \\d+)\\z")]
    private static partial Regex RunEpilogue();
}

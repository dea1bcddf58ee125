using System.Collections.Concurrent;

namespace Portal.Infrastructure.Builds.Buildah;

/// <summary>
/// The storage driver buildah keeps images with. <c>overlay</c> shares each layer between the steps and images that
/// build on it; <c>vfs</c> copies the whole root filesystem for every Dockerfile step (on a Debian base with a language
/// runtime, hundreds of megabytes a step), which works everywhere but makes builds several times slower. "auto" (the
/// default) takes overlay where this machine's kernel mounts it for buildah (as root, on a file system that is not
/// itself an overlay, as in a container), found once per process by trying it, and vfs otherwise.
/// </summary>
public static class BuildahStorageDriver
{
    public const string Auto = "auto";
    public const string Overlay = "overlay";
    public const string Vfs = "vfs";

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Probed = new(StringComparer.Ordinal);

    public static bool IsKnown(string setting) => setting is Auto or Overlay or Vfs;

    /// <summary>The driver <paramref name="setting"/> stands for with this buildah.</summary>
    public static Task<string> ResolveAsync(string executable, string setting) =>
        setting == Auto
            ? Probed.GetOrAdd(executable, e => new Lazy<Task<string>>(() => ProbeAsync(e))).Value
            : Task.FromResult(setting);

    /// <summary>
    /// Overlay when a working container can be made and mounted with it, in a folder thrown away after.
    /// </summary>
    private static async Task<string> ProbeAsync(string executable)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"portal-buildah-probe-{Guid.NewGuid():N}");
        try
        {
            string[] storage =
            [
                "--root",
                Path.Combine(folder, "storage"),
                "--runroot",
                Path.Combine(folder, "run"),
                "--storage-driver",
                Overlay,
            ];
            var name = "portal-probe";
            var works =
                await RunAsync(executable, [.. storage, "from", "--name", name, "scratch"])
                && await RunAsync(executable, [.. storage, "mount", name]);
            await RunAsync(executable, [.. storage, "umount", "--all"]);
            await RunAsync(executable, [.. storage, "rm", "--all"]);
            return works ? Overlay : Vfs;
        }
        finally
        {
            PrivateFiles.DeleteQuietly(folder);
        }
    }

    private static async Task<bool> RunAsync(string executable, IEnumerable<string> arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            return (await ToolRun.RunAsync(executable, arguments, null, [], timeout.Token)).Succeeded;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

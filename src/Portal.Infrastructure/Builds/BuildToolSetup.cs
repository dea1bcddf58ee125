using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Builds;

/// <summary>Where a build tool stands on this machine.</summary>
public enum BuildToolState
{
    Present,
    Missing,
    Installing,
    Failed,
}

/// <summary>One build tool: what it is for, its state, and a sentence for people that says what to do.</summary>
public sealed record BuildToolStatus(string Tool, string NeededFor, BuildToolState State, string Sentence);

/// <summary>Bound from <c>Portal:Builds</c>: whether the portal installs missing build tools itself.</summary>
public sealed class BuildToolOptions
{
    public const string Section = "Portal:Builds";

    /// <summary>
    /// Install missing build tools with apt-get at start, when the portal runs as root on a machine with apt-get;
    /// unset: on in the embedded mode (<c>Portal:Builds:Registry:Embedded</c>), off otherwise.
    /// </summary>
    public bool? InstallTools { get; set; }

    /// <summary>The builder (<c>Portal:Builds:Builder</c>): only Buildah needs buildah and mmdebstrap here.</summary>
    public string Builder { get; set; } = "Buildah";
}

/// <summary>The commands the set-up runs, and what it asks of the machine; a test stands in for them.</summary>
public interface ISetupCommands
{
    bool IsRoot { get; }

    /// <summary>The command's full path, or null when it is not installed.</summary>
    string? Find(string tool);

    Task<ToolOutcome> RunAsync(
        string executable,
        IReadOnlyList<string> arguments,
        Action<string> onLine,
        CancellationToken ct
    );
}

/// <summary>This machine: the process's own privileges, PATH, and child processes.</summary>
public sealed class HostSetupCommands : ISetupCommands
{
    private static readonly Dictionary<string, string> NonInteractive = new(StringComparer.Ordinal)
    {
        ["DEBIAN_FRONTEND"] = "noninteractive",
    };

    public bool IsRoot => Environment.IsPrivilegedProcess;

    public string? Find(string tool) => BuildTools.Find(tool);

    public Task<ToolOutcome> RunAsync(
        string executable,
        IReadOnlyList<string> arguments,
        Action<string> onLine,
        CancellationToken ct
    ) => ToolRun.RunAsync(executable, arguments, onLine, [], ct, environment: NonInteractive);
}

/// <summary>
/// The build tools this portal needs (buildah, the embedded registry's docker-registry, mmdebstrap for local base
/// images) and their state, for the pages and the builders to say what is missing and how to get it. On a fresh
/// machine, when <see cref="BuildToolOptions.InstallTools"/> is on, the process is root and apt-get is there, it
/// installs the missing ones once, in the background (<see cref="StartInstalling"/>), logging apt-get's lines; the
/// embedded registry starts when that has ended.
/// </summary>
public sealed class BuildToolSetup(
    IOptions<BuildToolOptions> options,
    IOptions<RegistryOptions> registry,
    IOptions<BuildahOptions> buildah,
    ISetupCommands commands,
    ILogger<BuildToolSetup> logger
)
{
    public const string AptGet = "apt-get";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _failed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BuildToolStatus> _reported = new(StringComparer.Ordinal);
    private HashSet<string> _installing = new(StringComparer.Ordinal);
    private string? _notInstalledBecause;
    private Task? _installation;

    /// <summary>Ends when the installation the portal started has ended; at once when it started none.</summary>
    public Task Installed
    {
        get
        {
            lock (_lock)
                return _installation ?? Task.CompletedTask;
        }
    }

    /// <summary>Why the portal does not install missing tools itself, or null when it does.</summary>
    public static string? WhyNotInstall(bool enabled, bool isRoot, bool hasAptGet) =>
        !enabled ? $"{BuildToolOptions.Section}:InstallTools is off"
        : !isRoot ? "the portal does not run as root"
        : !hasAptGet ? "this machine has no apt-get"
        : null;

    /// <summary>The tools this portal's settings need, each with what it is for.</summary>
    public IReadOnlyList<(string Tool, string NeededFor)> Needed()
    {
        var local = options.Value.Builder.Equals("Buildah", StringComparison.OrdinalIgnoreCase);
        var needed = new List<(string, string)>();
        if (local)
            needed.Add((buildah.Value.Executable, "building images"));
        if (registry.Value.Embedded)
            needed.Add((registry.Value.EmbeddedExecutable, "the embedded image registry"));
        if (local)
            needed.Add((BuildTools.Mmdebstrap, "making the local base images"));
        return needed;
    }

    /// <summary>
    /// Each needed tool's state, looked up now, then what other set-up work reported (the local base images).
    /// </summary>
    public IReadOnlyList<BuildToolStatus> Status()
    {
        var tools = Needed().Select(t => StatusOf(t.Tool, t.NeededFor)).ToList();
        lock (_lock)
            return [.. tools, .. _reported.Values];
    }

    /// <summary>Set-up work beside the tools (<see cref="LocalBaseImagesSetup"/>) says where it stands.</summary>
    public void Report(BuildToolStatus status)
    {
        lock (_lock)
            _reported[status.Tool] = status;
    }

    /// <summary>The state of <paramref name="tool"/>, needed for <paramref name="neededFor"/>.</summary>
    public BuildToolStatus StatusOf(string tool, string neededFor)
    {
        if (commands.Find(tool) is not null)
            return new BuildToolStatus(tool, neededFor, BuildToolState.Present, $"'{tool}' is installed.");
        var package = BuildTools.Package(tool) ?? Path.GetFileName(tool);
        lock (_lock)
        {
            if (_installing.Contains(package))
                return new BuildToolStatus(
                    tool,
                    neededFor,
                    BuildToolState.Installing,
                    $"'{tool}' is being installed by the portal ('apt-get install {package}'), so {neededFor} is not "
                        + "available yet; it will be in a few minutes."
                );
            if (_failed.TryGetValue(package, out var reason))
                return new BuildToolStatus(
                    tool,
                    neededFor,
                    BuildToolState.Failed,
                    $"'{tool}' is not installed, so {neededFor} is not available: the portal's 'apt-get install "
                        + $"{package}' failed ({reason}). Install it as root with 'apt-get install {package}', then "
                        + "restart the portal."
                );
            var sentence = BuildTools.Missing(tool, neededFor);
            if (_notInstalledBecause is { } why && BuildTools.Package(tool) is not null)
                sentence += $" (The portal did not install it: {why}.)";
            return new BuildToolStatus(tool, neededFor, BuildToolState.Missing, sentence);
        }
    }

    /// <summary>
    /// Decides at once whether to install the missing tools, marks them installing, and runs apt-get in the
    /// background; once per process. The returned task (also <see cref="Installed"/>) ends when it has ended.
    /// </summary>
    public Task StartInstalling(CancellationToken ct)
    {
        lock (_lock)
        {
            if (_installation is not null)
                return _installation;
            var missing = Needed().Where(t => commands.Find(t.Tool) is null).Select(t => t.Tool).ToList();
            var packages = missing.Select(BuildTools.Package).OfType<string>().Distinct().ToList();
            if (packages.Count == 0)
                return _installation = Task.CompletedTask;
            var enabled = options.Value.InstallTools ?? registry.Value.Embedded;
            _notInstalledBecause = WhyNotInstall(enabled, commands.IsRoot, commands.Find(AptGet) is not null);
            if (_notInstalledBecause is not null)
            {
                logger.LogWarning(
                    "Build tools missing: {Tools}. The portal does not install them: {Reason}",
                    string.Join(", ", missing),
                    _notInstalledBecause
                );
                return _installation = Task.CompletedTask;
            }
            _installing = new HashSet<string>(packages, StringComparer.Ordinal);
            _installation = Task.Run(() => InstallAsync(packages, ct), CancellationToken.None);
            return _installation;
        }
    }

    private async Task InstallAsync(IReadOnlyList<string> packages, CancellationToken ct)
    {
        var aptGet = commands.Find(AptGet)!;
        logger.LogInformation(
            "Installing the missing build tools with apt-get, once, in the background: {Packages}",
            string.Join(" ", packages)
        );
        string? failure;
        try
        {
            void Log(string line) => logger.LogInformation("apt-get: {Line}", line);
            var updated = await commands.RunAsync(aptGet, ["update", "-q"], Log, ct);
            var installed = updated.Succeeded
                ? await commands.RunAsync(
                    aptGet,
                    ["install", "-y", "-q", "--no-install-recommends", .. packages],
                    Log,
                    ct
                )
                : updated;
            failure = installed.Succeeded
                ? null
                : $"{(updated.Succeeded ? "apt-get install" : "apt-get update")} exited with {installed.ExitCode}: "
                    + string.Join(" | ", installed.LastLines.TakeLast(3));
        }
        catch (OperationCanceledException)
        {
            failure = "the portal stopped while installing";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            failure = e.Message;
        }
        lock (_lock)
        {
            _installing = new HashSet<string>(StringComparer.Ordinal);
            foreach (var package in packages)
            {
                if (failure is not null)
                    _failed[package] = failure;
            }
        }
        if (failure is null)
            logger.LogInformation("Installed the build tools: {Packages}", string.Join(" ", packages));
        else
            logger.LogWarning("The build tools could not be installed: {Reason}", failure);
    }
}

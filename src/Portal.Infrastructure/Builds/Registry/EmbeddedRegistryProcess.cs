using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// Debian's <c>docker-registry</c> (the CNCF Distribution registry) run by the portal as a child process: on a
/// loopback port, images under <c>storage/</c> of its data folder, deletes allowed (for retention), and htpasswd
/// sign-in as "portal" with a password made at each start that lives only in this process's memory. A second user,
/// "portal-pull", with a password of its own, is the one clusters get in their pull secrets: Distribution's htpasswd
/// sign-in grants every user every right (it cannot make a user read-only), so this user is not read-only, but it
/// keeps the push credential out of clusters and changes with every start like the other. The files that name them
/// (the configuration and the passwords' bcrypt hashes) are readable by the owner only and removed at stop.
/// </summary>
public sealed class EmbeddedRegistryProcess : IAsyncDisposable
{
    public const string User = "portal";

    /// <summary>The user whose credential goes to clusters, for pulling.</summary>
    public const string PullUser = "portal-pull";

    // The password is 32 random bytes, beyond any guessing whatever the cost; the registry checks the hash on every
    // request, so the cheapest cost keeps pushes fast.
    private const int BcryptCost = 4;
    private const int KeptLines = 40;

    private readonly Process _process;
    private readonly string _folder;
    private readonly ILogger _logger;
    private readonly Queue<string> _lastLines = new();

    private EmbeddedRegistryProcess(
        Process process,
        string folder,
        RegistryEndpoint endpoint,
        RegistryPullAccess pullAccess,
        ILogger logger
    )
    {
        _process = process;
        _folder = folder;
        Endpoint = endpoint;
        PullAccess = pullAccess;
        _logger = logger;
    }

    public RegistryEndpoint Endpoint { get; }

    /// <summary>The pull user's credential, for clusters.</summary>
    public RegistryPullAccess PullAccess { get; }

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the registry and waits until it answers on /v2/. A registry that is not installed, exits, or does not
    /// answer in time is a problem that says so, and leaves no process behind.
    /// </summary>
    public static async Task<Result<EmbeddedRegistryProcess>> StartAsync(
        EmbeddedRegistrySettings settings,
        ILogger logger,
        CancellationToken ct
    )
    {
        var executable = BuildTools.Find(settings.Executable);
        if (executable is null)
            return Problem.Unavailable(BuildTools.Missing(settings.Executable, "the embedded image registry"));

        var folder = Path.GetFullPath(settings.DataDirectory);
        PrivateFiles.CreateFolder(folder);
        PrivateFiles.CreateFolder(Path.Combine(folder, "storage"));
        StopLeftover(folder, logger);

        var port = settings.Port > 0 ? settings.Port : FreeLoopbackPort();
        var password = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var pullPassword = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        PrivateFiles.Write(
            Path.Combine(folder, "htpasswd"),
            $"{User}:{BCrypt.Net.BCrypt.HashPassword(password, BcryptCost)}\n"
                + $"{PullUser}:{BCrypt.Net.BCrypt.HashPassword(pullPassword, BcryptCost)}\n"
        );
        var configuration = Path.Combine(folder, "config.yml");
        PrivateFiles.Write(configuration, Configuration(folder, port));

        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "serve", configuration },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        var endpoint = new RegistryEndpoint(new Uri($"http://127.0.0.1:{port}/"), User, password);
        var pull = new RegistryPullAccess(endpoint.Host, PullUser, pullPassword);
        var registry = new EmbeddedRegistryProcess(process, folder, endpoint, pull, logger);
        process.OutputDataReceived += (_, e) => registry.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => registry.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        File.WriteAllText(Path.Combine(folder, "registry.pid"), process.Id.ToString(CultureInfo.InvariantCulture));

        var ready = await registry.WaitUntilAnsweringAsync(settings.StartTimeout, ct);
        if (ready.Succeeded)
            return registry;
        await registry.DisposeAsync();
        return ready.Problem!;
    }

    /// <summary>What the registry wrote last, for a failure's message.</summary>
    public IReadOnlyList<string> LastLines()
    {
        lock (_lastLines)
            return _lastLines.ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        foreach (var file in new[] { "config.yml", "htpasswd", "registry.pid" })
            PrivateFiles.DeleteQuietly(Path.Combine(_folder, file));
    }

    private async Task<Result> WaitUntilAnsweringAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited)
                return Problem.Unavailable(
                    $"The embedded registry stopped at start (exit code {_process.ExitCode}): "
                        + string.Join(" | ", LastLines().TakeLast(5))
                );
            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint.BaseAddress, "/v2/"), ct);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                    return Result.Ok();
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(100, ct);
        }
        return Problem.Unavailable(
            $"The embedded registry did not answer on {Endpoint.BaseAddress} within {timeout.TotalSeconds:0} seconds: "
                + string.Join(" | ", LastLines().TakeLast(5))
        );
    }

    private void Keep(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > KeptLines)
                _lastLines.Dequeue();
        }
        _logger.LogDebug("docker-registry: {Line}", line);
    }

    /// <summary>A registry left running by a portal that did not stop cleanly, found by pid file and command.</summary>
    private static void StopLeftover(string folder, ILogger logger)
    {
        var pidFile = Path.Combine(folder, "registry.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), out var pid))
            return;
        try
        {
            var command = File.ReadAllText($"/proc/{pid}/cmdline");
            if (!command.Contains(Path.Combine(folder, "config.yml"), StringComparison.Ordinal))
                return;
            using var leftover = Process.GetProcessById(pid);
            leftover.Kill(entireProcessTree: true);
            leftover.WaitForExit(TimeSpan.FromSeconds(10));
            logger.LogWarning("Stopped the embedded registry a previous run left running (process {Pid})", pid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Configuration(string folder, int port) =>
        $"""
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: "{Path.Combine(folder, "storage")}"
              delete:
                enabled: true
            http:
              addr: "127.0.0.1:{port}"
              secret: "{Convert.ToHexString(RandomNumberGenerator.GetBytes(24))}"
            auth:
              htpasswd:
                realm: portal-registry
                path: "{Path.Combine(folder, "htpasswd")}"
            """ + "\n";
}

/// <summary>How to run the embedded registry: executable, data folder, port (0: any free one), start limit.</summary>
public sealed record EmbeddedRegistrySettings(string DataDirectory)
{
    public string Executable { get; init; } = BuildTools.Registry;
    public int Port { get; init; }
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Portal.Infrastructure.Tests.Clouds.BareMetal;

/// <summary>
/// A real OpenSSH server (Debian's openssh-server, /usr/sbin/sshd) on 127.0.0.1 and a free port, everything in a
/// temporary directory of its own: its host key, the client key it authorizes, its config, its pid file and the HOME
/// its sessions get (sshd's SetEnv), so that what a test writes to $HOME goes there and is removed with it.
/// sshd runs in the foreground (-D -e, its log kept in <see cref="Log"/>) as the user running the tests, who logs in
/// with the client key: root in CI (root logs in with a key only; sshd then needs /run/sshd, made if missing), the
/// developer otherwise. Use <see cref="RequireSshd"/> first: it skips a test where sshd is missing, and fails it
/// under CI=true.
/// </summary>
public sealed class LocalSshServer : IAsyncDisposable
{
    public const string Sshd = "/usr/sbin/sshd";
    public const string KeyGen = "/usr/bin/ssh-keygen";

    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private Process? _sshd;

    private LocalSshServer(string directory, int port, bool passwordAuthentication)
    {
        _directory = directory;
        Port = port;
        PasswordAuthentication = passwordAuthentication;
    }

    public int Port { get; }
    public bool PasswordAuthentication { get; }
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The user that logs in: the one running the tests.</summary>
    public string UserName { get; } = Environment.UserName;

    /// <summary>The HOME of the sessions, inside the server's temporary directory.</summary>
    public string Home => Path.Combine(_directory, "home");

    /// <summary>The private key (OpenSSH text) that the server authorizes.</summary>
    public string ClientKey => File.ReadAllText(Path.Combine(_directory, "client_key"));

    public string ClientPublicKey => File.ReadAllText(Path.Combine(_directory, "client_key.pub"));

    public string HostKeyPath => Path.Combine(_directory, "ssh_host_ed25519_key");

    /// <summary>What sshd has logged since it was last started.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static void RequireSshd()
    {
        var present = File.Exists(Sshd) && File.Exists(KeyGen);
        if (!present && Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"{Sshd} and {KeyGen} are required in CI (apt-get install openssh-server).");
        Skip.IfNot(present, "sshd is not installed (apt-get install openssh-server)");
    }

    /// <summary>
    /// For tests of scripts that the provider runs as root: the tests' user must be root (as in CI) or may run
    /// <c>sudo -n</c>; skipped otherwise.
    /// </summary>
    public static async Task RequireRootOrSudoAsync()
    {
        if (Environment.IsPrivilegedProcess)
            return;
        var canSudo = false;
        if (File.Exists("/usr/bin/sudo"))
        {
            using var sudo = Process.Start(new ProcessStartInfo("/usr/bin/sudo", ["-n", "true"]))!;
            await sudo.WaitForExitAsync();
            canSudo = sudo.ExitCode == 0;
        }
        Skip.IfNot(canSudo, "the scripts run as root, and this user is neither root nor allowed to sudo -n");
    }

    public static async Task<LocalSshServer> StartAsync(bool passwordAuthentication = false)
    {
        var directory = Directory.CreateTempSubdirectory("sshd-").FullName;
        var server = new LocalSshServer(directory, FreePort(), passwordAuthentication);
        try
        {
            Directory.CreateDirectory(server.Home);
            await server.NewKeyAsync(server.HostKeyPath, "");
            await server.NewKeyAsync(Path.Combine(directory, "client_key"), "");
            File.Copy(Path.Combine(directory, "client_key.pub"), Path.Combine(directory, "authorized_keys"));
            await server.RunAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new key pair, not authorized unless asked; its private key as OpenSSH text.</summary>
    public async Task<string> NewClientKeyAsync(string passphrase = "", bool authorize = false)
    {
        var path = Path.Combine(_directory, $"client_key_{Guid.NewGuid():N}");
        await NewKeyAsync(path, passphrase);
        if (authorize)
            await AuthorizeAsync(File.ReadAllText(path + ".pub"));
        return File.ReadAllText(path);
    }

    /// <summary>Authorizes another public key (such as another server's <see cref="ClientPublicKey"/>).</summary>
    public Task AuthorizeAsync(string publicKey) =>
        File.AppendAllTextAsync(Path.Combine(_directory, "authorized_keys"), publicKey.TrimEnd() + "\n");

    /// <summary>The host key's fingerprint as <c>ssh-keygen -lf</c> prints it: "SHA256:…".</summary>
    public async Task<string> HostKeyFingerprintAsync()
    {
        var printed = await ToolAsync(KeyGen, ["-lf", HostKeyPath + ".pub"]);
        return printed.Split(' ')[1];
    }

    /// <summary>Stops sshd, gives it a new host key (as a reinstalled machine gets), restarts it on its port.</summary>
    public async Task RestartWithNewHostKeyAsync()
    {
        await StopAsync();
        File.Delete(HostKeyPath);
        File.Delete(HostKeyPath + ".pub");
        await NewKeyAsync(HostKeyPath, "");
        await RunAsync();
    }

    public async Task StopAsync()
    {
        if (_sshd is null)
            return;
        if (!_sshd.HasExited)
            _sshd.Kill(entireProcessTree: true);
        await _sshd.WaitForExitAsync();
        _sshd.Dispose();
        _sshd = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task RunAsync()
    {
        var config = Path.Combine(_directory, "sshd_config");
        await File.WriteAllTextAsync(
            config,
            $"""
            ListenAddress 127.0.0.1
            Port {Port}
            HostKey {HostKeyPath}
            PidFile {Path.Combine(_directory, "sshd.pid")}
            AuthorizedKeysFile {Path.Combine(_directory, "authorized_keys")}
            UsePAM no
            StrictModes no
            PubkeyAuthentication yes
            PasswordAuthentication {(PasswordAuthentication ? "yes" : "no")}
            KbdInteractiveAuthentication no
            SetEnv HOME={Home}
            LogLevel VERBOSE

            """
        );
        if (Environment.IsPrivilegedProcess)
            // sshd running as root insists on its privilege separation directory, which a container may lack.
            Directory.CreateDirectory("/run/sshd");
        lock (_log)
            _log.Clear();
        var start = new ProcessStartInfo(Sshd, ["-D", "-e", "-f", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sshd = new Process { StartInfo = start };
        sshd.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_log)
                _log.AppendLine(e.Data);
            if (e.Data.Contains($"Server listening on 127.0.0.1 port {Port}.", StringComparison.Ordinal))
                listening.TrySetResult();
        };
        sshd.Start();
        _sshd = sshd;
        sshd.BeginErrorReadLine();
        sshd.BeginOutputReadLine();
        var exited = sshd.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(20)));
        if (first != listening.Task)
            throw new InvalidOperationException($"sshd did not start listening on port {Port}:\n{Log}");
    }

    private async Task NewKeyAsync(string path, string passphrase) =>
        await ToolAsync(KeyGen, ["-q", "-t", "ed25519", "-N", passphrase, "-C", "portal-test", "-f", path]);

    private static async Task<string> ToolAsync(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await error}");
        return await output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

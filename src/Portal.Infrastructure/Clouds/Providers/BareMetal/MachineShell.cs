using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Portal.Infrastructure.Clouds.Providers.BareMetal;

/// <summary>
/// An SSH session on one listed machine, opened only once the machine's host key matched the key pinned for the
/// account and address, or was pinned at this first contact (as ssh's known_hosts does). A key that differs from its
/// pin ends the handshake before any credential is sent.
/// </summary>
internal sealed class MachineShell : IDisposable
{
    private readonly SshClient _client;
    private readonly IReadOnlyList<AuthenticationMethod> _methods;
    private readonly TimeProvider _time;

    private MachineShell(
        SshClient client,
        IReadOnlyList<AuthenticationMethod> methods,
        BareMetalMachine machine,
        TimeProvider time
    )
    {
        _client = client;
        _methods = methods;
        Machine = machine;
        _time = time;
    }

    public BareMetalMachine Machine { get; }

    /// <summary>Whether the refusal is of the account (no user, no or unreadable credentials), not a machine.</summary>
    public static bool IsAboutTheAccount(CloudRefusal refusal) =>
        refusal.ProviderCode is "NoUserName" or "NoCredentials" or "KeyPassphraseMissing" or "InvalidPrivateKey";

    public static async Task<MachineShell> OpenAsync(
        CloudAccess access,
        BareMetalMachine machine,
        ISshHostKeyPins pins,
        TimeProvider time,
        TimeSpan timeout,
        CancellationToken ct
    )
    {
        var user = access.Setting(BareMetalProvider.UserNameField).Trim();
        if (user.Length == 0)
            throw new CloudRefusal(CloudRefusalKind.Credentials, "The user name is empty", "NoUserName");
        var methods = AuthenticationMethods(access, user);
        var pinned = await pins.FindAsync(access.AccountId, machine.Address, ct);
        string? offered = null;
        var client = new SshClient(
            new ConnectionInfo(machine.Host, machine.Port, user, [.. methods]) { Timeout = timeout }
        );
        client.HostKeyReceived += (_, e) =>
        {
            offered = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = pinned is null || pinned == offered;
        };
        Exception? failure = null;
        try
        {
            await client.ConnectAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            failure = e;
        }
        catch
        {
            Dispose(client, methods);
            throw;
        }
        if (pinned is not null && offered is not null && pinned != offered)
        {
            Dispose(client, methods);
            throw new CloudRefusal(
                CloudRefusalKind.Credentials,
                $"The host key of {machine.Address} changed: pinned {pinned}, offered {offered} — if the machine "
                    + "was reinstalled, remove its pin",
                "HostKeyChanged"
            );
        }
        if (pinned is null && offered is not null)
            await pins.PinAsync(access.AccountId, machine.Address, offered, ct);
        if (failure is not null)
        {
            Dispose(client, methods);
            throw Explain(machine, user, failure);
        }
        return new MachineShell(client, methods, machine, time);
    }

    /// <summary>
    /// Runs the command with the input on its standard input, waiting at most the timeout; the run's exit status and
    /// output, whatever they are.
    /// </summary>
    public async Task<ShellRun> RunAsync(string command, string input, TimeSpan timeout, CancellationToken ct)
    {
        using var run = _client.CreateCommand(command, Encoding.UTF8);
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            var execution = run.ExecuteAsync(bounded.Token);
            try
            {
                await using var stdin = run.CreateInputStream();
                await stdin.WriteAsync(Encoding.UTF8.GetBytes(input.ReplaceLineEndings("\n")), bounded.Token);
            }
            catch (Exception e) when (e is SshException or IOException or ObjectDisposedException)
            {
                // The command may end before it has read all its input; its exit status says how it went.
            }
            await execution;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return new ShellRun(null, null, OutputSoFar(() => run.Result), OutputSoFar(() => run.Error), true);
        }
        catch (Exception e) when (e is SshException or SocketException or IOException)
        {
            throw Explain(Machine, _client.ConnectionInfo.Username, e);
        }
        return new ShellRun(run.ExitStatus, run.ExitSignal, run.Result, run.Error, false);
    }

    public void Dispose() => Dispose(_client, _methods);

    /// <summary>A refusal in SSH's words for a failure to reach or log in to the machine.</summary>
    public static CloudRefusal Explain(BareMetalMachine machine, string user, Exception e) =>
        e switch
        {
            CloudRefusal refusal => refusal,
            SshAuthenticationException => new CloudRefusal(
                CloudRefusalKind.Credentials,
                $"{user}@{machine.Address}: {e.Message}",
                "AuthenticationFailed",
                e
            ),
            SocketException socket => new CloudRefusal(
                CloudRefusalKind.Unavailable,
                $"{machine.Address}: {socket.Message}",
                socket.SocketErrorCode.ToString(),
                e
            ),
            SshConnectionException connection => new CloudRefusal(
                CloudRefusalKind.Unavailable,
                $"{machine.Address}: {e.Message}",
                connection.DisconnectReason.ToString(),
                e
            ),
            SshOperationTimeoutException => new CloudRefusal(
                CloudRefusalKind.Unavailable,
                $"{machine.Address}: {e.Message}",
                "Timeout",
                e
            ),
            _ => new CloudRefusal(CloudRefusalKind.Unavailable, $"{machine.Address}: {e.Message}", e.GetType().Name, e),
        };

    private static List<AuthenticationMethod> AuthenticationMethods(CloudAccess access, string user)
    {
        var methods = new List<AuthenticationMethod>();
        var key = access.Secret(BareMetalProvider.PrivateKeyField).Trim();
        if (key.Length > 0)
            methods.Add(new PrivateKeyAuthenticationMethod(user, ReadKey(key, access)));
        var password = access.Secret(BareMetalProvider.PasswordField);
        if (password.Length > 0)
        {
            methods.Add(new PasswordAuthenticationMethod(user, password));
            // Servers that take passwords only through keyboard-interactive ask for it as a prompt.
            var interactive = new KeyboardInteractiveAuthenticationMethod(user);
            interactive.AuthenticationPrompt += (_, e) =>
            {
                foreach (var prompt in e.Prompts)
                    prompt.Response = password;
            };
            methods.Add(interactive);
        }
        if (methods.Count == 0)
            throw new CloudRefusal(
                CloudRefusalKind.Credentials,
                "Neither a private key nor a password is given",
                "NoCredentials"
            );
        return methods;
    }

    private static PrivateKeyFile ReadKey(string key, CloudAccess access)
    {
        var passphrase = access.Secret(BareMetalProvider.KeyPassphraseField);
        try
        {
            using var text = new MemoryStream(Encoding.UTF8.GetBytes(key.ReplaceLineEndings("\n") + "\n"));
            return new PrivateKeyFile(text, passphrase.Length == 0 ? null : passphrase);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            throw new CloudRefusal(
                CloudRefusalKind.Credentials,
                "The private key is encrypted and no passphrase is given",
                "KeyPassphraseMissing"
            );
        }
        catch (Exception e)
            when (e
                    is SshException
                        or CryptographicException
                        or FormatException
                        or ArgumentException
                        or InvalidOperationException
                        or NotSupportedException
            )
        {
            throw new CloudRefusal(
                CloudRefusalKind.Credentials,
                $"The private key cannot be read: {e.Message}",
                "InvalidPrivateKey"
            );
        }
    }

    private static string OutputSoFar(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is SshException or InvalidOperationException or ObjectDisposedException)
        {
            return "";
        }
    }

    private static void Dispose(SshClient client, IEnumerable<AuthenticationMethod> methods)
    {
        client.Dispose();
        foreach (var method in methods.OfType<IDisposable>())
            method.Dispose();
    }
}

/// <summary>How a command ended on a machine; <see cref="TimedOut"/> when it was stopped at its time bound.</summary>
internal sealed record ShellRun(int? ExitStatus, string? ExitSignal, string Output, string Error, bool TimedOut)
{
    public bool Succeeded => !TimedOut && ExitStatus == 0;
}

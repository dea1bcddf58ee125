using System.Text.RegularExpressions;
using Portal.Domain.Builds;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// What one contact with a repository needs on disk, in a private temporary folder removed when the session ends: the
/// askpass helper that hands git a token or password from the environment (never the URL or the arguments), the SSH key
/// (0600) and the source's known_hosts. It also scrubs the credential out of anything git printed.
/// </summary>
internal sealed partial class GitSession : IDisposable
{
    private const string UserVariable = "PORTAL_GIT_USERNAME";
    private const string SecretVariable = "PORTAL_GIT_PASSWORD";

    private readonly GitCredential _credential;
    private readonly string _knownHostsFile;
    private readonly Dictionary<string, string> _environment;

    public string Folder { get; }
    public IReadOnlyDictionary<string, string> Environment => _environment;

    private GitSession(GitRemote remote)
    {
        _credential = remote.Credential;
        Folder = Directory.CreateTempSubdirectory("portal-git-").FullName;
        // CreateTempSubdirectory makes it 0700: only the portal's user reads the credential files in it.
        try
        {
            var emptyConfig = WriteFile("gitconfig", "", executable: false);
            _knownHostsFile = WriteFile("known_hosts", remote.KnownHosts, executable: false);
            _environment = new Dictionary<string, string>
            {
                ["HOME"] = Folder,
                ["LC_ALL"] = "C",
                ["LANGUAGE"] = "C",
                ["GIT_TERMINAL_PROMPT"] = "0",
                ["GIT_CONFIG_NOSYSTEM"] = "1",
                ["GIT_CONFIG_GLOBAL"] = emptyConfig,
                ["GIT_ALLOW_PROTOCOL"] = "https:http:ssh:file",
                ["GIT_SSH_COMMAND"] = SshCommand(),
            };
            if (_credential.Kind is GitCredentialKind.Token or GitCredentialKind.UserPassword)
            {
                _environment["GIT_ASKPASS"] = WriteFile("askpass", AskPassScript, executable: true);
                _environment[UserVariable] = _credential.UserName;
                _environment[SecretVariable] = _credential.Secret;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public static GitSession Open(GitRemote remote) => new(remote);

    /// <summary>The host keys known at the end of the contact, to be kept with the source.</summary>
    public string KnownHosts => File.Exists(_knownHostsFile) ? File.ReadAllText(_knownHostsFile) : "";

    /// <summary>
    /// <paramref name="text"/> without the credential: the secret, each line of a key, and any user:password in a URL.
    /// </summary>
    public string Scrub(string text)
    {
        if (_credential.Kind != GitCredentialKind.None)
        {
            foreach (var line in _credential.Secret.Split('\n', StringSplitOptions.TrimEntries))
            {
                if (line.Length >= 4)
                    text = text.Replace(line, "***", StringComparison.Ordinal);
            }
        }
        return UrlUserInfo().Replace(text, "$1***@");
    }

    private string SshCommand()
    {
        // "IdentityFile none": without a key of its own, ssh must not try the portal user's default keys.
        var identity = "-o IdentityFile=none";
        if (_credential.Kind == GitCredentialKind.SshKey)
            identity = $"-i {Quoted(WriteFile("id_key", _credential.Secret, executable: false))}";
        // -F /dev/null: the portal user's ~/.ssh/config must not apply; BatchMode: never ask; the host key of a first
        // contact is accepted and kept, a changed one refused.
        return string.Join(
            ' ',
            "ssh -F /dev/null",
            identity,
            "-o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o PasswordAuthentication=no",
            "-o StrictHostKeyChecking=accept-new -o GlobalKnownHostsFile=/dev/null",
            $"-o UserKnownHostsFile={Quoted(_knownHostsFile)}",
            "-o ConnectTimeout=15 -o ServerAliveInterval=15"
        );
    }

    private string WriteFile(string name, string content, bool executable)
    {
        var path = Path.Combine(Folder, name);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | (executable ? UnixFileMode.UserExecute : 0);
        using (var stream = FileModes.Create(path, FileAccess.Write, mode))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        return path;
    }

    private static string Quoted(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Gone already.
        }
    }

    private const string AskPassScript = $"""
        #!/bin/sh
        case "$1" in
          Username*) printf '%s\n' "${UserVariable}" ;;
          *) printf '%s\n' "${SecretVariable}" ;;
        esac

        """;

    [GeneratedRegex(@"([a-z][a-z0-9+.-]*://)[^/@\s]+@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlUserInfo();
}

using System.Buffers.Binary;
using System.Text;
using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>What a source signs in to its repository with.</summary>
public enum GitCredentialKind
{
    None,

    /// <summary>
    /// An access token sent as the password over HTTPS (GitHub, GitLab, Gitea personal access tokens).
    /// </summary>
    Token,
    UserPassword,
    SshKey,
}

/// <summary>
/// A credential in clear, as the Git client needs it: held only in memory while a repository is reached, sealed before
/// it is stored. Its text never shows the secret, so it cannot reach a log or an exception by accident.
/// </summary>
public sealed class GitCredential
{
    public const int MaxSecretLength = 16 * 1024;
    public const int MaxUserNameLength = 200;

    /// <summary>The user name a token is sent with; GitHub, GitLab and Gitea accept any non-empty one.</summary>
    public const string TokenUserName = "x-access-token";

    public static readonly GitCredential None = new(GitCredentialKind.None, "", "");

    public GitCredentialKind Kind { get; }

    /// <summary>The user name for HTTPS; empty for none and for an SSH key (the URL names the SSH user).</summary>
    public string UserName { get; }

    /// <summary>The token, the password or the private key (OpenSSH or PEM text).</summary>
    public string Secret { get; }

    private GitCredential(GitCredentialKind kind, string userName, string secret)
    {
        Kind = kind;
        UserName = userName;
        Secret = secret;
    }

    public override string ToString() => Kind == GitCredentialKind.None ? "no credential" : $"a {Kind} credential";

    /// <summary>
    /// A credential of <paramref name="kind"/> that suits <paramref name="transport"/>: a token or a password for
    /// HTTPS,
    /// a key without a passphrase for SSH.
    /// </summary>
    public static Result<GitCredential> Create(
        GitCredentialKind kind,
        string? userName,
        string? secret,
        GitTransport transport
    )
    {
        var user = userName?.Trim() ?? "";
        var value = kind == GitCredentialKind.SshKey ? (secret ?? "").Trim() : secret ?? "";
        switch (kind)
        {
            case GitCredentialKind.None:
                return None;
            case GitCredentialKind.Token or GitCredentialKind.UserPassword when transport == GitTransport.Ssh:
                return Problem.Invalid(
                    "CredentialKind",
                    "An SSH repository URL signs in with an SSH key; a token or password goes with an https:// URL."
                );
            case GitCredentialKind.SshKey when transport == GitTransport.Https:
                return Problem.Invalid(
                    "CredentialKind",
                    "An SSH key signs in to an SSH URL (git@host:owner/repo.git); "
                        + "use a token or password with https://."
                );
        }
        var problems = new List<Problem>();
        if (value.Length == 0)
            problems.Add(Problem.Invalid("Secret", $"The {Describe(kind)} is required."));
        else if (value.Length > MaxSecretLength)
            problems.Add(Problem.Invalid("Secret", $"The {Describe(kind)} is at most {MaxSecretLength} characters."));
        else if (kind != GitCredentialKind.SshKey && value.Any(char.IsControl))
            problems.Add(Problem.Invalid("Secret", $"The {Describe(kind)} holds a line break or control character."));
        else if (kind == GitCredentialKind.SshKey && SshKeyRefusal(value) is { } refusal)
            problems.Add(Problem.Invalid("Secret", refusal));
        if (kind == GitCredentialKind.UserPassword)
        {
            if (user.Length == 0)
                problems.Add(Problem.Invalid("UserName", "A user name is required with a password."));
            else if (user.Length > MaxUserNameLength || user.Any(c => char.IsControl(c) || c == ':'))
                problems.Add(
                    Problem.Invalid(
                        "UserName",
                        $"A user name is 1 to {MaxUserNameLength} characters without ':' or control characters."
                    )
                );
        }
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return kind switch
        {
            GitCredentialKind.Token => new GitCredential(kind, TokenUserName, value),
            GitCredentialKind.UserPassword => new GitCredential(kind, user, value),
            _ => new GitCredential(kind, "", value.ReplaceLineEndings("\n") + "\n"),
        };
    }

    /// <summary>A credential read back from storage, already checked when it was stored.</summary>
    public static GitCredential Restore(GitCredentialKind kind, string userName, string secret) =>
        kind == GitCredentialKind.None ? None : new GitCredential(kind, userName, secret);

    private static string Describe(GitCredentialKind kind) =>
        kind switch
        {
            GitCredentialKind.Token => "token",
            GitCredentialKind.UserPassword => "password",
            _ => "private key",
        };

    private static string? SshKeyRefusal(string key)
    {
        if (!key.StartsWith("-----BEGIN ", StringComparison.Ordinal) || !key.Contains("PRIVATE KEY-----"))
            return "The SSH key is the private key's text, from '-----BEGIN … PRIVATE KEY-----' to its END line.";
        if (key.Contains("ENCRYPTED", StringComparison.Ordinal))
            return "The SSH key is protected by a passphrase; the portal needs a key without one (a deploy key).";
        if (!key.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", StringComparison.Ordinal))
            return null;
        var body = string.Concat(key.Split('\n').Where(line => line.Length > 0 && !line.StartsWith("-----"))).Trim();
        try
        {
            var bytes = Convert.FromBase64String(body);
            var magic = "openssh-key-v1\0"u8;
            if (!bytes.AsSpan().StartsWith(magic))
                return "The SSH key's text is damaged: it is not an OpenSSH private key.";
            var cipherLength = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(magic.Length));
            var cipher = Encoding.ASCII.GetString(bytes, magic.Length + 4, cipherLength);
            return cipher == "none"
                ? null
                : "The SSH key is protected by a passphrase; the portal needs a key without one (a deploy key).";
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            return "The SSH key's text is damaged: it is not an OpenSSH private key.";
        }
    }
}

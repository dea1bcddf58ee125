using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>How the portal reaches a repository: HTTPS (token or user/password) or SSH (a key).</summary>
public enum GitTransport
{
    Https,
    Ssh,
}

/// <summary>
/// The address of a Git repository a tenant builds from: <c>https://host/owner/repo.git</c>,
/// <c>ssh://git@host[:port]/owner/repo.git</c> or the short SSH form <c>git@host:owner/repo.git</c>. It never carries
/// a credential: a password or token in the address would be stored and shown in clear, so it is refused.
/// </summary>
public sealed partial record GitRepositoryUrl
{
    public const int MaxLength = 500;
    public const string Field = "RepositoryUrl";

    public string Value { get; }
    public GitTransport Transport { get; }

    /// <summary>The host name or address, without port or brackets.</summary>
    public string Host { get; }

    /// <summary>The port given in the address, or null for the transport's default.</summary>
    public int? Port { get; }

    private GitRepositoryUrl(string value, GitTransport transport, string host, int? port)
    {
        Value = value;
        Transport = transport;
        Host = host;
        Port = port;
    }

    public override string ToString() => Value;

    public static Result<GitRepositoryUrl> Parse(string? url)
    {
        var value = url?.Trim() ?? "";
        if (value.Length == 0)
            return Problem.Invalid(Field, "A repository URL is required.");
        if (value.Length > MaxLength)
            return Problem.Invalid(Field, $"A repository URL is at most {MaxLength} characters.");
        if (value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            return Problem.Invalid(Field, "A repository URL has no spaces or control characters.");
        if (value.StartsWith('-'))
            return Problem.Invalid(Field, "A repository URL cannot start with '-'.");
        if (ScpLike().Match(value) is { Success: true } scp)
            return FromScpLike(value, scp);
        if (!value.Contains("://", StringComparison.Ordinal))
            return Problem.Invalid(
                Field,
                "A repository URL is https://host/owner/repo.git, ssh://git@host/owner/repo.git or "
                    + "git@host:owner/repo.git."
            );
        // Checked on the text as given: Uri would fold "a/../b" into "b" before anyone saw it.
        if (value[(value.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/').Any(s => s is "." or ".."))
            return Problem.Invalid(Field, "The repository path cannot hold '.' or '..' segments.");
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
            return Problem.Invalid(Field, $"'{Shown(value)}' is not a URL.");
        return uri.Scheme switch
        {
            "https" => FromUri(value, uri, GitTransport.Https),
            "ssh" => FromUri(value, uri, GitTransport.Ssh),
            "http" => Problem.Invalid(
                Field,
                "Plain http:// would send credentials and code unencrypted; use the repository's https:// URL."
            ),
            _ => Problem.Invalid(
                Field,
                $"The scheme '{uri.Scheme}' is not supported: use an https:// or ssh:// URL, "
                    + "or git@host:owner/repo.git."
            ),
        };
    }

    private static Result<GitRepositoryUrl> FromUri(string value, Uri uri, GitTransport transport)
    {
        if (uri.UserInfo.Contains(':', StringComparison.Ordinal))
            return Problem.Invalid(
                Field,
                "The URL holds a password; remove it and give the credential in its own fields, where it is sealed."
            );
        if (transport == GitTransport.Https && uri.UserInfo.Length > 0)
            return Problem.Invalid(
                Field,
                "The URL holds a user name; remove it and give the user name with the credential."
            );
        if (uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
            return Problem.Invalid(Field, "The URL names no host.");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            return Problem.Invalid(Field, "A repository URL has no query (?…) or fragment (#…).");
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length == 0)
            return Problem.Invalid(Field, "The URL names a host but no repository: add its path (owner/repo.git).");
        if (path.Split('/').Any(segment => segment is "." or ".."))
            return Problem.Invalid(Field, "The repository path cannot hold '.' or '..' segments.");
        return new GitRepositoryUrl(value, transport, uri.IdnHost.Trim('[', ']'), uri.IsDefaultPort ? null : uri.Port);
    }

    private static Result<GitRepositoryUrl> FromScpLike(string value, Match scp)
    {
        var host = scp.Groups["host"].Value;
        var path = scp.Groups["path"].Value.Trim('/');
        if (path.Length == 0)
            return Problem.Invalid(Field, "The URL names a host but no repository: add its path (owner/repo.git).");
        if (path.Split('/').Any(segment => segment is "." or ".."))
            return Problem.Invalid(Field, "The repository path cannot hold '.' or '..' segments.");
        if (Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
            return Problem.Invalid(Field, $"'{host}' is not a host name.");
        return new GitRepositoryUrl(value, GitTransport.Ssh, host, null);
    }

    private static string Shown(string value) => value.Length > 80 ? value[..80] + "…" : value;

    // user@host:path, as Git reads it: no scheme, and no slash before the first colon.
    [GeneratedRegex(@"^(?<user>[A-Za-z0-9._-]+)@(?<host>[A-Za-z0-9.-]+):(?<path>[^/][^:]*)$")]
    private static partial Regex ScpLike();
}

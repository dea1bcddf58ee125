using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// A repository as the Git client reaches it: its URL (a user's has passed <see cref="GitRepositoryUrl"/>; the
/// portal's own tests use <c>file://</c> ones), the credential in clear, and the SSH host keys met before.
/// </summary>
public sealed record GitRemote(string Url, GitCredential Credential, string KnownHosts = "")
{
    public override string ToString() => $"{Url} with {Credential}";
}

public enum GitRefKind
{
    Branch,
    Tag,
}

/// <summary>
/// A repository answered: the ref is a branch or a tag at <paramref name="Commit"/>; <paramref name="KnownHosts"/>
/// holds the SSH host keys known after the contact (to be kept), empty over HTTPS.
/// </summary>
public sealed record GitConnection(GitRefKind RefKind, string Commit, string KnownHosts);

/// <summary>A commit as a build records it.</summary>
public sealed record GitCommit(string Sha, string Subject, string Author, string AuthorEmail, DateTimeOffset Time)
{
    public string ShortSha => Sha[..Math.Min(12, Sha.Length)];
}

/// <summary>The commit fetched into a directory, and the SSH host keys known after the contact.</summary>
public sealed record GitCheckout(GitCommit Commit, string KnownHosts);

/// <summary>
/// Reaches Git repositories. Every refusal is a <see cref="Problem"/> in words a developer acts on (host unknown or
/// unreachable, credential refused, not a repository, ref missing), at the field it concerns, and never quotes the
/// credential.
/// </summary>
public interface IGitClient
{
    /// <summary>
    /// Asks the repository where <paramref name="refName"/> (a branch, else a tag) points, fetching nothing.
    /// </summary>
    Task<Result<GitConnection>> TestConnectionAsync(GitRemote remote, string refName, CancellationToken ct);

    /// <summary>
    /// Fetches one commit — a branch, a tag or a full commit id — without history into <paramref name="directory"/>,
    /// which must not exist yet, and checks that <paramref name="subDirectory"/> is a folder in it. The directory holds
    /// the files only (no <c>.git</c>); on any refusal or failure it is not left behind.
    /// </summary>
    Task<Result<GitCheckout>> FetchAsync(
        GitRemote remote,
        string refOrCommit,
        SourceSubDirectory subDirectory,
        string directory,
        CancellationToken ct
    );
}

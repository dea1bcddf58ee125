using Portal.Domain.Tenancy;

namespace Portal.Domain.Builds;

/// <summary>
/// The Git repository an application is built from: its URL, the branch or tag followed, the application's folder in
/// it, and how the portal signs in. The credential is kept only sealed, in a field this type never shows: readers learn
/// whether one is set and of which kind, nothing more. The SSH host keys met on first contact are kept, so that a host
/// that changes its key later is refused rather than trusted.
/// </summary>
public sealed class AppSource : ITenantOwned
{
    public const int MaxCommitLength = 64;

    // Sealed by the infrastructure; mapped by EF Core and read back through it, never through this type.
#pragma warning disable IDE0044, IDE0052, CS0414 // read and written by EF Core
    private string _sealedCredential = "";
#pragma warning restore IDE0044, IDE0052, CS0414

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public string RepositoryUrl { get; private set; } = "";
    public string Ref { get; private set; } = "";

    /// <summary>The application's folder in the repository; empty for its root.</summary>
    public string SubDirectory { get; private set; } = "";

    public GitCredentialKind CredentialKind { get; private set; }
    public bool HasCredential => CredentialKind != GitCredentialKind.None;

    /// <summary>
    /// The SSH host keys accepted on first contact, in known_hosts form; empty for HTTPS or before then.
    /// </summary>
    public string KnownHosts { get; private set; } = "";

    /// <summary>The commit the ref pointed to when the connection was last tested.</summary>
    public string? CheckedCommit { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    private AppSource() { }

    public GitSourceAddress Address =>
        new(
            GitRepositoryUrl.Parse(RepositoryUrl).Value,
            GitRefName.Parse(Ref).Value,
            SourceSubDirectory.Parse(SubDirectory).Value
        );

    /// <summary>
    /// A new source for an application, already test-connected at <paramref name="checkedCommit"/>;
    /// <paramref name="sealedCredential"/> is the credential sealed for storage (empty with none).
    /// </summary>
    public static AppSource Connect(
        Guid tenantId,
        Guid applicationId,
        GitSourceAddress address,
        GitCredentialKind credentialKind,
        string sealedCredential,
        string checkedCommit,
        string knownHosts,
        DateTime now
    )
    {
        var source = new AppSource
        {
            Id = Guid.NewGuid(),
            TenantId = tenantId,
            ApplicationId = applicationId,
            CreatedAt = now,
        };
        source.Replace(address, credentialKind, sealedCredential, checkedCommit, knownHosts, now);
        return source;
    }

    /// <summary>
    /// Points the source elsewhere, or signs in differently. Host keys are kept only for the same host and port: a new
    /// host is met afresh.
    /// </summary>
    public void Replace(
        GitSourceAddress address,
        GitCredentialKind credentialKind,
        string sealedCredential,
        string checkedCommit,
        string knownHosts,
        DateTime now
    )
    {
        if (credentialKind == GitCredentialKind.None != (sealedCredential.Length == 0))
            throw new ArgumentException("A credential is sealed exactly when its kind is not None.");
        RepositoryUrl = address.Url.Value;
        Ref = address.Ref.Value;
        SubDirectory = address.SubDirectory.Value;
        CredentialKind = credentialKind;
        _sealedCredential = sealedCredential;
        CheckedCommit = checkedCommit;
        KnownHosts = knownHosts;
        UpdatedAt = now;
    }

    /// <summary>
    /// Whether a stored credential may be reused for <paramref name="address"/>: only toward the same host, port and
    /// transport, or whoever may edit the source could send it to a server of their own.
    /// </summary>
    public bool MayReuseCredentialFor(GitSourceAddress address)
    {
        var current = Address.Url;
        return HasCredential
            && current.Transport == address.Url.Transport
            && string.Equals(current.Host, address.Url.Host, StringComparison.OrdinalIgnoreCase)
            && current.Port == address.Url.Port;
    }

    /// <summary>Whether the host keys kept so far belong to <paramref name="address"/>'s host.</summary>
    public bool SameHostAs(GitSourceAddress address) =>
        string.Equals(Address.Url.Host, address.Url.Host, StringComparison.OrdinalIgnoreCase)
        && Address.Url.Port == address.Url.Port;

    /// <summary>Host keys learnt on a later contact (the first one over SSH).</summary>
    public void RememberHostKeys(string knownHosts) => KnownHosts = knownHosts;
}

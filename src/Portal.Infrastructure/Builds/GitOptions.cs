namespace Portal.Infrastructure.Builds;

/// <summary>How the portal runs Git: <c>Portal:Builds:Git</c>.</summary>
public sealed class GitOptions
{
    public const string Section = "Portal:Builds:Git";

    /// <summary>The git executable: a name found on PATH or a full path.</summary>
    public string GitPath { get; set; } = "git";

    /// <summary>How long a connection test (<c>git ls-remote</c>) may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long fetching one commit may take.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whether repositories on private, loopback and link-local addresses may be reached (a private forge).
    /// </summary>
    public bool AllowPrivateHosts { get; set; }

    /// <summary>Hosts, addresses or CIDR ranges reachable even when private (an in-house GitLab).</summary>
    public List<string> AllowedHosts { get; set; } = [];

    public bool IsValid() =>
        !string.IsNullOrWhiteSpace(GitPath) && ConnectTimeout > TimeSpan.Zero && FetchTimeout > TimeSpan.Zero;
}

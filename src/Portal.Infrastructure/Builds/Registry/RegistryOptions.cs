namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// Bound from <c>Portal:Builds:Registry</c>. Embedded (the default), the portal runs Debian's
/// <c>docker-registry</c> on a loopback port with credentials it makes at each start; otherwise it uses the registry
/// at <see cref="Url"/> (Harbor, a cloud registry) with the configured user and password. Neither embedded nor
/// with a URL, there is no registry, and builds say so.
/// </summary>
public sealed class RegistryOptions
{
    public const string Section = "Portal:Builds:Registry";

    public bool Embedded { get; set; } = true;

    /// <summary>The registry's base address, like https://registry.example.com; for a registry not embedded.</summary>
    public string Url { get; set; } = "";

    public string User { get; set; } = "";

    /// <summary>In clear, from a secret store or an environment variable; or empty, and the sealed one set.</summary>
    public string Password { get; set; } = "";

    /// <summary>The password sealed with the Data Protection key ring (<see cref="RegistryPasswordSeal"/>).</summary>
    public string SealedPassword { get; set; } = "";

    /// <summary>
    /// The user clusters pull the portal's images with (a read-only robot account, where the registry has them); empty:
    /// <see cref="User"/>. Put in each environment's namespace as the pull secret.
    /// </summary>
    public string PullUser { get; set; } = "";

    /// <summary>
    /// Its password, in clear from a secret store or an environment variable; empty with no pull user: the registry's
    /// own.
    /// </summary>
    public string PullPassword { get; set; } = "";

    /// <summary>Off only for a registry whose certificate cannot be checked; a plain-http URL needs no TLS.</summary>
    public bool VerifyTls { get; set; } = true;

    /// <summary>The embedded registry's loopback port; 0 picks a free one at each start.</summary>
    public int EmbeddedPort { get; set; }

    /// <summary>Where the embedded registry keeps its images; empty: App_Data/registry in the content root.</summary>
    public string EmbeddedDataDirectory { get; set; } = "";

    public string EmbeddedExecutable { get; set; } = "docker-registry";

    public TimeSpan EmbeddedStartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Why these settings cannot work, or null.</summary>
    public string? Invalid()
    {
        if (EmbeddedPort is < 0 or > 65535)
            return $"{Section}:EmbeddedPort is 0 (a free port) or a port from 1 to 65535.";
        if (EmbeddedStartTimeout <= TimeSpan.Zero)
            return $"{Section}:EmbeddedStartTimeout must be positive.";
        if (Embedded || Url.Length == 0)
            return null;
        if (
            !Uri.TryCreate(Url, UriKind.Absolute, out var url)
            || url.Scheme is not ("http" or "https")
            || url.PathAndQuery != "/"
        )
            return $"{Section}:Url must be the registry's http(s) base address without a path, "
                + "like https://registry.example.com.";
        if (Password.Length > 0 && SealedPassword.Length > 0)
            return $"{Section}: set Password or SealedPassword, not both.";
        if (PullPassword.Length > 0 && PullUser.Length == 0)
            return $"{Section}: PullPassword goes with a PullUser.";
        return null;
    }
}

using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Clusters;

public enum ClusterHealth
{
    Unknown = 0,
    Healthy = 1,
    Unreachable = 2,
}

/// <summary>
/// A Kubernetes cluster the platform runs on, registered by kubeconfig. The kubeconfig is kept only in
/// protected form; what pages show comes from the last contact.
/// </summary>
public sealed class Cluster
{
    public const int NameMaxLength = 40;

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public string ApiServer { get; private set; } = "";
    public string ProtectedKubeconfig { get; private set; } = "";

    /// <summary>
    /// Moves with every replaced kubeconfig, so that every replica's cached client can tell its credentials are old.
    /// </summary>
    public int KubeconfigVersion { get; private set; }

    /// <summary>
    /// The kubeconfig turns off TLS verification (insecure-skip-tls-verify), as a platform admin explicitly accepted.
    /// </summary>
    public bool TlsUnverified { get; private set; }
    public DateTime RegisteredAt { get; private set; }
    public string RegisteredBy { get; private set; } = "";

    public ClusterHealth Health { get; private set; }
    public string? KubernetesVersion { get; private set; }
    public DateTime? LastContactAt { get; private set; }
    public DateTime? LastCheckedAt { get; private set; }
    public string? LastError { get; private set; }

    /// <summary>
    /// Since when the watch of the cluster's nodes and pods keeps failing (hosts and pods shown may be stale); null
    /// when it runs.
    /// </summary>
    public DateTime? WatchFailingSince { get; private set; }

    /// <summary>Why the watch failed last, in words (e.g. "pod watch: 401 Unauthorized").</summary>
    public string? WatchError { get; private set; }

    private Cluster() { }

    public static Result<Cluster> Register(
        string? name,
        string? displayName,
        string apiServer,
        string protectedKubeconfig,
        string? version,
        string registeredBy,
        DateTime now,
        bool tlsUnverified = false
    )
    {
        var validName = TenantSlug.Create(name, "Name");
        if (!validName.Succeeded)
            return Problem.Invalid(
                "Name",
                validName.Problem!.Message.Replace("slug", "cluster name", StringComparison.Ordinal)
            );
        var validDisplay = Tenancy.DisplayName.Create(string.IsNullOrWhiteSpace(displayName) ? name : displayName);
        if (!validDisplay.Succeeded)
            return validDisplay.Problem!;
        return new Cluster
        {
            Id = Guid.NewGuid(),
            Name = validName.Value.Value,
            DisplayName = validDisplay.Value,
            ApiServer = apiServer,
            ProtectedKubeconfig = protectedKubeconfig,
            TlsUnverified = tlsUnverified,
            RegisteredAt = now,
            RegisteredBy = registeredBy,
            Health = ClusterHealth.Healthy,
            KubernetesVersion = version,
            LastContactAt = now,
            LastCheckedAt = now,
        };
    }

    /// <summary>
    /// Points the cluster at a new kubeconfig (rotated credentials, a moved API server) that was just probed.
    /// </summary>
    public void ReplaceKubeconfig(
        string apiServer,
        string protectedKubeconfig,
        string? version,
        DateTime now,
        bool tlsUnverified = false
    )
    {
        ApiServer = apiServer;
        ProtectedKubeconfig = protectedKubeconfig;
        TlsUnverified = tlsUnverified;
        KubeconfigVersion++;
        RecordContact(version, now);
    }

    public void RecordContact(string? version, DateTime now)
    {
        Health = ClusterHealth.Healthy;
        KubernetesVersion = version ?? KubernetesVersion;
        LastContactAt = now;
        LastCheckedAt = now;
        LastError = null;
    }

    /// <summary>
    /// The watch failed and starts over: the cluster shows degraded, since its first failure in a row, with the last
    /// reason.
    /// </summary>
    public void WatchFailed(string error, DateTime now)
    {
        WatchFailingSince ??= now;
        WatchError = error.Length > 500 ? error[..500] : error;
    }

    public void WatchRecovered()
    {
        WatchFailingSince = null;
        WatchError = null;
    }

    public void RecordFailure(string error, DateTime now)
    {
        Health = ClusterHealth.Unreachable;
        LastCheckedAt = now;
        LastError = error.Length > 500 ? error[..500] : error;
    }
}

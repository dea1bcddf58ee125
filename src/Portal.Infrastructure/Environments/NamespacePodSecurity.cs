namespace Portal.Infrastructure.Environments;

/// <summary>
/// The Pod Security admission levels of every environment's namespace. The cluster enforces <b>baseline</b>: no
/// privileged containers, host namespaces, hostPath volumes, host ports or added capabilities, whatever created the
/// pod. It warns and audits at <b>restricted</b>, which most official middleware images (postgres, mysql, redis, …) do
/// not meet, since they start as root to prepare their data directory and then drop to their own user: enforcing it
/// would refuse their pods. The portal's own templates and applications meet baseline
/// (<see cref="TenantObjectPolicy"/>). "latest" follows the cluster's version of each standard.
/// </summary>
public static class NamespacePodSecurity
{
    public const string Enforce = "baseline";
    public const string WarnAndAudit = "restricted";

    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>(
        StringComparer.Ordinal
    )
    {
        ["pod-security.kubernetes.io/enforce"] = Enforce,
        ["pod-security.kubernetes.io/enforce-version"] = "latest",
        ["pod-security.kubernetes.io/warn"] = WarnAndAudit,
        ["pod-security.kubernetes.io/warn-version"] = "latest",
        ["pod-security.kubernetes.io/audit"] = WarnAndAudit,
        ["pod-security.kubernetes.io/audit-version"] = "latest",
    };
}

using Microsoft.Extensions.Options;
using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Monitoring.Sources;

/// <summary>
/// Where a pool's Prometheus may be: a real one is almost always on a private network, which operators allow here.
/// </summary>
public sealed class PrometheusOptions
{
    public const string Section = "Portal:Monitoring:Prometheus";

    /// <summary>
    /// Lets Prometheus addresses reach loopback, private and link-local addresses (the cloud metadata address
    /// included).
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>
    /// Host names, addresses or CIDR ranges a Prometheus address may reach even though they are private.
    /// </summary>
    public List<string> AllowedTargets { get; set; } = [];
}

/// <summary>
/// Keeps the Prometheus address a platform admin gives a pool from reaching the portal's own network (SSRF) unless the
/// operators allowed it in <c>Portal:Monitoring:Prometheus</c>: checked when the address is saved and again when
/// connecting.
/// </summary>
public sealed class PrometheusTargetGuard(IOptions<PrometheusOptions> options)
    : NetworkTargetGuard(
        options.Value.AllowPrivateTargets,
        options.Value.AllowedTargets,
        new TargetWording(
            "Prometheus server",
            "PrometheusUrl",
            "read from",
            $"{PrometheusOptions.Section}:AllowedTargets"
        )
    );

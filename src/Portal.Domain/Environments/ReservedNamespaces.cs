using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Environments;

/// <summary>
/// Namespaces no environment may have, because the cluster, its distribution or its usual add-ons keep them (and the
/// operator may add the portal's own and others): exact names, and prefixes written "kube-*". A tenant slug is refused
/// when every namespace of its environments ("{slug}-{environment}") would fall under a reserved prefix.
/// </summary>
public sealed partial class ReservedNamespaces
{
    /// <summary>
    /// Kubernetes' own (kube-*, default), OpenShift's, Rancher's (cattle-*), GKE's (gke-*) and the namespaces the most
    /// common add-ons install into. Namespaces that exist in a cluster are refused anyway when an environment is
    /// created; these are refused even before they exist, so that an add-on installed later does not land in a tenant's
    /// namespace.
    /// </summary>
    public static readonly IReadOnlyList<string> BuiltIn =
    [
        "kube-*",
        "default",
        "openshift",
        "openshift-*",
        "cattle-*",
        "gke-*",
        "cert-manager",
        "ingress-nginx",
        "istio-system",
        "istio-ingress",
        "gatekeeper-system",
        "calico-system",
        "calico-apiserver",
        "tigera-operator",
        "flux-system",
        "argocd",
        "metallb-system",
        "longhorn-system",
        "local-path-storage",
        "kubernetes-dashboard",
        "monitoring",
        "logging",
        "olm",
        "operators",
        "velero",
        "linkerd",
        "knative-serving",
        "knative-eventing",
        "tekton-pipelines",
        "gmp-system",
        "gmp-public",
        "amazon-cloudwatch",
        "amazon-guardduty",
        "aws-observability",
        "fleet-system",
        "fleet-default",
    ];

    private readonly HashSet<string> _names;
    private readonly List<string> _prefixes;

    private ReservedNamespaces(HashSet<string> names, List<string> prefixes)
    {
        _names = names;
        _prefixes = prefixes;
    }

    /// <summary>The built-in entries and these: namespace names, or prefixes ending in "-*".</summary>
    public static Result<ReservedNamespaces> Parse(IEnumerable<string> extra)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var prefixes = new List<string>();
        foreach (var entry in BuiltIn.Concat(extra.Select(e => e.Trim())))
        {
            if (entry.EndsWith("-*", StringComparison.Ordinal) && LabelPattern().IsMatch(entry[..^2]))
            {
                prefixes.Add(entry[..^1]);
            }
            else if (LabelPattern().IsMatch(entry))
            {
                names.Add(entry);
            }
            else
            {
                return Problem.Invalid(
                    "Reserved",
                    $"'{entry}' is neither a namespace name nor a prefix like 'corp-*' "
                        + "(lowercase letters, digits and '-')."
                );
            }
        }
        return new ReservedNamespaces(names, prefixes.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>Refuses a namespace that is reserved, naming the rule, against the field that chose it.</summary>
    public Result CheckNamespace(string @namespace, string field)
    {
        if (_names.Contains(@namespace))
            return Problem.Invalid(
                field,
                $"Namespace '{@namespace}' is reserved for the cluster's own use; choose another name."
            );
        if (_prefixes.FirstOrDefault(p => @namespace.StartsWith(p, StringComparison.Ordinal)) is { } prefix)
        {
            return Problem.Invalid(
                field,
                $"Namespace '{@namespace}' is reserved for the cluster's own use (names "
                    + $"starting with '{prefix}'); choose another name."
            );
        }

        return Result.Ok();
    }

    /// <summary>
    /// Refuses a slug under which every environment's namespace would be reserved ("kube", "kube-team").
    /// </summary>
    public Result CheckTenantSlug(string slug, string field)
    {
        if (
            _prefixes.FirstOrDefault(p => slug == p[..^1] || slug.StartsWith(p, StringComparison.Ordinal)) is { } prefix
        )
        {
            return Problem.Invalid(
                field,
                $"The slug '{slug}' is reserved: every namespace of its environments "
                    + $"would start with '{prefix}', which the cluster keeps for its own use."
            );
        }

        return Result.Ok();
    }

    [GeneratedRegex(@"\A[a-z0-9]([a-z0-9-]*[a-z0-9])?\z")]
    private static partial Regex LabelPattern();
}

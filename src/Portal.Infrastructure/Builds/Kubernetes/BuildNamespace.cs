using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Portal.Infrastructure.Environments;

namespace Portal.Infrastructure.Builds.Kubernetes;

/// <summary>
/// The namespace a tenant's builds run in, in the cluster of the tenant's build pool: "{tenant}--builds". An
/// environment's namespace is "{tenant}-{environment}" with no two dashes in a row (<c>NamespaceName</c>), and a
/// tenant's slug has none either, so no environment of any tenant can ever have this name, nor can two tenants share
/// it. It is kept apart from the environments because it needs another Pod Security level (see
/// <see cref="BuildJobManifests"/>) and holds the build's credentials, which no application should read. Like an
/// environment's, it is made by the portal, labelled with the tenant's id, and used only when so labelled.
/// </summary>
public static class BuildNamespace
{
    public const string PurposeLabel = "portal/purpose";
    public const string Purpose = "builds";

    public static string For(string tenantSlug) => $"{tenantSlug}--builds";

    public static V1Namespace Render(string tenantSlug, Guid tenantId) =>
        new()
        {
            ApiVersion = "v1",
            Kind = "Namespace",
            Metadata = new V1ObjectMeta
            {
                Name = For(tenantSlug),
                Labels = new Dictionary<string, string>
                {
                    [Ownership.ManagedByLabel] = EnvironmentProvisioner.ManagedBy,
                    [Ownership.TenantLabel] = tenantSlug,
                    [Ownership.TenantIdLabel] = tenantId.ToString(),
                    [PurposeLabel] = Purpose,
                    ["pod-security.kubernetes.io/enforce"] = "privileged",
                    ["pod-security.kubernetes.io/warn"] = NamespacePodSecurity.Enforce,
                    ["pod-security.kubernetes.io/audit"] = NamespacePodSecurity.Enforce,
                },
            },
        };

    /// <summary>
    /// Makes the tenant's build namespace, or finds it; one of that name that is not the tenant's build namespace is
    /// refused with <see cref="NamespaceNotOwnedException"/> and left as it is.
    /// </summary>
    public static async Task<string> EnsureAsync(
        IKubernetes client,
        string tenantSlug,
        Guid tenantId,
        CancellationToken ct
    )
    {
        var desired = Render(tenantSlug, tenantId);
        var name = desired.Metadata.Name;
        try
        {
            await client.CoreV1.CreateNamespaceAsync(desired, cancellationToken: ct);
            return name;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var current = await client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct);
            var labels = current.Metadata.Labels ?? new Dictionary<string, string>();
            if (
                !labels.TryGetValue(Ownership.TenantIdLabel, out var owner)
                || owner != tenantId.ToString()
                || !labels.TryGetValue(PurposeLabel, out var purpose)
                || purpose != Purpose
                || current.Status?.Phase == "Terminating"
            )
                throw new NamespaceNotOwnedException(name);
            return name;
        }
    }
}

using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// The pull secret of an environment's namespace: a <c>kubernetes.io/dockerconfigjson</c> Secret named
/// <see cref="Name"/>, labelled with the environment's owner labels (managed by the portal), holding the portal
/// registry's <see cref="RegistryPullAccess"/>. The environment job makes it and every application change (deploy,
/// scale, restart…) writes it again, so a changed credential reaches the namespace with the next deploy. A Deployment
/// names it in <c>imagePullSecrets</c> only when its image is in the portal's registry.
/// </summary>
public static class RegistryPullSecret
{
    public const string Name = "portal-registry-pull";

    public const string Type = "kubernetes.io/dockerconfigjson";

    public const string Key = ".dockerconfigjson";

    /// <summary>The secret pods of <paramref name="image"/> pull with: <see cref="Name"/>, or null for none.</summary>
    public static string? For(RegistryPullAccess? access, string image) =>
        access is not null && access.Holds(image) ? Name : null;

    public static V1Secret Render(RegistryPullAccess access, IReadOnlyDictionary<string, string> labels) =>
        new()
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = Name, Labels = new Dictionary<string, string>(labels) },
            Type = Type,
            Data = new Dictionary<string, byte[]> { [Key] = access.DockerConfigJson() },
        };

    /// <summary>Creates the namespace's pull secret, or replaces its data and labels; it can run twice.</summary>
    public static async Task ApplyAsync(
        IKubernetes client,
        string ns,
        RegistryPullAccess access,
        IReadOnlyDictionary<string, string> labels,
        CancellationToken ct
    )
    {
        var desired = Render(access, labels);
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(desired, ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var current = await client.CoreV1.ReadNamespacedSecretAsync(Name, ns, cancellationToken: ct);
            if (current.Type != Type)
            {
                // The type of a Secret cannot change: one of another type is made again.
                await client.CoreV1.DeleteNamespacedSecretAsync(Name, ns, cancellationToken: ct);
                await client.CoreV1.CreateNamespacedSecretAsync(desired, ns, cancellationToken: ct);
                return;
            }
            current.Data = desired.Data;
            current.StringData = null;
            current.Metadata.Labels = desired.Metadata.Labels;
            await client.CoreV1.ReplaceNamespacedSecretAsync(current, Name, ns, cancellationToken: ct);
        }
    }
}

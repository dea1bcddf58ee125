using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clouds.Joining;

/// <summary>How a new machine's kubelet joins a cluster: kubeadm on a real one; on the sandbox, which runs no kubelets,
/// the sandbox's own registration (the end of a kubelet's TLS bootstrap, in one call with the bootstrap
/// token).</summary>
public enum JoinMethod
{
    Kubeadm = 1,
    SandboxKubelet = 2,
}

/// <summary>
/// Where a new node joins: the API server's host:port and the sha256 of its CA's public key, which kubeadm's discovery
/// pins (none when the cluster's kubeconfig turns off TLS verification: then the join skips CA verification too).
/// </summary>
public sealed record JoinTarget(
    string ApiServerEndpoint,
    IReadOnlyList<string> CaCertHashes,
    bool SkipCaVerification,
    JoinMethod Method,
    string? KubernetesVersion = null
);

/// <summary>How far a drain got: pods still on the node, and why the ones that would not go were kept.</summary>
public sealed record DrainProgress(int Remaining, IReadOnlyList<string> Blocked);

/// <summary>
/// The cluster's side of adding and removing machines: a bootstrap token for one host, the node it becomes (found,
/// labelled, drained through the eviction API so that PodDisruptionBudgets hold, deleted).
/// </summary>
public sealed class ClusterJoining(PortalDbContext db, KubernetesClients clients, KubeconfigVault vault)
{
    public const string TokenNamespace = "kube-system";

    public async Task<JoinTarget> TargetAsync(Guid clusterId, CancellationToken ct)
    {
        var cluster = await db.Clusters.AsNoTracking().FirstAsync(c => c.Id == clusterId, ct);
        var server = new Uri(cluster.ApiServer);
        var endpoint = $"{server.Host}:{(server.IsDefaultPort ? 443 : server.Port)}";
        var config = KubeconfigReader.Read(vault.Unprotect(cluster.ProtectedKubeconfig));
        var hashes =
            config.Succeeded && config.Value.SslCaCerts is { Count: > 0 } cas
                ? cas.Select(ca =>
                        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo()))
                    )
                    .ToList()
                : [];
        var method = (cluster.KubernetesVersion ?? "").EndsWith("-sandbox", StringComparison.Ordinal)
            ? JoinMethod.SandboxKubelet
            : JoinMethod.Kubeadm;
        return new JoinTarget(
            endpoint,
            hashes,
            cluster.TlsUnverified || hashes.Count == 0,
            method,
            cluster.KubernetesVersion
        );
    }

    /// <summary>
    /// Creates the bootstrap token Secret for one host (usable for authentication only, until it expires); a token of
    /// that id made by an earlier run is kept.
    /// </summary>
    public async Task CreateTokenAsync(
        Guid clusterId,
        BootstrapToken token,
        DateTime expires,
        string hostName,
        CancellationToken ct
    )
    {
        var client = await clients.ForAsync(clusterId, ct);
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"bootstrap-token-{token.Id}",
                NamespaceProperty = TokenNamespace,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "developer-center" },
            },
            Type = "bootstrap.kubernetes.io/token",
            StringData = new Dictionary<string, string>
            {
                ["description"] = $"Joins host {hostName}; made by the developer center",
                ["token-id"] = token.Id,
                ["token-secret"] = token.Secret,
                ["expiration"] = expires.ToString(
                    "yyyy-MM-ddTHH:mm:ssZ",
                    System.Globalization.CultureInfo.InvariantCulture
                ),
                ["usage-bootstrap-authentication"] = "true",
                ["usage-bootstrap-signing"] = "true",
                ["auth-extra-groups"] = "system:bootstrappers:kubeadm:default-node-token",
            },
        };
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(secret, TokenNamespace, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict) { }
    }

    public async Task RevokeTokenAsync(Guid clusterId, string tokenId, CancellationToken ct)
    {
        var client = await clients.ForAsync(clusterId, ct);
        try
        {
            await client.CoreV1.DeleteNamespacedSecretAsync(
                $"bootstrap-token-{tokenId}",
                TokenNamespace,
                cancellationToken: ct
            );
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
    }

    public async Task<V1Node?> FindNodeAsync(Guid clusterId, string name, CancellationToken ct)
    {
        var client = await clients.ForAsync(clusterId, ct);
        try
        {
            return await client.CoreV1.ReadNodeAsync(name, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static bool IsReady(V1Node node) =>
        node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>Gives the node the labels it lacks and the taints it lacks; what it has already is kept.</summary>
    public async Task LabelAsync(
        Guid clusterId,
        string name,
        IReadOnlyDictionary<string, string> labels,
        IReadOnlyList<NodeTaint> taints,
        CancellationToken ct
    )
    {
        var client = await clients.ForAsync(clusterId, ct);
        var node = await client.CoreV1.ReadNodeAsync(name, cancellationToken: ct);
        var allTaints = (node.Spec?.Taints ?? []).ToList();
        foreach (var taint in taints)
        {
            if (!allTaints.Any(t => t.Key == taint.Key && t.Effect == taint.Effect))
                allTaints.Add(
                    new V1Taint
                    {
                        Effect = taint.Effect,
                        Key = taint.Key,
                        Value = taint.Value.Length == 0 ? null : taint.Value,
                    }
                );
        }
        var body = new
        {
            metadata = new { labels, resourceVersion = node.Metadata.ResourceVersion },
            spec = new
            {
                taints = allTaints.Select(t => new
                {
                    key = t.Key,
                    value = t.Value,
                    effect = t.Effect,
                }),
            },
        };
        await client.CoreV1.PatchNodeAsync(
            new V1Patch(JsonSerializer.Serialize(body), V1Patch.PatchType.MergePatch),
            name,
            cancellationToken: ct
        );
    }

    /// <summary>
    /// Asks once to evict every pod on the node that a drain moves (DaemonSet pods and mirror pods stay, as
    /// <c>kubectl drain --ignore-daemonsets</c> leaves them); a pod its disruption budget keeps is named with why.
    /// </summary>
    public async Task<DrainProgress> EvictAllAsync(Guid clusterId, string nodeName, CancellationToken ct)
    {
        var client = await clients.ForAsync(clusterId, ct);
        var pods = await client.CoreV1.ListPodForAllNamespacesAsync(
            fieldSelector: $"spec.nodeName={nodeName}",
            cancellationToken: ct
        );
        var blocked = new List<string>();
        var remaining = 0;
        foreach (var pod in pods.Items.Where(Drained))
        {
            remaining++;
            try
            {
                await client.CoreV1.CreateNamespacedPodEvictionAsync(
                    new V1Eviction
                    {
                        Metadata = new V1ObjectMeta
                        {
                            Name = pod.Metadata.Name,
                            NamespaceProperty = pod.Metadata.NamespaceProperty,
                        },
                    },
                    pod.Metadata.Name,
                    pod.Metadata.NamespaceProperty,
                    cancellationToken: ct
                );
                remaining--;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                remaining--;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                blocked.Add($"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}: {StatusMessage(e)}");
            }
        }
        return new DrainProgress(remaining, blocked);
    }

    public async Task DeleteNodeAsync(Guid clusterId, string name, CancellationToken ct)
    {
        var client = await clients.ForAsync(clusterId, ct);
        try
        {
            await client.CoreV1.DeleteNodeAsync(name, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
    }

    private static bool Drained(V1Pod pod) =>
        pod.Status?.Phase is not ("Succeeded" or "Failed")
        && pod.Metadata.OwnerReferences?.Any(o => o.Kind == "DaemonSet") != true
        && pod.Metadata.Annotations?.ContainsKey("kubernetes.io/config.mirror") != true;

    private static string StatusMessage(HttpOperationException e)
    {
        try
        {
            using var status = JsonDocument.Parse(e.Response.Content);
            return status.RootElement.TryGetProperty("message", out var message)
                ? message.GetString() ?? e.Message
                : e.Message;
        }
        catch (JsonException)
        {
            return e.Message;
        }
    }
}

/// <summary>A kubeadm bootstrap token, "[a-z0-9]{6}.[a-z0-9]{16}".</summary>
public sealed record BootstrapToken(string Id, string Secret)
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static BootstrapToken New() => new(Random(6), Random(16));

    public static BootstrapToken Parse(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return new BootstrapToken(text[..dot], text[(dot + 1)..]);
    }

    /// <summary>The whole token, as a joining kubelet presents it.</summary>
    public string Value => $"{Id}.{Secret}";

    /// <summary>Never prints the secret half.</summary>
    public override string ToString() => $"{Id}.****************";

    private static string Random(int length) =>
        string.Concat(
            Enumerable.Range(0, length).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)])
        );
}

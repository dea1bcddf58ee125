using k8s;
using k8s.KubeConfigModels;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// Reads a kubeconfig a person pasted or uploaded. It must be self-contained: references to files on the
/// portal's disk, exec plugins and auth-provider plugins are refused, since they would read the portal's
/// files or run programs on its host. One that turns off TLS verification is taken only when a platform admin
/// explicitly accepts an unverified connection (<see cref="CheckTlsVerification"/>).
/// </summary>
public static class KubeconfigReader
{
    public const int MaxLength = 256 * 1024;

    /// <summary>
    /// Refuses a kubeconfig whose cluster entry says <c>insecure-skip-tls-verify: true</c> unless the admin accepted
    /// that the portal will not know whether it talks to the cluster or to an impostor, which would receive its
    /// credentials. Null when the kubeconfig cannot be read (the probe says why) or verifies TLS.
    /// </summary>
    public static Problem? CheckTlsVerification(string? text, bool acceptUnverified)
    {
        var config = Read(text);
        if (!config.Succeeded || !config.Value.SkipTlsVerify || acceptUnverified)
            return null;
        return Problem.Invalid(
            "AcceptUnverifiedTls",
            "This kubeconfig turns off TLS verification (insecure-skip-tls-verify: "
                + "true): the portal could not tell the cluster's API "
                + "server from an impostor, which would receive the kubeconfig's "
                + "credentials. Give the cluster's certificate-authority-data "
                + "instead, or tick \"I accept an unverified connection\" "
                + "(acceptUnverifiedTls in the API) to register it anyway."
        );
    }

    /// <summary>Whether a kubeconfig that reads turns off TLS verification.</summary>
    public static bool SkipsTlsVerification(string? text) =>
        Read(text) is { Succeeded: true } config && config.Value.SkipTlsVerify;

    public static Result<KubernetesClientConfiguration> Read(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Problem.Invalid("Kubeconfig", "Paste a kubeconfig or choose a kubeconfig file.");
        if (text.Length > MaxLength)
            return Problem.Invalid(
                "Kubeconfig",
                $"A kubeconfig has at most {MaxLength / 1024} KiB; this one has {text.Length / 1024} KiB."
            );

        K8SConfiguration config;
        try
        {
            config = KubernetesYaml.Deserialize<K8SConfiguration>(text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Problem.Invalid("Kubeconfig", $"This is not a readable kubeconfig: {FirstLine(e.Message)}");
        }
        if (config?.Clusters is null || !config.Clusters.Any())
            return Problem.Invalid("Kubeconfig", "The kubeconfig names no cluster.");

        foreach (var cluster in config.Clusters)
        {
            if (!string.IsNullOrEmpty(cluster.ClusterEndpoint?.CertificateAuthority))
                return Problem.Invalid(
                    "Kubeconfig",
                    $"Cluster '{cluster.Name}' refers to a certificate file; embed it as "
                        + "certificate-authority-data instead."
                );
        }
        foreach (var user in config.Users ?? [])
        {
            var credentials = user.UserCredentials;
            if (credentials is null)
                continue;
            if (!string.IsNullOrEmpty(credentials.ClientCertificate) || !string.IsNullOrEmpty(credentials.ClientKey))
                return Problem.Invalid(
                    "Kubeconfig",
                    $"User '{user.Name}' refers to certificate or key files; embed them as "
                        + "client-certificate-data and client-key-data instead."
                );
            if (credentials.ExternalExecution is not null || credentials.AuthProvider is not null)
                return Problem.Invalid(
                    "Kubeconfig",
                    $"User '{user.Name}' signs in through a plugin (exec or auth-provider), "
                        + "which the portal does not run; use a token or a client certificate."
                );
        }

        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(config);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Problem.Invalid("Kubeconfig", $"The kubeconfig is incomplete: {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}

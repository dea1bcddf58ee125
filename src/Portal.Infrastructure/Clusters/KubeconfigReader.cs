using k8s;
using k8s.KubeConfigModels;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// Reads a kubeconfig a person pasted or uploaded. It must be self-contained: references to files on the
/// portal's disk, exec plugins and auth-provider plugins are refused, since they would read the portal's
/// files or run programs on its host.
/// </summary>
public static class KubeconfigReader
{
    public const int MaxLength = 256 * 1024;

    public static Result<KubernetesClientConfiguration> Read(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Problem.Invalid("Kubeconfig", "Paste a kubeconfig or choose a kubeconfig file.");
        if (text.Length > MaxLength)
            return Problem.Invalid("Kubeconfig", $"A kubeconfig has at most {MaxLength / 1024} KiB; this one has {text.Length / 1024} KiB.");

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
                return Problem.Invalid("Kubeconfig", $"Cluster '{cluster.Name}' refers to a certificate file; embed it as certificate-authority-data instead.");
        }
        foreach (var user in config.Users ?? [])
        {
            var credentials = user.UserCredentials;
            if (credentials is null)
                continue;
            if (!string.IsNullOrEmpty(credentials.ClientCertificate) || !string.IsNullOrEmpty(credentials.ClientKey))
                return Problem.Invalid("Kubeconfig", $"User '{user.Name}' refers to certificate or key files; embed them as client-certificate-data and client-key-data instead.");
            if (credentials.ExternalExecution is not null || credentials.AuthProvider is not null)
                return Problem.Invalid("Kubeconfig", $"User '{user.Name}' signs in through a plugin (exec or auth-provider), which the portal does not run; use a token or a client certificate.");
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

using System.Security.Cryptography;
using System.Text;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// The names every middleware instance's objects follow, whatever its template: what templates are checked against,
/// and what the rest of the portal uses to find an instance's Service, Secret and pods.
/// </summary>
public static class InstanceNames
{
    public const string NameLabel = "app.kubernetes.io/name";
    public const string InstanceLabel = "app.kubernetes.io/instance";
    public const string ComponentLabel = "app.kubernetes.io/component";
    public const string VersionLabel = "app.kubernetes.io/version";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string MiddlewareLabel = "portal/middleware";
    public const string ChecksumAnnotation = "portal/config-checksum";

    /// <summary>The client Service, which applications connect to: the instance's own name.</summary>
    public static string Service(string instance) => instance;

    /// <summary>
    /// The headless Service that gives each replica a stable DNS name ("{instance}-0.{instance}-headless").
    /// </summary>
    public static string HeadlessService(string instance) => $"{instance}-headless";

    /// <summary>
    /// The Secret holding the instance's generated credentials, which bound applications read by reference.
    /// </summary>
    public static string Secret(string instance) => $"{instance}-credentials";

    public static string ConfigMap(string instance) => $"{instance}-config";

    /// <summary>The DNS name of the client Service inside the cluster.</summary>
    public static string Host(string instance, string @namespace) => $"{instance}.{@namespace}.svc.cluster.local";

    public static string Instance(string instance, string environment) => $"{instance}-{environment}";

    /// <summary>
    /// The label selector of the instance's pods: "app.kubernetes.io/name=X,app.kubernetes.io/instance=X-env".
    /// </summary>
    public static string Selector(string instance, string environment) =>
        $"{NameLabel}={instance},{InstanceLabel}={Instance(instance, environment)}";

    /// <summary>
    /// A stable id of the instance, 22 characters of unpadded base64url (16 bytes, the form of a Kafka cluster id): the
    /// same for the same namespace and name, so that a re-rendering, or a new instance on kept volumes, finds its data.
    /// </summary>
    public static string Uid(string instance, string @namespace)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{@namespace}/{instance}"));
        while (true)
        {
            var uid = Convert.ToBase64String(hash[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            // Kafka's own ids never start with '-', which a command line would take for an option.
            if (uid[0] != '-')
                return uid;
            hash = SHA256.HashData(hash);
        }
    }
}

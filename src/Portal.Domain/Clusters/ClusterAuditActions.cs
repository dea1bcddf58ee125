namespace Portal.Domain.Clusters;

/// <summary>
/// The actions of the audit trail about clusters and their hosts. The values are stored, so they never change.
/// </summary>
public static class ClusterAuditActions
{
    public const string Registered = "cluster.registered";
    public const string KubeconfigReplaced = "cluster.kubeconfig-replaced";
    public const string UnverifiedTlsAccepted = "cluster.unverified-tls-accepted";
    public const string Removed = "cluster.removed";

    public const string HostCordonRequested = "host.cordon-requested";
    public const string HostUncordonRequested = "host.uncordon-requested";
    public const string HostCordoned = "host.cordoned";
    public const string HostUncordoned = "host.uncordoned";
}

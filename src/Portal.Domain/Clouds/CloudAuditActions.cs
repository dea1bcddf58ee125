namespace Portal.Domain.Clouds;

/// <summary>
/// The actions of the audit trail about clouds and the hosts they provide. Stored: they never change.
/// </summary>
public static class CloudAuditActions
{
    public const string AccountCreated = "cloud.account-created";
    public const string AccountChanged = "cloud.account-changed";
    public const string AccountCredentialsReplaced = "cloud.account-credentials-replaced";
    public const string AccountDeleted = "cloud.account-deleted";
    public const string AccountLent = "cloud.account-lent";
    public const string TemplateCreated = "cloud.template-created";
    public const string TemplateDeleted = "cloud.template-deleted";
    public const string PoolGrowRequested = "cloud.pool-grow-requested";
    public const string PoolMaxHostsChanged = "cloud.pool-max-hosts-changed";
    public const string HostProvisioned = "cloud.host-provisioned";
    public const string HostRetried = "cloud.host-retried";
    public const string HostAbandonRequested = "cloud.host-abandon-requested";
    public const string HostDecommissionRequested = "cloud.host-decommission-requested";
    public const string HostDecommissioned = "cloud.host-decommissioned";
    public const string OrphanFound = "cloud.orphan-found";
    public const string OrphanRemoved = "cloud.orphan-removed";
    public const string HostKeyPinned = "cloud.host-key-pinned";
}

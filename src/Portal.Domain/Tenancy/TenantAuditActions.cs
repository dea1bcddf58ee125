namespace Portal.Domain.Tenancy;

/// <summary>
/// The actions of the audit trail about tenants, their members, invitations and service accounts. The values are
/// stored, so they never change.
/// </summary>
public static class TenantAuditActions
{
    public const string Created = "tenant.created";
    public const string Renamed = "tenant.renamed";
    public const string Suspended = "tenant.suspended";
    public const string Resumed = "tenant.resumed";
    public const string DeletionStarted = "tenant.deletion-started";
    public const string Deleted = "tenant.deleted";

    /// <summary>A namespace of the tenant's left as it was by its deletion, not being the portal's.</summary>
    public const string NamespaceKept = "tenant.namespace-kept";

    public const string MemberAdded = "member.added";
    public const string MemberInvited = "member.invited";
    public const string MemberRoleChanged = "member.role-changed";
    public const string MemberRemoved = "member.removed";
    public const string InvitationAccepted = "invitation.accepted";
    public const string InvitationRevoked = "invitation.revoked";

    public const string ServiceAccountCreated = "service-account.created";
    public const string ServiceAccountDeleted = "service-account.deleted";
}

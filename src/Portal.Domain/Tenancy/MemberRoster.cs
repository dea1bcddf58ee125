using Portal.Domain.Common;

namespace Portal.Domain.Tenancy;

/// <summary>Rules that span a tenant's members: a tenant always keeps at least one tenant admin.</summary>
public static class MemberRoster
{
    public static Result CanChangeRole(TenantMembership member, TenantRole newRole, int adminCount)
    {
        if (member.Role == TenantRole.TenantAdmin && newRole != TenantRole.TenantAdmin && adminCount <= 1)
            return Problem.Conflict(
                "This is the tenant's last tenant admin: make someone else tenant admin first.",
                "Role"
            );
        return Result.Ok();
    }

    public static Result CanRemove(TenantMembership member, int adminCount)
    {
        if (member.Role == TenantRole.TenantAdmin && adminCount <= 1)
            return Problem.Conflict(
                "This is the tenant's last tenant admin: make someone else tenant admin before removing them."
            );
        return Result.Ok();
    }
}

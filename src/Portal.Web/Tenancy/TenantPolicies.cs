using Microsoft.AspNetCore.Authorization;
using Portal.Domain.Tenancy;
using Portal.Web.Identity;

namespace Portal.Web.Tenancy;

/// <summary>The authorization policies: one per kind of access to a tenant, and the platform admin's.</summary>
public static class TenantPolicies
{
    /// <summary>Any member may read the tenant.</summary>
    public const string Read = "tenant:read";

    /// <summary>Tenant admins read what only they see (audit, service accounts).</summary>
    public const string AdminRead = "tenant:admin-read";

    /// <summary>Tenant admins change members and service accounts; not while the tenant is suspended.</summary>
    public const string Manage = "tenant:manage";

    /// <summary>Developers change workloads; not while the tenant is suspended.</summary>
    public const string Develop = "tenant:develop";
    public const string PlatformAdmin = "platform-admin";

    public static void Register(AuthorizationOptions options)
    {
        options.AddPolicy(Read, p =>
            p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement(TenantRole.Viewer, false))
        );
        options.AddPolicy(AdminRead, p =>
            p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement(TenantRole.TenantAdmin, false))
        );
        options.AddPolicy(Manage, p =>
            p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement(TenantRole.TenantAdmin, true))
        );
        options.AddPolicy(Develop, p =>
            p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement(TenantRole.Developer, true))
        );
        options.AddPolicy(PlatformAdmin, p =>
            p.RequireAuthenticatedUser().RequireClaim(PortalClaims.PlatformAdmin, "true")
        );
    }
}

/// <summary>
/// Requires a role in the tenant the route names; <see cref="Changes"/> also requires the tenant to be active.
/// </summary>
public sealed record TenantAccessRequirement(TenantRole Role, bool Changes) : IAuthorizationRequirement;

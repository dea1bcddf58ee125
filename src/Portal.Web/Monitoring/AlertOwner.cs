using Portal.Domain.Tenancy;
using Portal.Infrastructure.Tenancy;

namespace Portal.Web.Monitoring;

/// <summary>
/// Whose alerts, rules and channels a page shows: a tenant's (through the caller's access to it) or, without one, the
/// platform's.
/// </summary>
public sealed record AlertOwner(TenantAccess? Access)
{
    public Tenant? Tenant => Access?.Tenant;
    public bool IsPlatform => Access is null;

    /// <summary>The tenant whose pages <see cref="AlertRoutes"/> addresses, or null for the platform's.</summary>
    public string? Slug => Access?.Tenant.Slug;
    public string Title => Access is null ? "Platform alerts" : $"Alerts of {Access.Tenant.DisplayName}";

    /// <summary>The monitoring hub's scope whose changes the pages follow.</summary>
    public string LiveScope => Access is null ? "platform" : $"tenant:{Access.Tenant.Slug}";

    /// <summary>Platform pages are for platform admins only, who change everything there.</summary>
    public bool CanChange(TenantRole role) => Access?.CanChange(role) ?? true;

    /// <summary>
    /// Webhook URLs are shown whole to the owner's admins only (platform pages are for platform admins): to everyone
    /// else their path and query, which may be the credential, are cut off.
    /// </summary>
    public bool SeesWholeUrls => Access?.Role.Allows(TenantRole.TenantAdmin) ?? true;
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tenancy;

/// <summary>Who calls: a user (signed in or holding a token) or a tenant's service account.</summary>
public sealed record Caller(Guid? UserId, Guid? ServiceAccountId);

/// <summary>The caller's standing in a tenant, decided afresh on every request.</summary>
public sealed record TenantAccess(Tenant Tenant, TenantRole Role, bool AsPlatformAdmin)
{
    public bool CanChange(TenantRole required) => Role.Allows(required) && !Tenant.IsReadOnly;
}

/// <summary>
/// Finds the tenant a route names and the caller's role in it, and binds the tenant scope. Reads the
/// database each time, so that a removed member or a deleted service account loses access at once.
/// </summary>
public sealed class TenantAccessResolver(PortalDbContext db, TenantScope scope)
{
    public async Task<TenantAccess?> ResolveAsync(string? slug, Caller caller, CancellationToken ct)
    {
        if (!TenantSlug.Create(slug).Succeeded)
            return null;
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Slug == slug, ct);
        if (tenant is null)
            return null;

        TenantAccess? access = null;
        if (caller.ServiceAccountId is { } accountId)
        {
            var role = await db
                .ServiceAccounts.IgnoreQueryFilters()
                .Where(s => s.Id == accountId && s.TenantId == tenant.Id)
                .Select(s => (TenantRole?)s.Role)
                .FirstOrDefaultAsync(ct);
            access = role is null ? null : new TenantAccess(tenant, role.Value, false);
        }
        else if (caller.UserId is { } userId)
        {
            var user = await db
                .Users.AsNoTracking()
                .Where(u => u.Id == userId)
                .Select(u => new
                {
                    u.IsPlatformAdmin,
                    Role = db
                        .Memberships.IgnoreQueryFilters()
                        .Where(m => m.TenantId == tenant.Id && m.UserId == userId)
                        .Select(m => (TenantRole?)m.Role)
                        .FirstOrDefault(),
                })
                .FirstOrDefaultAsync(ct);
            if (user?.Role is { } role)
                access = new TenantAccess(tenant, role, false);
            else if (user?.IsPlatformAdmin == true)
                access = new TenantAccess(tenant, TenantRole.TenantAdmin, true);
        }

        if (access is not null)
            scope.Bind(tenant);
        return access;
    }
}

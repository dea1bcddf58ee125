using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tenancy;

public sealed record TenantSummary(Guid Id, string Slug, string DisplayName, TenantStatus Status, DateTime CreatedAt, int Members);

/// <summary>A tenant the signed-in user can switch to, with the role they hold there.</summary>
public sealed record TenantLink(string Slug, string DisplayName, TenantStatus Status, TenantRole Role);

/// <summary>The platform admin's use cases on tenants.</summary>
public sealed class TenantAdministration(
    PortalDbContext db, AuditTrail audit, TimeProvider clock, IOpenIddictApplicationManager clients, ReservedNamespaces reserved)
{
    public async Task<Page<TenantSummary>> ListAsync(string? search, PageRequest page, CancellationToken ct)
    {
        var query = db.Tenants.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            var slugPrefix = term.ToLowerInvariant();
            query = query.Where(t => t.Slug.StartsWith(slugPrefix) || t.DisplayName.Contains(term));
        }
        var total = await query.CountAsync(ct);
        var items = await query
            .OrderBy(t => t.Slug)
            .Skip(page.Skip).Take(page.Size)
            .Select(t => new TenantSummary(t.Id, t.Slug, t.DisplayName, t.Status, t.CreatedAt,
                db.Memberships.IgnoreQueryFilters().Count(m => m.TenantId == t.Id)))
            .ToListAsync(ct);
        return new Page<TenantSummary>(items, page.Number, page.Size, total);
    }

    /// <summary>The tenants a user belongs to; a platform admin reaches every tenant as its admin.</summary>
    public async Task<IReadOnlyList<TenantLink>> ListForUserAsync(Guid userId, bool isPlatformAdmin, CancellationToken ct)
    {
        if (isPlatformAdmin)
        {
            return await db.Tenants.AsNoTracking().OrderBy(t => t.Slug)
                .Select(t => new TenantLink(t.Slug, t.DisplayName, t.Status, TenantRole.TenantAdmin))
                .Take(PageRequest.MaxSize)
                .ToListAsync(ct);
        }
        return await db.Memberships.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.UserId == userId)
            .Join(db.Tenants, m => m.TenantId, t => t.Id, (m, t) => new { t, m.Role })
            .OrderBy(x => x.t.Slug)
            .Select(x => new TenantLink(x.t.Slug, x.t.DisplayName, x.t.Status, x.Role))
            .ToListAsync(ct);
    }

    /// <summary>The tenants a caller belongs to: a user's memberships, or a service account's one tenant.</summary>
    public async Task<IReadOnlyList<TenantSummary>> ListForCallerAsync(Caller caller, CancellationToken ct)
    {
        var tenantIds = caller.ServiceAccountId is { } accountId
            ? db.ServiceAccounts.IgnoreQueryFilters().Where(s => s.Id == accountId).Select(s => s.TenantId)
            : db.Memberships.IgnoreQueryFilters().Where(m => m.UserId == caller.UserId).Select(m => m.TenantId);
        return await db.Tenants.AsNoTracking()
            .Where(t => tenantIds.Contains(t.Id))
            .OrderBy(t => t.Slug)
            .Select(t => new TenantSummary(t.Id, t.Slug, t.DisplayName, t.Status, t.CreatedAt,
                db.Memberships.IgnoreQueryFilters().Count(m => m.TenantId == t.Id)))
            .ToListAsync(ct);
    }

    public async Task<Result<Tenant>> CreateAsync(Actor actor, string? slug, string? displayName, CancellationToken ct)
    {
        var created = Tenant.Create(slug, displayName, clock.GetUtcNow().UtcDateTime);
        if (!created.Succeeded)
            return created;
        var tenant = created.Value;
        var allowed = reserved.CheckTenantSlug(tenant.Slug, "Slug");
        if (!allowed.Succeeded)
            return allowed.Problem!;
        if (await db.Tenants.AnyAsync(t => t.Slug == tenant.Slug, ct))
            return Problem.Conflict($"The slug '{tenant.Slug}' is taken by another tenant.", "Slug");

        db.Tenants.Add(tenant);
        audit.Record(actor, tenant, "tenant.created", "tenant", tenant.Slug, $"display name '{tenant.DisplayName}'");
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"The slug '{tenant.Slug}' is taken by another tenant.", "Slug");
        return tenant;
    }

    public async Task<Result<Tenant>> RenameAsync(Actor actor, Tenant tenant, string? displayName, CancellationToken ct)
    {
        var before = tenant.DisplayName;
        var renamed = tenant.Rename(displayName);
        if (!renamed.Succeeded)
            return renamed.Problem!;
        var change = new ChangeSummary().Field("display name", before, tenant.DisplayName);
        if (change.IsEmpty)
            return tenant;
        audit.Record(actor, tenant, "tenant.renamed", "tenant", tenant.Slug, change.ToString());
        await db.SaveChangesAsync(ct);
        return tenant;
    }

    public async Task<Result<Tenant>> SuspendAsync(Actor actor, Tenant tenant, CancellationToken ct)
    {
        var suspended = tenant.Suspend();
        if (!suspended.Succeeded)
            return suspended.Problem!;
        audit.Record(actor, tenant, "tenant.suspended", "tenant", tenant.Slug, "status: 'Active' → 'Suspended'");
        await db.SaveChangesAsync(ct);
        return tenant;
    }

    public async Task<Result<Tenant>> ResumeAsync(Actor actor, Tenant tenant, CancellationToken ct)
    {
        var resumed = tenant.Resume();
        if (!resumed.Succeeded)
            return resumed.Problem!;
        audit.Record(actor, tenant, "tenant.resumed", "tenant", tenant.Slug, "status: 'Suspended' → 'Active'");
        await db.SaveChangesAsync(ct);
        return tenant;
    }

    /// <summary>Deletes the tenant with its members, invitations and service accounts; its audit trail stays.</summary>
    public async Task DeleteAsync(Actor actor, Tenant tenant, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var clientIds = await db.ServiceAccounts.IgnoreQueryFilters()
            .Where(s => s.TenantId == tenant.Id).Select(s => s.ClientId).ToListAsync(ct);
        foreach (var clientId in clientIds)
        {
            if (await clients.FindByClientIdAsync(clientId, ct) is { } client)
                await clients.DeleteAsync(client, ct);
        }
        db.Tenants.Remove(tenant);
        audit.Record(actor, tenant, "tenant.deleted", "tenant", tenant.Slug, $"display name '{tenant.DisplayName}'");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public Task<Tenant?> FindAsync(string slug, CancellationToken ct)
    {
        var valid = TenantSlug.Create(slug);
        return valid.Succeeded
            ? db.Tenants.FirstOrDefaultAsync(t => t.Slug == valid.Value.Value, ct)
            : Task.FromResult<Tenant?>(null);
    }
}

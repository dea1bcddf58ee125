using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tenancy;

public sealed record TenantSummary(
    Guid Id,
    string Slug,
    string DisplayName,
    TenantStatus Status,
    DateTime CreatedAt,
    int Members
);

/// <summary>A tenant the signed-in user can switch to, with the role they hold there.</summary>
public sealed record TenantLink(string Slug, string DisplayName, TenantStatus Status, TenantRole Role);

/// <summary>An environment's namespace that deleting its tenant deletes.</summary>
public sealed record DoomedNamespace(string Environment, string Namespace, string Pool);

/// <summary>
/// What deleting a tenant takes down, for the page to say before it is confirmed; and the deletion under way, once it
/// is.
/// </summary>
public sealed record TenantDeletionPlan(
    IReadOnlyList<DoomedNamespace> Namespaces,
    int Applications,
    int MiddlewareInstances,
    int Members,
    int ServiceAccounts,
    OperationView? Deletion
)
{
    public string Summary =>
        (
            Namespaces.Count == 0
                ? "no environments"
                : $"{Namespaces.Count} environment{(Namespaces.Count == 1 ? "" : "s")} "
                    + "with namespaces "
                    + $"{string.Join(", ", Namespaces.Select(n => $"'{n.Namespace}'"))} "
                    + "and everything running in them"
        )
        + $"; {Applications} application(s), {MiddlewareInstances} middleware "
        + $"instance(s) and their volumes, {Members} member(s), "
        + $"{ServiceAccounts} service account(s); the audit trail stays";
}

/// <summary>The platform admin's use cases on tenants.</summary>
public sealed class TenantAdministration(
    ICurrentActor currentActor,
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    IOperationQueue queue,
    ReservedNamespaces reserved
)
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
            .Skip(page.Skip)
            .Take(page.Size)
            .Select(t => new TenantSummary(
                t.Id,
                t.Slug,
                t.DisplayName,
                t.Status,
                t.CreatedAt,
                db.Memberships.IgnoreQueryFilters().Count(m => m.TenantId == t.Id)
            ))
            .ToListAsync(ct);
        return new Page<TenantSummary>(items, page.Number, page.Size, total);
    }

    /// <summary>The tenants a user belongs to; a platform admin reaches every tenant as its admin.</summary>
    public async Task<IReadOnlyList<TenantLink>> ListForUserAsync(
        Guid userId,
        bool isPlatformAdmin,
        CancellationToken ct
    )
    {
        if (isPlatformAdmin)
        {
            return await db
                .Tenants.AsNoTracking()
                .OrderBy(t => t.Slug)
                .Select(t => new TenantLink(t.Slug, t.DisplayName, t.Status, TenantRole.TenantAdmin))
                .Take(PageRequest.MaxSize)
                .ToListAsync(ct);
        }
        return await db
            .Memberships.IgnoreQueryFilters()
            .AsNoTracking()
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
        return await db
            .Tenants.AsNoTracking()
            .Where(t => tenantIds.Contains(t.Id))
            .OrderBy(t => t.Slug)
            .Select(t => new TenantSummary(
                t.Id,
                t.Slug,
                t.DisplayName,
                t.Status,
                t.CreatedAt,
                db.Memberships.IgnoreQueryFilters().Count(m => m.TenantId == t.Id)
            ))
            .ToListAsync(ct);
    }

    public async Task<Result<Tenant>> CreateAsync(string? slug, string? displayName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
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
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.Created,
            "tenant",
            tenant.Slug,
            $"display name '{tenant.DisplayName}'"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"The slug '{tenant.Slug}' is taken by another tenant.", "Slug");
        return tenant;
    }

    public async Task<Result<Tenant>> RenameAsync(Tenant tenant, string? displayName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var before = tenant.DisplayName;
        var renamed = tenant.Rename(displayName);
        if (!renamed.Succeeded)
            return renamed.Problem!;
        var change = new ChangeSummary().Field("display name", before, tenant.DisplayName);
        if (change.IsEmpty)
            return tenant;
        audit.Record(actor, tenant, TenantAuditActions.Renamed, "tenant", tenant.Slug, change.ToString());
        await db.SaveChangesAsync(ct);
        return tenant;
    }

    public async Task<Result<Tenant>> SuspendAsync(Tenant tenant, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var suspended = tenant.Suspend();
        if (!suspended.Succeeded)
            return suspended.Problem!;
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.Suspended,
            "tenant",
            tenant.Slug,
            "status: 'Active' → 'Suspended'"
        );
        await db.SaveChangesAsync(ct);
        return tenant;
    }

    public async Task<Result<Tenant>> ResumeAsync(Tenant tenant, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var resumed = tenant.Resume();
        if (!resumed.Succeeded)
            return resumed.Problem!;
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.Resumed,
            "tenant",
            tenant.Slug,
            "status: 'Suspended' → 'Active'"
        );
        await db.SaveChangesAsync(ct);
        return tenant;
    }

    /// <summary>
    /// What deleting the tenant would take down, live from the database; and its deletion, once started.
    /// </summary>
    public async Task<TenantDeletionPlan> PlanDeletionAsync(Tenant tenant, CancellationToken ct)
    {
        var namespaces = await db
            .Environments.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(e => e.TenantId == tenant.Id)
            .Join(
                db.ResourcePools,
                e => e.PoolId,
                p => p.Id,
                (e, p) => new DoomedNamespace(e.Name, e.Namespace, p.Name)
            )
            .ToListAsync(ct);
        var deletion = await db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o => o.TenantId == tenant.Id && o.Kind == OperationKinds.TenantDelete)
            .OrderByDescending(o => o.CreatedAt)
            .FirstOrDefaultAsync(ct);
        return new TenantDeletionPlan(
            namespaces.OrderBy(n => n.Environment, StringComparer.Ordinal).ToList(),
            await db.Applications.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id, ct),
            await db.MiddlewareInstances.IgnoreQueryFilters().CountAsync(i => i.TenantId == tenant.Id, ct),
            await db.Memberships.IgnoreQueryFilters().CountAsync(m => m.TenantId == tenant.Id, ct),
            await db.ServiceAccounts.IgnoreQueryFilters().CountAsync(s => s.TenantId == tenant.Id, ct),
            deletion is null
                ? null
                : new OperationView(
                    deletion.Id,
                    deletion.Kind,
                    deletion.TargetType,
                    deletion.TargetId,
                    deletion.RequestedBy,
                    deletion.State,
                    deletion.CreatedAt,
                    deletion.FinishedAt,
                    deletion.Error,
                    deletion.Attempts,
                    deletion.Steps
                )
        );
    }

    /// <summary>
    /// Starts deleting the tenant, as an operation: its environments' namespaces first (those that are theirs), then
    /// its rows; its audit trail stays. From now on the tenant is read-only and its slug stays taken until the rows are
    /// gone. Asked again while a deletion failed, it retries it.
    /// </summary>
    public async Task<Result<Operation>> DeleteAsync(Tenant tenant, string? confirmSlug, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        if (!string.Equals(confirmSlug?.Trim(), tenant.Slug, StringComparison.Ordinal))
            return Problem.Invalid("ConfirmSlug", $"Type '{tenant.Slug}' to confirm the deletion.");
        var now = clock.GetUtcNow().UtcDateTime;
        if (tenant.Status == TenantStatus.Deleting)
        {
            var started = await db
                .Operations.IgnoreQueryFilters()
                .Where(o => o.TenantId == tenant.Id && o.Kind == OperationKinds.TenantDelete)
                .OrderByDescending(o => o.CreatedAt)
                .FirstOrDefaultAsync(ct);
            if (started is not null)
            {
                var retried = started.Retry(now);
                if (!retried.Succeeded)
                    return Problem.Conflict($"Tenant '{tenant.Slug}' is being deleted already ({started.State}).");
                audit.RecordForOperation(
                    actor,
                    tenant,
                    OperationAuditActions.Retried,
                    "operation",
                    started.Id.ToString(),
                    $"{started.Kind} of {started.TargetId}",
                    started
                );
                await db.SaveChangesAsync(ct);
                queue.Enqueue(started);
                return started;
            }
        }
        var plan = await PlanDeletionAsync(tenant, ct);
        if (tenant.Status != TenantStatus.Deleting)
            tenant.MarkDeleting();
        foreach (
            var environment in await db
                .Environments.IgnoreQueryFilters()
                .Where(e => e.TenantId == tenant.Id)
                .ToListAsync(ct)
        )
            environment.MarkDeleting();
        var operation = new Operation(tenant.Id, OperationKinds.TenantDelete, "tenant", tenant.Slug, actor.Name, now);
        db.Operations.Add(operation);
        audit.RecordForOperation(
            actor,
            tenant,
            TenantAuditActions.DeletionStarted,
            "tenant",
            tenant.Slug,
            plan.Summary,
            operation
        );
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
        return operation;
    }

    public Task<Tenant?> FindAsync(string slug, CancellationToken ct)
    {
        var valid = TenantSlug.Create(slug);
        return valid.Succeeded
            ? db.Tenants.FirstOrDefaultAsync(t => t.Slug == valid.Value.Value, ct)
            : Task.FromResult<Tenant?>(null);
    }
}

using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Portal.Domain.Audit;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tenancy;

/// <summary>
/// Deletes a tenant: deletes the namespace of each of the tenant's environments — only a namespace that is
/// the environment's own — and waits until it is gone, one step per namespace so that a retried job resumes after those
/// gone already; then removes the tenant's OAuth clients, metric series and rows in one transaction. Its audit trail
/// stays. Until then the tenant is read-only and its slug taken, so that a new tenant of the same slug finds nothing of
/// it.
/// </summary>
public sealed class DeleteTenantRunner(
    PortalDbContext db,
    KubernetesClients clients,
    AuditTrail audit,
    IOpenIddictApplicationManager oidcClients,
    EnvironmentProvisioner environments,
    TimeProvider clock
) : IOperationRunner
{
    public static string Kind => OperationKinds.TenantDelete;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == operation.TenantId, ct)
            ?? throw new OperationTargetGone(
                "The tenant no longer exists: an earlier run of this deletion removed it."
            );
        var environments = await db
            .Environments.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(e => e.TenantId == tenant.Id)
            .Join(db.ResourcePools, e => e.PoolId, p => p.Id, (e, p) => new { Environment = e, p.ClusterId })
            .ToListAsync(ct);
        foreach (var item in environments.OrderBy(x => x.Environment.Name, StringComparer.Ordinal))
        {
            await journal.StepAsync(
                operation,
                $"delete-namespace {item.Environment.Namespace}",
                () => DeleteNamespaceAsync(tenant, item.Environment, item.ClusterId, ct),
                ct
            );
        }
        await RemoveAsync(tenant, operation, journal, environments.Select(x => x.Environment.Namespace).ToList(), ct);
    }

    // A failure leaves the tenant Deleting, read-only with its slug taken, until a retry of the operation finishes the
    // deletion.

    private async Task DeleteNamespaceAsync(
        Tenant tenant,
        TenantEnvironment environment,
        Guid clusterId,
        CancellationToken ct
    ) =>
        await environments.DeleteNamespaceAsync(
            await clients.ForAsync(clusterId, ct),
            environment,
            tenant,
            TenantAuditActions.NamespaceKept,
            ct
        );

    private async Task RemoveAsync(
        Tenant tenant,
        Operation operation,
        OperationJournal journal,
        IReadOnlyList<string> namespacesOfTenant,
        CancellationToken ct
    )
    {
        var kept = await db
            .AuditEvents.Where(a =>
                a.TenantId == tenant.Id
                && a.Action == TenantAuditActions.NamespaceKept
                && a.OccurredAt >= operation.CreatedAt
            )
            .Select(a => a.TargetId)
            .ToListAsync(ct);
        var keptNamespaces = await db
            .Environments.IgnoreQueryFilters()
            .Where(e => e.TenantId == tenant.Id && kept.Contains(e.Name))
            .Select(e => e.Namespace)
            .ToListAsync(ct);
        var deleted = namespacesOfTenant.Except(keptNamespaces).Order(StringComparer.Ordinal).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var clientIds = await db
            .ServiceAccounts.IgnoreQueryFilters()
            .Where(s => s.TenantId == tenant.Id)
            .Select(s => s.ClientId)
            .ToListAsync(ct);
        foreach (var clientId in clientIds)
        {
            if (await oidcClients.FindByClientIdAsync(clientId, ct) is { } client)
                await oidcClients.DeleteAsync(client, ct);
        }
        // Metric series outlive their tenant otherwise (its id is only set to null), and would pass to the next owner
        // of a namespace name.
        await db.MetricSubjects.Where(s => s.TenantId == tenant.Id).ExecuteDeleteAsync(ct);
        db.Tenants.Remove(tenant);
        // Succeeded with the removal, in its transaction: a run that stops right after it must not delete again.
        operation.Succeed(Now);
        await db.CompleteAuditAsync(operation, ct);
        audit.Record(
            Actor.System,
            tenant,
            TenantAuditActions.Deleted,
            "tenant",
            tenant.Slug,
            $"requested by {operation.RequestedBy}; display name '{tenant.DisplayName}'"
                + (
                    deleted.Count == 0
                        ? "; it had no namespaces"
                        : $"; namespaces deleted first: {string.Join(", ", deleted.Select(n => $"'{n}'"))}"
                )
                + (
                    keptNamespaces.Count == 0
                        ? ""
                        : "; left as they were, not being the portal's: "
                            + $"{string.Join(", ", keptNamespaces.Select(n => $"'{n}'"))}"
                )
        );
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await journal.ReportAsync(operation, CancellationToken.None);
    }
}

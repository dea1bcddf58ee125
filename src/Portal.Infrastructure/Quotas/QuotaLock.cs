using Microsoft.EntityFrameworkCore;
using Portal.Domain.Common;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Quotas;

/// <summary>
/// Orders what draws on one tenant's quota in one pool — environments created, shares changed, the grant changed — as
/// deploy admission orders what draws on an environment's share: the work runs in one transaction that first takes the
/// quota's row (a no-op update locks it in PostgreSQL, the database in SQLite, until the end), after this process's
/// <see cref="AdmissionGate"/> for that quota. Each one reads the figures the one before it saved, so that changes made
/// at once cannot together promise more than the grant, nor lower the grant under what was promised meanwhile.
/// A refusal the work records (<see cref="AuditTrail.RecordRefusal"/>) is saved once the transaction has ended.
/// </summary>
public sealed class QuotaLock(PortalDbContext db, AdmissionGate gate, AuditTrail audit)
{
    /// <summary>
    /// Runs <paramref name="work"/> under the quota's lock and commits what it saved when it succeeds; the caller
    /// queues jobs after.
    /// </summary>
    public async Task<Result<T>> RunAsync<T>(Guid quotaId, Func<Task<Result<T>>> work, CancellationToken ct)
    {
        using var entered = await gate.EnterAsync(quotaId, ct);
        Result<T> result;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db
                .TenantQuotas.IgnoreQueryFilters()
                .Where(q => q.Id == quotaId)
                .ExecuteUpdateAsync(u => u.SetProperty(q => q.ChangedAt, q => q.ChangedAt), ct);
            // What was read before the lock may be stale: the work reads it again inside.
            db.ChangeTracker.Clear();
            result = await work();
            if (result.Succeeded)
                await transaction.CommitAsync(ct);
        }
        await audit.SaveRefusalsAsync();
        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> under the pool's lock, and the quota's when there is one, and commits what it saved
    /// (a refusal saves nothing, or only its audit): what a pool promises to all its tenants — grants, its overcommit —
    /// changes one change at a time, so that grants to two tenants made at once cannot together promise more than the
    /// pool has.
    /// </summary>
    public async Task<T> RunForPoolAsync<T>(Guid poolId, Guid? quotaId, Func<Task<T>> work, CancellationToken ct)
    {
        using var enteredPool = await gate.EnterAsync(poolId, ct);
        using var enteredQuota = quotaId is { } quota ? await gate.EnterAsync(quota, ct) : null;
        T result;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db
                .ResourcePools.Where(p => p.Id == poolId)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.CreatedAt, p => p.CreatedAt), ct);
            if (quotaId is not null)
            {
                await db
                    .TenantQuotas.IgnoreQueryFilters()
                    .Where(q => q.Id == quotaId)
                    .ExecuteUpdateAsync(u => u.SetProperty(q => q.ChangedAt, q => q.ChangedAt), ct);
            }
            db.ChangeTracker.Clear();
            result = await work();
            await transaction.CommitAsync(ct);
        }
        await audit.SaveRefusalsAsync();
        return result;
    }
}

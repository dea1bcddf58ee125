using Microsoft.EntityFrameworkCore;
using Portal.Domain.Common;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Quotas;

/// <summary>
/// Orders what draws on one tenant's quota in one pool — environments created, shares changed, the grant changed — as
/// deploy admission orders what draws on an environment's share: the work runs in one transaction that first takes the
/// quota's row (a no-op update locks it in PostgreSQL, the database in SQLite, until the end), after this process's
/// <see cref="AdmissionGate"/> for that quota. Each one reads the figures the one before it saved, so that changes made at
/// once cannot together promise more than the grant, nor lower the grant under what was promised meanwhile.
/// </summary>
public sealed class QuotaLock(PortalDbContext db, AdmissionGate gate)
{
    /// <summary>Runs <paramref name="work"/> under the quota's lock and commits what it saved when it succeeds; the caller queues jobs after.</summary>
    public async Task<Result<T>> RunAsync<T>(Guid quotaId, Func<Task<Result<T>>> work, CancellationToken ct)
    {
        using var entered = await gate.EnterAsync(quotaId, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.TenantQuotas.IgnoreQueryFilters().Where(q => q.Id == quotaId)
            .ExecuteUpdateAsync(u => u.SetProperty(q => q.ChangedAt, q => q.ChangedAt), ct);
        // What was read before the lock may be stale: the work reads it again inside.
        db.ChangeTracker.Clear();
        var result = await work();
        if (result.Succeeded)
            await transaction.CommitAsync(ct);
        return result;
    }
}

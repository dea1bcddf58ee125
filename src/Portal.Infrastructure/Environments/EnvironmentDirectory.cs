using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clusters;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Environments;

public sealed record OperationView(
    Guid Id,
    string Kind,
    string TargetType,
    string TargetId,
    string RequestedBy,
    OperationState State,
    DateTime CreatedAt,
    DateTime? FinishedAt,
    string? Error,
    int Attempts,
    IReadOnlyList<OperationStep> Steps
);

/// <summary>
/// What deleting an environment would take down: the workloads in its namespace, counted live from its cluster per kind
/// with the first of each named, or why they could not be counted. Deleting asks for the environment's name typed out
/// unless the namespace is known to be empty. A namespace of the environment's name that is not its own is neither
/// listed nor deleted.
/// </summary>
public sealed record EnvironmentDeletion(
    EnvironmentUsage Environment,
    IReadOnlyList<WorkloadCount> Workloads,
    string? WorkloadsUnknown,
    bool NamespaceNotOwned = false
)
{
    /// <summary>How many of each kind the page names; the rest are counted.</summary>
    public const int NamedOfEachKind = 10;

    private const int NamedAtMost = 5;

    public bool Runs => Workloads.Any(w => w.Total > 0);

    public bool NeedsConfirmation => Runs || WorkloadsUnknown is not null;

    /// <summary>"1 Deployment, 2,000 Pods": the kinds that are there, each with its count.</summary>
    public string Counts => string.Join(", ", Workloads.Where(w => w.Total > 0));

    public string Warning
    {
        get
        {
            if (NamespaceNotOwned)
                return $"Namespace '{Environment.Namespace}' was not made by the portal for "
                    + "this environment: it will be left as it is.";
            if (WorkloadsUnknown is not null)
                return $"The workloads of namespace '{Environment.Namespace}' could not be "
                    + $"listed ({WorkloadsUnknown}); anything running there will be deleted "
                    + "with it.";
            if (!Runs)
                return $"Namespace '{Environment.Namespace}' runs nothing.";
            var named = Workloads.SelectMany(w => w.First).Take(NamedAtMost).ToList();
            return $"Environment '{Environment.Name}' still runs {string.Join(", ", named)}"
                + (Workloads.Sum(w => (long)w.Total) > named.Count ? $" ({Counts} in all)" : "")
                + $"; they will be deleted with namespace '{Environment.Namespace}'.";
        }
    }
}

/// <summary>The tenant admin's use cases on the environments of the tenant in scope.</summary>
public sealed class EnvironmentDirectory(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    IOperationQueue queue,
    IClusterGateway gateway,
    ReservedNamespaces reserved,
    QuotaLock quotaLock,
    WorkloadHoldings holdings
)
{
    public async Task<IReadOnlyList<EnvironmentUsage>> ListAsync(CancellationToken ct) =>
        await db.EnvironmentUsage().ToListAsync(ct);

    /// <summary>The tenant's environment names, in order: what a filter or a choice of environment lists.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(CancellationToken ct) =>
        await db.Environments.OrderBy(e => e.Name).Select(e => e.Name).ToListAsync(ct);

    public async Task<IReadOnlyList<OperationView>> OperationsAsync(int take, CancellationToken ct)
    {
        var operations = await db
            .Operations.AsNoTracking()
            .OrderByDescending(o => o.CreatedAt)
            .Take(Math.Clamp(take, 1, 200))
            .ToListAsync(ct);
        return operations
            .Select(o => new OperationView(
                o.Id,
                o.Kind,
                o.TargetType,
                o.TargetId,
                o.RequestedBy,
                o.State,
                o.CreatedAt,
                o.FinishedAt,
                o.Error,
                o.Attempts,
                o.Steps
            ))
            .ToList();
    }

    /// <summary>
    /// Creates an environment with its share of the tenant's quota in a pool: admitted against what is left of the
    /// quota under the quota's lock (so that creations and share changes made at once cannot overdraw it together),
    /// saved with its operation in one transaction, then handed to the job that makes the namespace.
    /// Its namespace must be free: not reserved for the cluster, not another environment's, and absent from the
    /// cluster.
    /// </summary>
    public async Task<Result<Operation>> CreateAsync(
        string? name,
        string? poolName,
        ResourceAmounts share,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden(
                $"Tenant '{tenant.Slug}' is {tenant.ReadOnlyReason}: no environment can be created."
            );
        // The pool's problem with the name's and the share's, so that a form shows them all at once.
        var pool = await db.ResourcePools.AsNoTracking().FirstOrDefaultAsync(p => p.Name == poolName, ct);
        var quotaId = pool is null
            ? null
            : await db.TenantQuotas.Where(q => q.PoolId == pool.Id).Select(q => (Guid?)q.Id).FirstOrDefaultAsync(ct);
        var created = TenantEnvironment.Create(
            tenant,
            pool?.Id ?? Guid.Empty,
            name,
            share,
            clock.GetUtcNow().UtcDateTime
        );
        if (pool is null || quotaId is null)
        {
            var poolProblem = Problem.Invalid(
                "Pool",
                pool is null
                    ? string.IsNullOrWhiteSpace(poolName)
                        ? "Choose the pool the environment runs in."
                        : $"There is no pool '{poolName}'."
                    : $"This tenant has no quota in pool '{pool.Name}'; a platform admin grants it."
            );
            return Problem.Invalid([
                poolProblem,
                .. created.Problem is { } p
                    ? p.Causes.Count > 0
                        ? p.Causes
                        : [p]
                    : [],
            ]);
        }
        if (!created.Succeeded)
            return created.Problem!;
        var environment = created.Value;
        if (await db.Environments.AnyAsync(e => e.Name == environment.Name, ct))
            return Problem.Conflict($"An environment named '{environment.Name}' exists already.", "Name");
        var ns = environment.Namespace;
        var allowed = reserved.CheckNamespace(ns, "Name");
        if (!allowed.Succeeded)
            return allowed.Problem!;
        // "a-b" + "c" and "a" + "b-c" are both "a-b-c"; the unique index on namespaces keeps a race out as well.
        if (await db.Environments.IgnoreQueryFilters().AnyAsync(e => e.Namespace == ns, ct))
            return Problem.Conflict(
                $"Namespace '{ns}' belongs to an environment of another tenant; choose another name.",
                "Name"
            );

        // Asked before the lock is taken: nobody waits on a cluster behind the quota's row lock.
        var free = await NamespaceFreeAsync(pool, ns, ct);
        if (!free.Succeeded)
            return free.Problem!;

        var saved = await quotaLock.RunAsync(
            quotaId.Value,
            async () =>
            {
                var granted = await db
                    .TenantQuotas.AsNoTracking()
                    .Where(q => q.Id == quotaId)
                    .Select(q => q.Granted)
                    .FirstAsync(ct);
                var taken = ResourceAmounts.Sum(
                    await db
                        .Environments.AsNoTracking()
                        .Where(e => e.PoolId == pool.Id)
                        .Select(e => e.Share)
                        .ToListAsync(ct)
                );
                var admitted = QuotaAdmission.Admit(pool.Name, share, granted, taken);
                if (!admitted.Succeeded)
                {
                    audit.RecordRefusal(
                        actor,
                        tenant,
                        EnvironmentAuditActions.Created,
                        "environment",
                        environment.Name,
                        $"pool '{pool.Name}', share {share}",
                        admitted.Problem!.Message
                    );
                    return admitted.Problem!;
                }

                var operation = new Operation(
                    tenant.Id,
                    OperationKinds.EnvironmentCreate,
                    "environment",
                    environment.Name,
                    actor.Name,
                    clock.GetUtcNow().UtcDateTime
                );
                db.Environments.Add(environment);
                db.Operations.Add(operation);
                audit.RecordForOperation(
                    actor,
                    tenant,
                    EnvironmentAuditActions.Created,
                    "environment",
                    environment.Name,
                    $"pool '{pool.Name}', namespace '{environment.Namespace}', share {share}",
                    operation
                );
                if (!await db.TrySaveUniqueAsync(ct))
                {
                    return Problem.Conflict(
                        $"An environment named '{environment.Name}' exists already, or namespace "
                            + $"'{ns}' was taken by another "
                            + "tenant's environment meanwhile; choose another name.",
                        "Name"
                    );
                }

                return Result<Operation>.Ok(operation);
            },
            ct
        );
        if (saved.Succeeded)
            queue.Enqueue(saved.Value);
        return saved;
    }

    /// <summary>
    /// Asks the pool's cluster whether the namespace exists: an environment only ever gets a namespace it makes.
    /// </summary>
    private async Task<Result> NamespaceFreeAsync(ResourcePool pool, string ns, CancellationToken ct)
    {
        var found = await gateway.FindNamespaceAsync(pool.ClusterId, ns, ct);
        if (!found.Succeeded)
        {
            return Problem.Unavailable(
                $"The cluster of pool '{pool.Name}' could not be asked whether namespace '{ns}' is free: "
                    + $"{found.Problem!.Message} Nothing was created; try again when it answers."
            );
        }

        return found.Value switch
        {
            null => Result.Ok(),
            { Terminating: true } => Problem.Conflict(
                $"Namespace '{ns}' is still being deleted in the cluster of pool "
                    + $"'{pool.Name}'; try again once it is gone.",
                "Name"
            ),
            _ => Problem.Conflict(
                $"Namespace '{ns}' exists already in the cluster of pool '{pool.Name}' "
                    + "and was not made by the portal for "
                    + "this environment; choose another name, or have a platform admin remove the namespace.",
                "Name"
            ),
        };
    }

    /// <summary>
    /// Changes an environment's share: admitted against the rest of the quota under the quota's lock, and never below
    /// what the environment's workloads hold (under the environment's admission lock too, so that a deploy admitted at
    /// the same moment is counted); applied to its ResourceQuota by a job.
    /// </summary>
    public async Task<Result<Operation>> ChangeShareAsync(
        string environmentName,
        ResourceAmounts share,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var found = await db
            .Environments.AsNoTracking()
            .Where(e => e.Name == environmentName)
            .Select(e => new { e.Id, e.PoolId })
            .FirstOrDefaultAsync(ct);
        if (found is null)
            return Problem.NotFound($"Environment '{environmentName}'");
        var pool = await db.ResourcePools.AsNoTracking().FirstAsync(p => p.Id == found.PoolId, ct);
        var quotaId = await db
            .TenantQuotas.Where(q => q.PoolId == pool.Id)
            .Select(q => (Guid?)q.Id)
            .FirstOrDefaultAsync(ct);
        if (quotaId is null)
            return Problem.Invalid(
                "Share",
                $"This tenant has no quota in pool '{pool.Name}' any more; a platform admin grants it."
            );

        var saved = await quotaLock.RunAsync(
            quotaId.Value,
            async () =>
            {
                await db
                    .Environments.Where(e => e.Id == found.Id)
                    .ExecuteUpdateAsync(u => u.SetProperty(e => e.AdmissionStamp, e => e.AdmissionStamp + 1), ct);
                var environment = await db.Environments.FirstAsync(e => e.Id == found.Id, ct);
                var granted = await db
                    .TenantQuotas.AsNoTracking()
                    .Where(q => q.Id == quotaId)
                    .Select(q => q.Granted)
                    .FirstAsync(ct);
                var others = ResourceAmounts.Sum(
                    await db
                        .Environments.AsNoTracking()
                        .Where(e => e.PoolId == pool.Id && e.Id != environment.Id)
                        .Select(e => e.Share)
                        .ToListAsync(ct)
                );
                var admitted = QuotaAdmission.Admit(pool.Name, share, granted, others);
                if (!admitted.Succeeded)
                    return ShareRefused(actor, tenant, environment, share, admitted.Problem!);
                var below = ResourceAmounts.BelowHeld(
                    share with
                    {
                        MiddlewareInstances = 0,
                    },
                    await holdings.InEnvironmentAsync(environment.Id, ct)
                );
                if (below.Count > 0)
                {
                    return ShareRefused(
                        actor,
                        tenant,
                        environment,
                        share,
                        Problem.Conflict(
                            $"The share of environment '{environment.Name}' cannot go below what its "
                                + $"workloads hold: {string.Join("; ", below)}.",
                            "Share"
                        )
                    );
                }

                var before = environment.Share;
                var changed = environment.ChangeShare(share);
                if (!changed.Succeeded)
                    return changed.Problem!;
                var operation = new Operation(
                    tenant.Id,
                    OperationKinds.EnvironmentUpdateQuota,
                    "environment",
                    environment.Name,
                    actor.Name,
                    clock.GetUtcNow().UtcDateTime
                );
                db.Operations.Add(operation);
                audit.RecordForOperation(
                    actor,
                    tenant,
                    EnvironmentAuditActions.ShareChanged,
                    "environment",
                    environment.Name,
                    $"'{before}' → '{share}'",
                    operation
                );
                await db.SaveChangesAsync(ct);
                return Result<Operation>.Ok(operation);
            },
            ct
        );
        if (saved.Succeeded)
            queue.Enqueue(saved.Value);
        return saved;
    }

    /// <summary>
    /// A share refused by the quota or by what the environment holds: audited as denied once the quota's lock is let
    /// go.
    /// </summary>
    private Problem ShareRefused(
        Actor actor,
        Tenant tenant,
        TenantEnvironment environment,
        ResourceAmounts share,
        Problem refused
    )
    {
        audit.RecordRefusal(
            actor,
            tenant,
            EnvironmentAuditActions.ShareChanged,
            "environment",
            environment.Name,
            $"'{environment.Share}' → '{share}'",
            refused.Message
        );
        return refused;
    }

    /// <summary>Counts what runs in the environment's namespace, live from its cluster, before a deletion.</summary>
    public async Task<Result<EnvironmentDeletion>> PrepareDeletionAsync(string environmentName, CancellationToken ct)
    {
        var tenant = currentTenant.Required;
        var environment = await db.EnvironmentUsage(environmentName).FirstOrDefaultAsync(ct);
        if (environment is null)
            return Problem.NotFound($"Environment '{environmentName}'");
        var clusterId = await db
            .ResourcePools.Where(p => p.Id == environment.PoolId)
            .Select(p => p.ClusterId)
            .FirstAsync(ct);
        var ns = await gateway.FindNamespaceAsync(clusterId, environment.Namespace, ct);
        var owner = new Ownership(tenant.Id, tenant.Slug, environment.Id, environment.Name);
        if (ns.Succeeded && ns.Value is { } found && !NamespaceClaim.IsOwnedBy(found, owner, environment.CreatedAt))
            return new EnvironmentDeletion(environment, [], null, NamespaceNotOwned: true);
        var workloads = await gateway.CountWorkloadsAsync(
            clusterId,
            environment.Namespace,
            EnvironmentDeletion.NamedOfEachKind,
            ct
        );
        return workloads.Succeeded ? new EnvironmentDeletion(environment, workloads.Value, null)
            : workloads.Problem!.Kind == ProblemKind.NotFound ? new EnvironmentDeletion(environment, [], null)
            : new EnvironmentDeletion(environment, [], workloads.Problem.Message.TrimEnd('.'));
    }

    /// <summary>
    /// Deletes an environment and its namespace, with everything running in it, as a job. When something runs there
    /// (or that cannot be known), the environment's name must be typed to confirm, and the refusal names what runs.
    /// </summary>
    public async Task<Result<Operation>> DeleteAsync(string environmentName, string? confirmName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var deletion = await PrepareDeletionAsync(environmentName, ct);
        if (!deletion.Succeeded)
            return deletion.Problem!;
        if (deletion.Value.Environment.State == EnvironmentState.Deleting)
            return Problem.Conflict($"Environment '{environmentName}' is being deleted already.");
        if (
            deletion.Value.NeedsConfirmation
            && !string.Equals(confirmName?.Trim(), environmentName, StringComparison.Ordinal)
        )
            return Problem.Invalid("ConfirmName", $"{deletion.Value.Warning} Type '{environmentName}' to confirm.");
        var environment = await db.Environments.FirstAsync(e => e.Name == environmentName, ct);
        environment.MarkDeleting();
        var operation = new Operation(
            tenant.Id,
            OperationKinds.EnvironmentDelete,
            "environment",
            environment.Name,
            actor.Name,
            clock.GetUtcNow().UtcDateTime
        );
        db.Operations.Add(operation);
        audit.RecordForOperation(
            actor,
            tenant,
            EnvironmentAuditActions.Deleted,
            "environment",
            environment.Name,
            deletion.Value.Warning,
            operation
        );
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
        return operation;
    }

    /// <summary>Queues a failed operation again; its job resumes after the steps already done.</summary>
    public async Task<Result<Operation>> RetryAsync(Guid operationId, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var operation = await db.Operations.FirstOrDefaultAsync(o => o.Id == operationId, ct);
        if (operation is null)
            return Problem.NotFound("The operation");
        var retried = operation.Retry(clock.GetUtcNow().UtcDateTime);
        if (!retried.Succeeded)
            return retried.Problem!;
        audit.RecordForOperation(
            actor,
            tenant,
            OperationAuditActions.Retried,
            "operation",
            operation.Id.ToString(),
            $"{operation.Kind} of {operation.TargetId}",
            operation
        );
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
        return operation;
    }
}

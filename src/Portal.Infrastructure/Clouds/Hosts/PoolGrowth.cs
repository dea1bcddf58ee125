using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;

namespace Portal.Infrastructure.Clouds.Hosts;

/// <summary>A host the portal provisioned, as lists show it, with where its operation stands.</summary>
public sealed record CloudHostRow(
    Guid Id,
    string Name,
    string Pool,
    CloudKind Kind,
    string Account,
    string Template,
    string Region,
    string Zone,
    string InstanceType,
    int Cpus,
    int MemoryMiB,
    string? InstanceId,
    string? PrivateAddress,
    CloudHostState State,
    Guid OperationId,
    string? OperationStep,
    string? OperationError,
    string RequestedBy,
    DateTime RequestedAt,
    DateTime? ReadyAt
);

/// <summary>
/// Grows a pool with hosts from one of its templates and takes them out again: every host is an operation of its own,
/// admitted first against the pool's maximum and the provider's quota, refused with the numbers.
/// </summary>
public sealed class PoolGrowth(
    PortalDbContext db,
    PoolCatalog pools,
    CloudProviders providers,
    IOperationQueue queue,
    ICurrentActor currentActor,
    AuditTrail audit,
    TimeProvider clock
)
{
    public const int MaxAtOnce = 100;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Provisions <paramref name="count"/> hosts from the template into its pool.</summary>
    public async Task<Result<IReadOnlyList<CloudHost>>> GrowAsync(
        string poolName,
        string? templateName,
        int? count,
        CancellationToken ct
    )
    {
        if (count is not { } wanted)
            return Problem.Invalid("Count", "Say how many hosts to add.");
        if (wanted is < 1 or > MaxAtOnce)
            return Problem.Invalid("Count", $"Add 1 to {MaxAtOnce} hosts at once; {wanted} asked.");
        var pool = await db.ResourcePools.FirstOrDefaultAsync(p => p.Name == poolName, ct);
        if (pool is null)
            return Problem.NotFound($"Pool '{poolName}'");
        var template = await db.HostTemplates.FirstOrDefaultAsync(
            t => t.PoolId == pool.Id && t.Name == templateName,
            ct
        );
        if (template is null)
            return Problem.Invalid("Template", $"Pool '{poolName}' has no template named '{templateName}'.");
        var account = await db.CloudAccounts.FirstAsync(a => a.Id == template.AccountId, ct);
        if (!account.ServesPool(pool.Id))
            return Problem.Conflict($"Account '{account.Name}' is lent to another pool now.", "Template");

        var held = await HeldAsync(pool.Id, poolName, ct);
        var admitted = pool.AdmitsHosts(wanted, held);
        if (!admitted.Succeeded)
            return admitted.Problem!;
        try
        {
            var quota = await providers.For(account.Kind).QuotaAsync(providers.AccessFor(account, template.Region), ct);
            if (quota.InstancesLeft is { } instancesLeft && instancesLeft < wanted)
                return Problem.Conflict(
                    $"Account '{account.Name}' may start {instancesLeft} more instance(s) in {template.Region}; "
                        + $"{wanted} asked. Raise the provider's quota or add fewer.",
                    "Count"
                );
            if (quota.CpusLeft is { } cpusLeft && cpusLeft < wanted * template.Cpus)
                return Problem.Conflict(
                    $"Account '{account.Name}' has {cpusLeft} vCPU(s) of quota left in {template.Region}; "
                        + $"{wanted} × {template.InstanceType} need {wanted * template.Cpus}.",
                    "Count"
                );
        }
        catch (CloudRefusal refusal)
        {
            return CloudAccounts.Refused(refusal, "Template");
        }

        var actor = currentActor.Actor;
        var hosts = new List<CloudHost>();
        var operations = new List<Operation>();
        for (var i = 0; i < wanted; i++)
        {
            var host = CloudHost.Plan(pool.Id, pool.Name, pool.ClusterId, account, template, actor.Name, Now);
            var operation = new Operation(
                null,
                OperationKinds.HostProvision,
                "host",
                $"{pool.Name}/{host.Name}",
                actor.Name,
                Now
            );
            host.StartedBy(operation.Id);
            db.CloudHosts.Add(host);
            db.Operations.Add(operation);
            audit.RecordForOperation(
                actor,
                null,
                CloudAuditActions.PoolGrowRequested,
                "host",
                $"{pool.Name}/{host.Name}",
                $"from template {template.Name} ({account.Kind} {template.InstanceType}, {template.Region})",
                operation
            );
            hosts.Add(host);
            operations.Add(operation);
        }
        await db.SaveChangesAsync(ct);
        foreach (var operation in operations)
            queue.Enqueue(operation);
        return hosts;
    }

    /// <summary>Resumes a failed provisioning at the step that failed.</summary>
    public async Task<Result> RetryAsync(Guid hostId, CancellationToken ct)
    {
        var host = await db.CloudHosts.FirstOrDefaultAsync(h => h.Id == hostId, ct);
        if (host is null)
            return Problem.NotFound("The host");
        var operation = await db.Operations.IgnoreQueryFilters().FirstAsync(o => o.Id == host.OperationId, ct);
        var retried = host.Retry();
        if (!retried.Succeeded)
            return retried;
        var queued = operation.Retry(Now);
        if (!queued.Succeeded)
        {
            db.ChangeTracker.Clear();
            return queued;
        }
        audit.RecordForOperation(
            currentActor.Actor,
            null,
            CloudAuditActions.HostRetried,
            "host",
            host.Name,
            null,
            operation
        );
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
        return Result.Ok();
    }

    /// <summary>Gives up a failed provisioning: what it made is removed by an operation of its own.</summary>
    public Task<Result> AbandonAsync(Guid hostId, CancellationToken ct) =>
        EndAsync(hostId, OperationKinds.HostAbandon, CloudAuditActions.HostAbandonRequested, ct);

    /// <summary>Takes a Ready host out of its pool and gives its machine back.</summary>
    public Task<Result> DecommissionAsync(Guid hostId, CancellationToken ct) =>
        EndAsync(hostId, OperationKinds.HostDecommission, CloudAuditActions.HostDecommissionRequested, ct);

    private async Task<Result> EndAsync(Guid hostId, string kind, string action, CancellationToken ct)
    {
        var host = await db.CloudHosts.FirstOrDefaultAsync(h => h.Id == hostId, ct);
        if (host is null)
            return Problem.NotFound("The host");
        var pool = await db.ResourcePools.Where(p => p.Id == host.PoolId).Select(p => p.Name).FirstAsync(ct);
        var actor = currentActor.Actor;
        var operation = new Operation(null, kind, "host", $"{pool}/{host.Name}", actor.Name, Now);
        var ended =
            kind == OperationKinds.HostAbandon
                ? host.Abandon(operation.Id)
                : host.Decommission(operation.Id, actor.Name);
        if (!ended.Succeeded)
            return ended;
        db.Operations.Add(operation);
        audit.RecordForOperation(actor, null, action, "host", $"{pool}/{host.Name}", host.InstanceId, operation);
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
        return Result.Ok();
    }

    /// <summary>
    /// The hosts the pool holds for its maximum: its nodes now, and the portal's hosts not joined yet (or failed, and
    /// not given up).
    /// </summary>
    public async Task<int> HeldAsync(Guid poolId, string poolName, CancellationToken ct)
    {
        var nodes = (await pools.SummaryAsync(poolName, ct))?.Nodes ?? 0;
        var coming = await db.CloudHosts.CountAsync(
            h =>
                h.PoolId == poolId
                && (
                    h.State == CloudHostState.Provisioning
                    || h.State == CloudHostState.Failed
                    || h.State == CloudHostState.Abandoning
                ),
            ct
        );
        return nodes + coming;
    }

    /// <summary>The portal's hosts, newest first, of one pool or all; paged on the server.</summary>
    public async Task<(IReadOnlyList<CloudHostRow> Rows, int Total)> ListAsync(
        string? poolName,
        bool includeEnded,
        int page,
        int pageSize,
        CancellationToken ct
    )
    {
        var query = db.CloudHosts.AsNoTracking();
        if (poolName is not null)
        {
            var poolId = await db
                .ResourcePools.Where(p => p.Name == poolName)
                .Select(p => p.Id)
                .FirstOrDefaultAsync(ct);
            query = query.Where(h => h.PoolId == poolId);
        }
        if (!includeEnded)
            query = query.Where(h => h.State != CloudHostState.Decommissioned && h.State != CloudHostState.Abandoned);
        var total = await query.CountAsync(ct);
        var rows = await Rows(query.OrderByDescending(h => h.RequestedAt).ThenBy(h => h.Id))
            .Skip((Math.Max(page, 1) - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(ct);
        return (await WithStepsAsync(rows, ct), total);
    }

    public async Task<CloudHostRow?> FindAsync(Guid id, CancellationToken ct)
    {
        var row = await Rows(db.CloudHosts.AsNoTracking().Where(h => h.Id == id)).FirstOrDefaultAsync(ct);
        return row is null ? null : (await WithStepsAsync([row], ct))[0];
    }

    /// <summary>The operations of a host, newest first, with their steps.</summary>
    public Task<List<Operation>> OperationsAsync(CloudHost host, CancellationToken ct)
    {
        var target = db.ResourcePools.Where(p => p.Id == host.PoolId).Select(p => p.Name + "/" + host.Name);
        return db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o => o.TenantId == null && o.TargetType == "host" && target.Contains(o.TargetId))
            .OrderByDescending(o => o.CreatedAt)
            .Take(20)
            .ToListAsync(ct);
    }

    private IQueryable<CloudHostRow> Rows(IQueryable<CloudHost> hosts) =>
        hosts.Select(h => new CloudHostRow(
            h.Id,
            h.Name,
            db.ResourcePools.Where(p => p.Id == h.PoolId).Select(p => p.Name).First(),
            h.Kind,
            h.AccountName,
            h.TemplateName,
            h.Region,
            h.Zone,
            h.InstanceType,
            h.Cpus,
            h.MemoryMiB,
            h.InstanceId,
            h.PrivateAddress,
            h.State,
            h.OperationId,
            null,
            null,
            h.RequestedBy,
            h.RequestedAt,
            h.ReadyAt
        ));

    /// <summary>Adds where each host's operation stands, read in one query for the page.</summary>
    private async Task<IReadOnlyList<CloudHostRow>> WithStepsAsync(List<CloudHostRow> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.OperationId).ToList();
        var operations = await db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o => ids.Contains(o.Id))
            .ToDictionaryAsync(o => o.Id, ct);
        return rows.Select(r =>
                operations.TryGetValue(r.OperationId, out var o)
                    ? r with
                    {
                        OperationStep = o.Steps.LastOrDefault()?.Name,
                        OperationError = o.Error,
                    }
                    : r
            )
            .ToList();
    }
}

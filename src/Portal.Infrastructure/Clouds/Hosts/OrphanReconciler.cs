using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clouds.Hosts;

/// <summary>
/// Lists, in every region of every account, the instances tagged as the portal's, and finds those no live host holds:
/// tagged for a host that was abandoned, decommissioned or never saved, or holding another instance than its host's.
/// It reports them on the account, audited, and terminates them where the account says so — never an instance younger
/// than <see cref="CloudOptions.OrphanGrace"/>, whose host may be on its way.
/// </summary>
public sealed class OrphanReconciler(
    PortalDbContext db,
    CloudProviders providers,
    AuditTrail audit,
    IOptions<CloudOptions> options,
    TimeProvider clock,
    ILogger<OrphanReconciler> logger
)
{
    public async Task ScanAllAsync(CancellationToken ct)
    {
        foreach (var name in await db.CloudAccounts.Select(a => a.Name).ToListAsync(ct))
            await ScanAsync(name, ct);
    }

    /// <summary>Scans one account; returns what it found, in words.</summary>
    public async Task<string> ScanAsync(string accountName, CancellationToken ct)
    {
        var account = await db.CloudAccounts.FirstOrDefaultAsync(a => a.Name == accountName, ct);
        if (account is null)
            return $"There is no account '{accountName}'.";
        var live = await db
            .CloudHosts.Where(h =>
                h.AccountId == account.Id
                && h.State != CloudHostState.Decommissioned
                && h.State != CloudHostState.Abandoned
            )
            .Select(h => new { h.Id, h.InstanceId })
            .ToDictionaryAsync(h => h.Id.ToString("N"), h => h.InstanceId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var found = new List<string>();
        var removed = 0;
        var failures = new List<string>();
        foreach (var region in account.RegionList)
        {
            IReadOnlyList<CloudInstance> instances;
            try
            {
                instances = await providers
                    .For(account.Kind)
                    .ListManagedAsync(providers.AccessFor(account, region), ct);
            }
            catch (CloudRefusal refusal)
            {
                failures.Add($"{region}: {CloudProviders.Explain(refusal)}");
                continue;
            }
            foreach (var instance in instances.Where(i => i.State != CloudInstanceState.Terminated))
            {
                var held =
                    instance.HostTag is { } tag
                    && live.TryGetValue(tag, out var instanceId)
                    && (instanceId is null || instanceId == instance.Id);
                if (held || (instance.CreatedAt is { } created && now - created < options.Value.OrphanGrace))
                    continue;
                found.Add($"{instance.Id} ({instance.Name}, {region})");
                audit.Record(
                    Actor.System,
                    null,
                    CloudAuditActions.OrphanFound,
                    "cloud-account",
                    account.Name,
                    instance.Id
                );
                if (!account.RemoveOrphans)
                    continue;
                try
                {
                    await providers
                        .For(account.Kind)
                        .TerminateAsync(providers.AccessFor(account, region), instance.Id, ct);
                    removed++;
                    audit.Record(
                        Actor.System,
                        null,
                        CloudAuditActions.OrphanRemoved,
                        "cloud-account",
                        account.Name,
                        instance.Id
                    );
                }
                catch (CloudRefusal refusal)
                {
                    failures.Add($"{instance.Id}: {CloudProviders.Explain(refusal)}");
                }
            }
        }
        var report =
            found.Count == 0
                ? "No orphaned instances."
                : $"{found.Count} orphaned instance(s): {string.Join(", ", found.Take(20))}"
                    + (
                        account.RemoveOrphans ? $"; {removed} terminated." : "; not removed (the account only reports)."
                    );
        if (failures.Count > 0)
            report += " Could not scan or remove: " + string.Join("; ", failures);
        account.OrphansScanned(report, now);
        await db.SaveChangesAsync(ct);
        if (found.Count > 0)
            logger.LogWarning("Cloud account {Account}: {Report}", account.Name, report);
        return report;
    }
}

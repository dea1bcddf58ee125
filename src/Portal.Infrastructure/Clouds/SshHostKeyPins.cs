using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clouds;

/// <summary>
/// Bare-metal host keys pinned in the database, each in a unit of work of its own so that a pin is kept whatever the
/// caller's work does after; a pin is audited.
/// </summary>
public sealed class SshHostKeyPins(IServiceScopeFactory scopes, TimeProvider clock) : ISshHostKeyPins
{
    public async Task<string?> FindAsync(Guid accountId, string address, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope
            .ServiceProvider.GetRequiredService<PortalDbContext>()
            .PinnedHostKeys.Where(k => k.AccountId == accountId && k.Address == address)
            .Select(k => k.Fingerprint)
            .FirstOrDefaultAsync(ct);
    }

    public async Task PinAsync(Guid accountId, string address, string fingerprint, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var account = await db.CloudAccounts.Where(a => a.Id == accountId).Select(a => a.Name).FirstOrDefaultAsync(ct);
        db.PinnedHostKeys.Add(new PinnedHostKey(accountId, address, fingerprint, clock.GetUtcNow().UtcDateTime));
        scope
            .ServiceProvider.GetRequiredService<AuditTrail>()
            .Record(
                Actor.System,
                null,
                CloudAuditActions.HostKeyPinned,
                "cloud-account",
                account ?? accountId.ToString(),
                $"{address} {fingerprint}"
            );
        // Two contacts at once may both pin the key they both saw: the first one's row is kept.
        await db.TrySaveUniqueAsync(ct);
    }
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Monitoring;

/// <summary>
/// A channel as lists show it: a webhook's target is its scheme and host only, unless the reader is an admin of the
/// channel's owner, since its path or query may be its credential.
/// </summary>
public sealed record ChannelRow(Guid Id, string Name, ChannelKind Kind, string Target, bool Enabled, DateTime CreatedAt)
{
    public static ChannelRow Of(NotificationChannel channel, string? wholeUrl = null) =>
        new(channel.Id, channel.Name, channel.Kind, wholeUrl ?? channel.Target, channel.Enabled, channel.CreatedAt);
}

/// <summary>
/// A webhook channel just created or given a new secret, with that secret in clear: shown to the user this once.
/// </summary>
public sealed record IssuedChannelSecret(ChannelRow Channel, string Secret);

/// <summary>
/// The notification channels of the platform (tenant = null) or of one tenant: listed, created, switched on and off,
/// deleted, given a new signing secret and tried with a test message — each change audited. Webhook secrets are stored
/// only sealed.
/// </summary>
public sealed class ChannelDirectory(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    ChannelSecretVault vault,
    WebhookTargetGuard guard,
    IEnumerable<INotificationSender> senders,
    IAlertPageLinks links,
    TimeProvider clock
)
{
    /// <summary>
    /// The owner's channels; <paramref name="wholeUrls"/> (for the owner's admins only) shows webhook URLs whole.
    /// </summary>
    public async Task<IReadOnlyList<ChannelRow>> ListAsync(Guid? tenantId, bool wholeUrls, CancellationToken ct) =>
        (
            await db
                .NotificationChannels.AsNoTracking()
                .Where(c => c.TenantId == tenantId)
                .OrderBy(c => c.Name)
                .ToListAsync(ct)
        )
            .Select(channel => Row(channel, wholeUrls))
            .ToList();

    public async Task<ChannelRow?> FindAsync(Guid? tenantId, Guid channelId, bool wholeUrls, CancellationToken ct) =>
        await db
            .NotificationChannels.AsNoTracking()
            .FirstOrDefaultAsync(c => c.Id == channelId && c.TenantId == tenantId, ct)
            is { } found
            ? Row(found, wholeUrls)
            : null;

    /// <summary>
    /// Creates a webhook channel whose URL the SSRF guard accepts, and issues its signing secret; the answer, for the
    /// admin who created it, shows the URL whole.
    /// </summary>
    public async Task<Result<IssuedChannelSecret>> CreateWebhookAsync(string? name, string? url, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        var secret = ChannelSecretVault.NewSecret();
        var created = NotificationChannel.CreateWebhook(tenant?.Id, name, url, vault.Seal(secret), vault.SealUrl, Now);
        if (!created.Succeeded)
            return created.Problem!;
        var reachable = await guard.CheckAsync(new Uri(url!.Trim()), ct);
        if (!reachable.Succeeded)
            return reachable.Problem!;
        if (await NameTakenAsync(created.Value, ct) is { } taken)
            return taken;
        await AddAsync(actor, tenant, created.Value, ct);
        return new IssuedChannelSecret(Row(created.Value, wholeUrls: true), secret);
    }

    /// <summary>
    /// Seals the URLs of webhooks saved before URLs were sealed, which hold them whole where anyone who reads the
    /// channel sees them; run at every start, it finds nothing to do once they are sealed.
    /// </summary>
    public async Task SealPlainUrlsAsync(CancellationToken ct)
    {
        var plain = await db
            .NotificationChannels.IgnoreQueryFilters()
            .Where(c => c.Kind == ChannelKind.Webhook && c.SealedUrl == "")
            .ToListAsync(ct);
        foreach (var channel in plain)
            channel.SealPlainUrl(vault.SealUrl);
        if (plain.Count > 0)
            await db.SaveChangesAsync(ct);
    }

    public async Task<Result<ChannelRow>> CreateEmailAsync(string? name, string? recipients, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        var created = NotificationChannel.CreateEmail(tenant?.Id, name, recipients, Now);
        if (!created.Succeeded)
            return created.Problem!;
        if (await NameTakenAsync(created.Value, ct) is { } taken)
            return taken;
        return await AddAsync(actor, tenant, created.Value, ct);
    }

    public async Task<Result> SwitchAsync(Guid channelId, bool enabled, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        if (await OwnedAsync(tenant, channelId, ct) is not { } channel)
            return Problem.NotFound("The channel");
        if (enabled)
            channel.Enable();
        else
            channel.Disable();
        audit.Record(
            actor,
            tenant,
            enabled ? MonitoringAuditActions.ChannelEnabled : MonitoringAuditActions.ChannelDisabled,
            "channel",
            channel.Name
        );
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    /// <summary>Deletes the channel, and takes it off the rules of its owner that notified it.</summary>
    public async Task<Result> DeleteAsync(Guid channelId, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        if (await OwnedAsync(tenant, channelId, ct) is not { } channel)
            return Problem.NotFound("The channel");
        var owner = tenant?.Id;
        foreach (var rule in await db.AlertRules.Where(r => r.TenantId == owner).ToListAsync(ct))
            rule.StopNotifying(channelId);
        db.NotificationChannels.Remove(channel);
        audit.Record(
            actor,
            tenant,
            MonitoringAuditActions.ChannelDeleted,
            "channel",
            channel.Name,
            $"{channel.Kind} {channel.Target}"
        );
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    /// <summary>Replaces a webhook's signing secret; the new one is returned in clear this once.</summary>
    public async Task<Result<IssuedChannelSecret>> RotateSecretAsync(Guid channelId, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        if (await OwnedAsync(tenant, channelId, ct) is not { } channel)
            return Problem.NotFound("The channel");
        if (channel.Kind != ChannelKind.Webhook)
            return Problem.Conflict(
                "Only webhook channels are signed with a secret; an e-mail channel has none to rotate."
            );
        var secret = ChannelSecretVault.NewSecret();
        channel.ReplaceSecret(vault.Seal(secret));
        audit.Record(actor, tenant, MonitoringAuditActions.ChannelSecretRotated, "channel", channel.Name);
        await db.SaveChangesAsync(ct);
        return new IssuedChannelSecret(Row(channel, wholeUrls: true), secret);
    }

    /// <summary>
    /// Sends a test message through the channel, enabled or not, and says what became of it; no delivery is recorded.
    /// </summary>
    public async Task<Result<DeliveryOutcome>> TestAsync(Guid channelId, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Tenant;
        if (await OwnedAsync(tenant, channelId, ct) is not { } channel)
            return Problem.NotFound("The channel");
        var now = Now;
        var link = links.Channels(tenant?.Slug);
        var message = new AlertMessage(
            Guid.NewGuid(),
            "test",
            "Test message",
            "info",
            channel.Name,
            tenant?.Slug,
            0,
            0,
            $"A test message sent by {actor.Name} to check that channel '{channel.Name}' delivers.",
            now,
            null,
            link
        );
        var outcome = await senders.First(s => s.Kind == channel.Kind).SendAsync(channel, message, ct);
        audit.Record(
            actor,
            tenant,
            MonitoringAuditActions.ChannelTested,
            "channel",
            channel.Name,
            outcome.Delivered ? "delivered" : outcome.Error,
            outcome.Delivered ? AuditOutcome.Succeeded : AuditOutcome.Failed
        );
        await db.SaveChangesAsync(ct);
        return outcome;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private Task<NotificationChannel?> OwnedAsync(Tenant? tenant, Guid channelId, CancellationToken ct)
    {
        var owner = tenant?.Id;
        return db.NotificationChannels.FirstOrDefaultAsync(c => c.Id == channelId && c.TenantId == owner, ct);
    }

    private async Task<Problem?> NameTakenAsync(NotificationChannel channel, CancellationToken ct)
    {
        var (owner, name) = (channel.TenantId, channel.Name);
        return await db.NotificationChannels.AnyAsync(c => c.TenantId == owner && c.Name == name, ct)
            ? Problem.Conflict($"A channel named '{name}' already exists.", "Name")
            : null;
    }

    private ChannelRow Row(NotificationChannel channel, bool wholeUrls) =>
        ChannelRow.Of(channel, wholeUrls && channel.SealedUrl.Length > 0 ? vault.OpenUrl(channel.SealedUrl) : null);

    private async Task<ChannelRow> AddAsync(
        Actor actor,
        Tenant? tenant,
        NotificationChannel channel,
        CancellationToken ct
    )
    {
        db.NotificationChannels.Add(channel);
        audit.Record(
            actor,
            tenant,
            MonitoringAuditActions.ChannelCreated,
            "channel",
            channel.Name,
            $"{channel.Kind} {channel.Target}"
        );
        await db.SaveChangesAsync(ct);
        return ChannelRow.Of(channel);
    }
}

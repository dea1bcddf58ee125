using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Monitoring;

/// <summary>
/// A new channel: a webhook takes <c>url</c>, an e-mail channel <c>recipients</c> (separated by commas).
/// </summary>
public sealed record ChannelRequest(ChannelKind? Kind, string? Name, string? Url, string? Recipients);

/// <summary>
/// A webhook channel with the secret it signs with, answered once: when it is created or given a new secret.
/// </summary>
public sealed record IssuedChannelResource(
    Guid Id,
    string Name,
    ChannelKind Kind,
    string Target,
    bool Enabled,
    DateTime CreatedAt,
    string Secret
)
{
    public static IssuedChannelResource From(IssuedChannelSecret issued) =>
        new(
            issued.Channel.Id,
            issued.Channel.Name,
            issued.Channel.Kind,
            issued.Channel.Target,
            issued.Channel.Enabled,
            issued.Channel.CreatedAt,
            issued.Secret
        );
}

/// <summary>
/// Notification channels of a tenant (<c>/api/v1/tenants/{tenant}/channels</c>: members read, tenant admins change) and
/// of the platform (<c>/api/v1/channels</c>, platform admins). A webhook's secret is answered only when it is issued.
/// </summary>
public sealed class ChannelsApiController(ChannelDirectory channels) : ApiControllerBase
{
    private const string TenantChannels = "api/v1/tenants/{tenant}/channels";
    private const string PlatformChannels = "api/v1/channels";

    /// <summary>
    /// The tenant's channels; a webhook's <c>target</c> is its whole URL for tenant admins, its scheme and host for
    /// everyone else.
    /// </summary>
    [HttpGet(TenantChannels), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<ChannelRow>> List(CancellationToken ct) =>
        channels.ListAsync(Tenant.Id, SeesWholeUrls, ct);

    [HttpGet(PlatformChannels), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IReadOnlyList<ChannelRow>> PlatformList(CancellationToken ct) =>
        channels.ListAsync(null, wholeUrls: true, ct);

    /// <summary>Creates a channel; a webhook's answer carries its signing secret, this once.</summary>
    [HttpPost(TenantChannels), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> Create(ChannelRequest request, CancellationToken ct) => CreateAsync(Tenant, request, ct);

    [HttpPost(PlatformChannels), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformCreate(ChannelRequest request, CancellationToken ct) =>
        CreateAsync(null, request, ct);

    [HttpGet(TenantChannels + "/{channelId:guid}"), Authorize(TenantPolicies.Read)]
    [ProducesResponseType<ChannelRow>(StatusCodes.Status200OK)]
    public Task<IActionResult> Get(Guid channelId, CancellationToken ct) => GetAsync(Tenant, channelId, ct);

    [HttpGet(PlatformChannels + "/{channelId:guid}"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<ChannelRow>(StatusCodes.Status200OK)]
    public Task<IActionResult> PlatformGet(Guid channelId, CancellationToken ct) => GetAsync(null, channelId, ct);

    /// <summary>Deletes the channel and takes it off the rules that named it.</summary>
    [HttpDelete(TenantChannels + "/{channelId:guid}"), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> Delete(Guid channelId, CancellationToken ct) => DeleteAsync(channelId, ct);

    [HttpDelete(PlatformChannels + "/{channelId:guid}"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDelete(Guid channelId, CancellationToken ct) => DeleteAsync(channelId, ct);

    [HttpPost(TenantChannels + "/{channelId:guid}/enable"), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> Enable(Guid channelId, CancellationToken ct) => SwitchAsync(Tenant, channelId, true, ct);

    [HttpPost(TenantChannels + "/{channelId:guid}/disable"), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> Disable(Guid channelId, CancellationToken ct) =>
        SwitchAsync(Tenant, channelId, false, ct);

    [HttpPost(PlatformChannels + "/{channelId:guid}/enable"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformEnable(Guid channelId, CancellationToken ct) =>
        SwitchAsync(null, channelId, true, ct);

    [HttpPost(PlatformChannels + "/{channelId:guid}/disable"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDisable(Guid channelId, CancellationToken ct) =>
        SwitchAsync(null, channelId, false, ct);

    /// <summary>
    /// Sends a test message through the channel and answers what became of it (<c>delivered</c>, <c>attempts</c>,
    /// <c>error</c>).
    /// </summary>
    [HttpPost(TenantChannels + "/{channelId:guid}/test"), Authorize(TenantPolicies.Manage)]
    [ProducesResponseType<DeliveryOutcome>(StatusCodes.Status200OK)]
    public Task<IActionResult> Test(Guid channelId, CancellationToken ct) => TestAsync(channelId, ct);

    [HttpPost(PlatformChannels + "/{channelId:guid}/test"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<DeliveryOutcome>(StatusCodes.Status200OK)]
    public Task<IActionResult> PlatformTest(Guid channelId, CancellationToken ct) => TestAsync(channelId, ct);

    /// <summary>Gives a webhook a new signing secret, answered this once; the old one stops working at once.</summary>
    [HttpPost(TenantChannels + "/{channelId:guid}/rotate-secret"), Authorize(TenantPolicies.Manage)]
    [ProducesResponseType<IssuedChannelResource>(StatusCodes.Status200OK)]
    public Task<IActionResult> RotateSecret(Guid channelId, CancellationToken ct) => RotateSecretAsync(channelId, ct);

    [HttpPost(PlatformChannels + "/{channelId:guid}/rotate-secret"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<IssuedChannelResource>(StatusCodes.Status200OK)]
    public Task<IActionResult> PlatformRotateSecret(Guid channelId, CancellationToken ct) =>
        RotateSecretAsync(channelId, ct);

    private Tenant Tenant => HttpContext.TenantAccess().Tenant;

    /// <summary>Tenant admins (and platform admins, who act as one) see their tenant's webhook URLs whole.</summary>
    private bool SeesWholeUrls => HttpContext.TenantAccess().Role.Allows(TenantRole.TenantAdmin);

    private static string Location(Tenant? tenant, Guid channelId) =>
        $"/{(tenant is null ? PlatformChannels : $"api/v1/tenants/{tenant.Slug}/channels")}/{channelId}";

    private async Task<IActionResult> CreateAsync(Tenant? tenant, ChannelRequest request, CancellationToken ct)
    {
        switch (request.Kind)
        {
            case ChannelKind.Webhook:
                var webhook = await channels.CreateWebhookAsync(request.Name, request.Url, ct);
                return webhook.Succeeded
                    ? Created(Location(tenant, webhook.Value.Channel.Id), IssuedChannelResource.From(webhook.Value))
                    : this.ToActionResult(webhook.Problem!);
            case ChannelKind.Email:
                var email = await channels.CreateEmailAsync(request.Name, request.Recipients, ct);
                return email.Succeeded
                    ? Created(Location(tenant, email.Value.Id), email.Value)
                    : this.ToActionResult(email.Problem!);
            default:
                return this.ToActionResult(
                    Domain.Common.Problem.Invalid("Kind", "Choose the kind of channel: Webhook or Email.")
                );
        }
    }

    private async Task<IActionResult> GetAsync(Tenant? tenant, Guid channelId, CancellationToken ct) =>
        await channels.FindAsync(tenant?.Id, channelId, tenant is null || SeesWholeUrls, ct) is { } found
            ? Ok(found)
            : this.ToActionResult(Domain.Common.Problem.NotFound("The channel"));

    private async Task<IActionResult> DeleteAsync(Guid channelId, CancellationToken ct)
    {
        var deleted = await channels.DeleteAsync(channelId, ct);
        return deleted.Succeeded ? NoContent() : this.ToActionResult(deleted.Problem!);
    }

    private async Task<IActionResult> SwitchAsync(Tenant? tenant, Guid channelId, bool enabled, CancellationToken ct)
    {
        var switched = await channels.SwitchAsync(channelId, enabled, ct);
        return switched.Succeeded
            ? Ok(await channels.FindAsync(tenant?.Id, channelId, wholeUrls: true, ct))
            : this.ToActionResult(switched.Problem!);
    }

    private async Task<IActionResult> TestAsync(Guid channelId, CancellationToken ct)
    {
        var tested = await channels.TestAsync(channelId, ct);
        return tested.Succeeded ? Ok(tested.Value) : this.ToActionResult(tested.Problem!);
    }

    private async Task<IActionResult> RotateSecretAsync(Guid channelId, CancellationToken ct)
    {
        var rotated = await channels.RotateSecretAsync(channelId, ct);
        return rotated.Succeeded
            ? Ok(IssuedChannelResource.From(rotated.Value))
            : this.ToActionResult(rotated.Problem!);
    }
}

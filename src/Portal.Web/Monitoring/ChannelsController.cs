using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Monitoring;

public sealed record ChannelsModel(
    AlertOwner Owner,
    IReadOnlyList<ChannelRow> Channels,
    ChannelForm Webhook,
    ChannelForm Email
);

/// <summary>A secret just issued, on the one page that shows it.</summary>
public sealed record ChannelSecretModel(AlertOwner Owner, IssuedChannelSecret Issued, bool Rotated);

public sealed record DeleteChannelModel(AlertOwner Owner, ChannelRow Channel);

/// <summary>
/// The notification channel pages of a tenant (<c>/t/{tenant}/alerts/channels</c>, changed by its tenant admins) and of
/// the platform (<c>/admin/alerts/channels</c>).
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class ChannelsController(ChannelDirectory channels) : Controller
{
    private const string WebhookPrefix = "Webhook";
    private const string EmailPrefix = "Email";

    [HttpGet(AlertRoutes.Channels), Authorize(TenantPolicies.Read)]
    public Task<IActionResult> Index(CancellationToken ct) => ListAsync(TenantOwner, new(), new(), ct);

    [HttpGet(AlertRoutes.PlatformChannels), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformIndex(CancellationToken ct) => ListAsync(PlatformOwner, new(), new(), ct);

    [HttpPost(AlertRoutes.Webhooks), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> CreateWebhook([Bind(Prefix = WebhookPrefix)] ChannelForm form, CancellationToken ct) =>
        CreateWebhookAsync(TenantOwner, form, ct);

    [HttpPost(AlertRoutes.PlatformWebhooks), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformCreateWebhook(
        [Bind(Prefix = WebhookPrefix)] ChannelForm form,
        CancellationToken ct
    ) => CreateWebhookAsync(PlatformOwner, form, ct);

    [HttpPost(AlertRoutes.Emails), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> CreateEmail([Bind(Prefix = EmailPrefix)] ChannelForm form, CancellationToken ct) =>
        CreateEmailAsync(TenantOwner, form, ct);

    [HttpPost(AlertRoutes.PlatformEmails), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformCreateEmail(
        [Bind(Prefix = EmailPrefix)] ChannelForm form,
        CancellationToken ct
    ) => CreateEmailAsync(PlatformOwner, form, ct);

    [HttpPost(AlertRoutes.EnableChannel), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> Enable(Guid channelId, CancellationToken ct) =>
        SwitchAsync(TenantOwner, channelId, true, ct);

    [HttpPost(AlertRoutes.DisableChannel), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> Disable(Guid channelId, CancellationToken ct) =>
        SwitchAsync(TenantOwner, channelId, false, ct);

    [HttpPost(AlertRoutes.PlatformEnableChannel), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformEnable(Guid channelId, CancellationToken ct) =>
        SwitchAsync(PlatformOwner, channelId, true, ct);

    [HttpPost(AlertRoutes.PlatformDisableChannel), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDisable(Guid channelId, CancellationToken ct) =>
        SwitchAsync(PlatformOwner, channelId, false, ct);

    [HttpGet(AlertRoutes.DeleteChannel), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> ConfirmDelete(Guid channelId, CancellationToken ct) =>
        ConfirmDeleteAsync(TenantOwner, channelId, ct);

    [HttpGet(AlertRoutes.PlatformDeleteChannel), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformConfirmDelete(Guid channelId, CancellationToken ct) =>
        ConfirmDeleteAsync(PlatformOwner, channelId, ct);

    [HttpPost(AlertRoutes.DeleteChannel), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> Delete(Guid channelId, CancellationToken ct) => DeleteAsync(TenantOwner, channelId, ct);

    [HttpPost(AlertRoutes.PlatformDeleteChannel), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformDelete(Guid channelId, CancellationToken ct) =>
        DeleteAsync(PlatformOwner, channelId, ct);

    [HttpPost(AlertRoutes.RotateSecret), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> RotateSecret(Guid channelId, CancellationToken ct) =>
        RotateSecretAsync(TenantOwner, channelId, ct);

    [HttpPost(AlertRoutes.PlatformRotateSecret), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformRotateSecret(Guid channelId, CancellationToken ct) =>
        RotateSecretAsync(PlatformOwner, channelId, ct);

    [HttpPost(AlertRoutes.TestChannel), Authorize(TenantPolicies.Manage)]
    public Task<IActionResult> Test(Guid channelId, CancellationToken ct) => TestAsync(TenantOwner, channelId, ct);

    [HttpPost(AlertRoutes.PlatformTestChannel), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<IActionResult> PlatformTest(Guid channelId, CancellationToken ct) =>
        TestAsync(PlatformOwner, channelId, ct);

    private AlertOwner TenantOwner => new(HttpContext.TenantAccess());
    private static AlertOwner PlatformOwner => new((TenantAccess?)null);

    private async Task<IActionResult> ListAsync(
        AlertOwner owner,
        ChannelForm webhook,
        ChannelForm email,
        CancellationToken ct
    ) =>
        View(
            "Index",
            new ChannelsModel(
                owner,
                await channels.ListAsync(owner.Tenant?.Id, owner.SeesWholeUrls, ct),
                webhook,
                email
            )
        );

    private async Task<IActionResult> CreateWebhookAsync(AlertOwner owner, ChannelForm form, CancellationToken ct)
    {
        var created = await channels.CreateWebhookAsync(form.Name, form.Url, ct);
        return created.Succeeded
            ? View("Secret", new ChannelSecretModel(owner, created.Value, Rotated: false))
            : await RefusedAsync(owner, created.Problem!, WebhookPrefix, form, new ChannelForm(), ct);
    }

    private async Task<IActionResult> CreateEmailAsync(AlertOwner owner, ChannelForm form, CancellationToken ct)
    {
        var created = await channels.CreateEmailAsync(form.Name, form.Recipients, ct);
        if (!created.Succeeded)
            return await RefusedAsync(owner, created.Problem!, EmailPrefix, new ChannelForm(), form, ct);
        TempData["Flash"] =
            $"E-mail channel '{created.Value.Name}' was created. Send a test to check that it delivers.";
        return Redirect(AlertRoutes.ChannelsUrl(owner.Slug));
    }

    private async Task<IActionResult> SwitchAsync(AlertOwner owner, Guid channelId, bool enabled, CancellationToken ct)
    {
        var switched = await channels.SwitchAsync(channelId, enabled, ct);
        return this.AfterAction(
            switched.Problem,
            enabled
                ? "The channel is on."
                : "The channel is off: rules that name it send nothing through it until it is on again.",
            AlertRoutes.ChannelsUrl(owner.Slug)
        );
    }

    private async Task<IActionResult> ConfirmDeleteAsync(AlertOwner owner, Guid channelId, CancellationToken ct) =>
        await channels.FindAsync(owner.Tenant?.Id, channelId, owner.SeesWholeUrls, ct) is { } channel
            ? View("Delete", new DeleteChannelModel(owner, channel))
            : NotFound();

    private async Task<IActionResult> DeleteAsync(AlertOwner owner, Guid channelId, CancellationToken ct)
    {
        var deleted = await channels.DeleteAsync(channelId, ct);
        return this.AfterAction(
            deleted.Problem,
            "The channel was deleted, and taken off the rules that named it.",
            AlertRoutes.ChannelsUrl(owner.Slug)
        );
    }

    private async Task<IActionResult> RotateSecretAsync(AlertOwner owner, Guid channelId, CancellationToken ct)
    {
        var rotated = await channels.RotateSecretAsync(channelId, ct);
        if (!rotated.Succeeded)
            return this.AfterAction(rotated.Problem, "", AlertRoutes.ChannelsUrl(owner.Slug));
        return View("Secret", new ChannelSecretModel(owner, rotated.Value, Rotated: true));
    }

    private async Task<IActionResult> TestAsync(AlertOwner owner, Guid channelId, CancellationToken ct)
    {
        var tested = await channels.TestAsync(channelId, ct);
        if (!tested.Succeeded)
            return NotFound();
        var outcome = tested.Value;
        TempData[outcome.Delivered ? "Flash" : "Refusal"] = outcome.Delivered
            ? $"The test message was delivered (attempt {outcome.Attempts})."
            : $"The test message was not delivered: {outcome.Error}";
        return Redirect(AlertRoutes.ChannelsUrl(owner.Slug));
    }

    private async Task<IActionResult> RefusedAsync(
        AlertOwner owner,
        Problem problem,
        string prefix,
        ChannelForm webhook,
        ChannelForm email,
        CancellationToken ct
    )
    {
        return await this.RefusedAsync(problem, () => ListAsync(owner, webhook, email, ct), prefix);
    }
}

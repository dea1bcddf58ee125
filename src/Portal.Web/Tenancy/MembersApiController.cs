using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;

namespace Portal.Web.Tenancy;

public sealed record MemberRequest(string? Email, string? Role);

public sealed record RoleRequest(string? Role);

/// <param name="Mail">Whether the link was mailed to the invitee ("sent"), could not be ("failed"), or no mail server
/// is configured ("not-configured"), and a sentence saying so; unless sent, hand the link over yourself.</param>
public sealed record InvitationCreated(InvitationView Invitation, string Link, InvitationMail Mail);

public sealed record ServiceAccountRequest(string? Name, string? Role);

/// <summary>Members, invitations and service accounts of a tenant.</summary>
[Route("api/v1/tenants/{tenant}")]
public sealed class MembersApiController(MemberDirectory members, ServiceAccounts accounts, InvitationMailer mailer)
    : ApiControllerBase
{
    [HttpGet("members"), Authorize(TenantPolicies.Read)]
    public Task<Page<MemberView>> List(string? search, int? page, int? pageSize, CancellationToken ct) =>
        members.ListAsync(search, new PageRequest(page, pageSize), ct);

    [HttpPost("members"), Authorize(TenantPolicies.Manage)]
    [ProducesResponseType<MemberView>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Add(MemberRequest request, CancellationToken ct)
    {
        var added = await members.AddExistingUserAsync(request.Email, request.Role, ct);
        return added.Succeeded
            ? CreatedAt(nameof(ChangeRole), new { memberId = added.Value.UserId }, added.Value)
            : this.ToActionResult(added.Problem!);
    }

    [HttpPatch("members/{memberId:guid}"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> ChangeRole(Guid memberId, RoleRequest request, CancellationToken ct)
    {
        var changed = await members.ChangeRoleAsync(memberId, request.Role, ct);
        return changed.Succeeded ? Ok(changed.Value) : this.ToActionResult(changed.Problem!);
    }

    [HttpDelete("members/{memberId:guid}"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Remove(Guid memberId, CancellationToken ct)
    {
        var removed = await members.RemoveAsync(memberId, ct);
        return removed.Succeeded ? NoContent() : this.ToActionResult(removed.Problem!);
    }

    [HttpGet("invitations"), Authorize(TenantPolicies.AdminRead)]
    public Task<IReadOnlyList<InvitationView>> Invitations(CancellationToken ct) => members.PendingInvitationsAsync(ct);

    [HttpPost("invitations"), Authorize(TenantPolicies.Manage)]
    [ProducesResponseType<InvitationCreated>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Invite(MemberRequest request, CancellationToken ct)
    {
        var invited = await members.InviteAsync(request.Email, request.Role, ct);
        if (!invited.Succeeded)
            return this.ToActionResult(invited.Problem!);
        var link = PublicUrl.For(HttpContext, TenancyRoutes.InvitationUrl(invited.Value.Token));
        var mail = await mailer.SendAsync(invited.Value.Invitation, link, ct);
        return CreatedAt(nameof(Invitations), new { }, new InvitationCreated(invited.Value.Invitation, link, mail));
    }

    [HttpDelete("invitations/{invitationId:guid}"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Revoke(Guid invitationId, CancellationToken ct)
    {
        var revoked = await members.RevokeInvitationAsync(invitationId, ct);
        return revoked.Succeeded ? NoContent() : this.ToActionResult(revoked.Problem!);
    }

    [HttpGet("service-accounts"), Authorize(TenantPolicies.AdminRead)]
    public Task<IReadOnlyList<ServiceAccountView>> ServiceAccounts(CancellationToken ct) => accounts.ListAsync(ct);

    /// <summary>Creates a service account; the response holds its client secret, which is never shown again.</summary>
    [HttpPost("service-accounts"), Authorize(TenantPolicies.Manage)]
    [ProducesResponseType<IssuedServiceAccount>(StatusCodes.Status201Created)]
    public async Task<IActionResult> CreateServiceAccount(ServiceAccountRequest request, CancellationToken ct)
    {
        var created = await accounts.CreateAsync(request.Name, request.Role, ct);
        return created.Succeeded
            ? CreatedAt(
                nameof(DeleteServiceAccount),
                new { serviceAccountId = created.Value.Account.Id },
                created.Value
            )
            : this.ToActionResult(created.Problem!);
    }

    [HttpDelete("service-accounts/{serviceAccountId:guid}"), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> DeleteServiceAccount(Guid serviceAccountId, CancellationToken ct)
    {
        var deleted = await accounts.DeleteAsync(serviceAccountId, ct);
        return deleted.Succeeded ? NoContent() : this.ToActionResult(deleted.Problem!);
    }
}

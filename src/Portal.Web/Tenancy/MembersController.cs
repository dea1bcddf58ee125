using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;

namespace Portal.Web.Tenancy;

public sealed class MemberForm
{
    public string? Email { get; set; }
    public string? Role { get; set; } = "Developer";
}

/// <param name="InvitationMail">How the invitation just made reached the invitee (mailed, or only the link), beside its
/// link.</param>
public sealed record MembersModel(
    TenantAccess Access,
    Page<MemberView> Members,
    IReadOnlyList<InvitationView> Invitations,
    string? Search,
    MemberForm Form,
    string? InvitationLink,
    InvitationMail? InvitationMail = null
);

/// <summary>The members page of a tenant: everyone reads it, tenant admins change it.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class MembersController(MemberDirectory members, InvitationMailer mailer) : Controller
{
    [HttpGet(TenancyRoutes.Members), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index(string? search, int? page, CancellationToken ct)
    {
        var model = await BuildAsync(search, page, new MemberForm(), TempData["InvitationLink"] as string, ct);
        return View(
            TempData["InvitationMail"] is string status && TempData["InvitationMailMessage"] is string message
                ? model with
                {
                    InvitationMail = new InvitationMail(status, message),
                }
                : model
        );
    }

    [HttpPost(TenancyRoutes.Members), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Add([Bind(Prefix = "Form")] MemberForm form, string intent, CancellationToken ct)
    {
        var tenant = HttpContext.TenantAccess().Tenant;
        if (intent == "invite")
        {
            var invited = await members.InviteAsync(form.Email, form.Role, ct);
            if (invited.Succeeded)
            {
                var link = PublicUrl.For(HttpContext, TenancyRoutes.InvitationUrl(invited.Value.Token));
                var mail = await mailer.SendAsync(invited.Value.Invitation, link, ct);
                TempData["InvitationLink"] = link;
                TempData["InvitationMail"] = mail.Status;
                TempData["InvitationMailMessage"] = mail.Message;
                return Redirect(TenancyRoutes.MembersUrl(tenant.Slug));
            }
            return await RefuseAsync(form, invited.Problem!, ct);
        }
        var added = await members.AddExistingUserAsync(form.Email, form.Role, ct);
        if (!added.Succeeded)
            return await RefuseAsync(form, added.Problem!, ct);
        TempData["Flash"] = $"{added.Value.Email} is now a member, as {added.Value.Role}.";
        return Redirect(TenancyRoutes.MembersUrl(tenant.Slug));
    }

    [HttpPost(TenancyRoutes.MemberRole), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> ChangeRole(Guid memberId, string? role, CancellationToken ct)
    {
        var tenant = HttpContext.TenantAccess().Tenant;
        var changed = await members.ChangeRoleAsync(memberId, role, ct);
        return this.AfterAction(
            changed.Problem,
            changed.Succeeded ? $"{changed.Value.Email} is now {changed.Value.Role}." : "",
            TenancyRoutes.MembersUrl(tenant.Slug)
        );
    }

    [HttpPost(TenancyRoutes.RemoveMember), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Remove(Guid memberId, CancellationToken ct)
    {
        var tenant = HttpContext.TenantAccess().Tenant;
        var removed = await members.RemoveAsync(memberId, ct);
        return this.AfterAction(removed.Problem, "The member was removed.", TenancyRoutes.MembersUrl(tenant.Slug));
    }

    [HttpPost(TenancyRoutes.RevokeInvitation), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Revoke(Guid invitationId, CancellationToken ct)
    {
        var tenant = HttpContext.TenantAccess().Tenant;
        var revoked = await members.RevokeInvitationAsync(invitationId, ct);
        return this.AfterAction(revoked.Problem, "The invitation was revoked.", TenancyRoutes.MembersUrl(tenant.Slug));
    }

    private async Task<IActionResult> RefuseAsync(MemberForm form, Domain.Common.Problem problem, CancellationToken ct)
    {
        return await this.RefusedAsync(
            problem,
            async () => View("Index", await BuildAsync(null, 1, form, null, ct)),
            "Form"
        );
    }

    private async Task<MembersModel> BuildAsync(
        string? search,
        int? page,
        MemberForm form,
        string? link,
        CancellationToken ct
    )
    {
        var access = HttpContext.TenantAccess();
        var invitations = access.Role.Allows(TenantRole.TenantAdmin) ? await members.PendingInvitationsAsync(ct) : [];
        return new MembersModel(
            access,
            await members.ListAsync(search, new PageRequest(page, null), ct),
            invitations,
            search,
            form,
            link
        );
    }
}

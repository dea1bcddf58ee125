using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Identity;
using Portal.Web.Shell;

namespace Portal.Web.Tenancy;

public sealed class AcceptInvitationForm
{
    public string? DisplayName { get; set; }
    public string? Password { get; set; }
    public string? ConfirmPassword { get; set; }
}

public sealed record InvitationModel(string Token, InvitationPreview Preview, AcceptInvitationForm Form);

/// <summary>Where an invitation link leads: join with a new account, or with the account signed in.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
[AllowAnonymous]
public sealed class InvitationsController(InvitationAcceptance invitations, SignInManager<PortalUser> signIn)
    : Controller
{
    [HttpGet(TenancyRoutes.Invitation)]
    public async Task<IActionResult> Show(string token, CancellationToken ct) =>
        await invitations.PreviewAsync(token, ct) is { } preview
            ? View(new InvitationModel(token, preview, new AcceptInvitationForm()))
            : NotFound();

    [HttpPost(TenancyRoutes.Invitation)]
    public async Task<IActionResult> Accept(
        string token,
        [Bind(Prefix = "Form")] AcceptInvitationForm form,
        CancellationToken ct
    )
    {
        var preview = await invitations.PreviewAsync(token, ct);
        if (preview is null)
            return NotFound();
        var clientAddress = HttpContext.Connection.RemoteIpAddress?.ToString();

        if (User.UserId() is { } userId)
        {
            var joined = await invitations.AcceptAsUserAsync(token, userId, clientAddress, ct);
            if (!joined.Succeeded)
                return Refuse(token, preview, form, joined.Problem!);
            return Redirect(ShellRoutes.TenantHomeUrl(preview.TenantSlug));
        }

        if (form.Password != form.ConfirmPassword)
            return Refuse(
                token,
                preview,
                form,
                Domain.Common.Problem.Invalid("ConfirmPassword", "The two passwords differ.")
            );
        var created = await invitations.AcceptWithNewAccountAsync(
            token,
            form.DisplayName,
            form.Password,
            clientAddress,
            ct
        );
        if (!created.Succeeded)
            return Refuse(token, preview, form, created.Problem!);
        await signIn.SignInAsync(created.Value, isPersistent: false);
        TempData["Flash"] = $"Welcome to {preview.TenantName}.";
        return Redirect(ShellRoutes.TenantHomeUrl(preview.TenantSlug));
    }

    private IActionResult Refuse(
        string token,
        InvitationPreview preview,
        AcceptInvitationForm form,
        Domain.Common.Problem problem
    ) =>
        this.Refused(
            problem,
            () => View("Show", new InvitationModel(token, preview, form)),
            problem.Field is null ? null : "Form"
        );
}

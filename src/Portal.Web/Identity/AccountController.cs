using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Portal.Domain.Audit;
using Portal.Domain.Identity;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Identity;
using Portal.Web.Shell;

namespace Portal.Web.Identity;

public sealed class LoginForm
{
    [
        Required(ErrorMessage = "Enter your email address."),
        EmailAddress(ErrorMessage = "Enter an email address."),
        MaxLength(254)
    ]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Enter your password."), DataType(DataType.Password)]
    public string Password { get; set; } = "";

    public string? ReturnUrl { get; set; }
}

public sealed class ChangePasswordForm
{
    [Required(ErrorMessage = "Enter your current password."), DataType(DataType.Password)]
    public string CurrentPassword { get; set; } = "";

    [
        Required(ErrorMessage = "Choose a new password."),
        DataType(DataType.Password),
        MinLength(10, ErrorMessage = "A password has at least 10 characters.")
    ]
    public string NewPassword { get; set; } = "";

    [Compare(nameof(NewPassword), ErrorMessage = "The two new passwords differ."), DataType(DataType.Password)]
    public string ConfirmPassword { get; set; } = "";
}

[ApiExplorerSettings(IgnoreApi = true)]
public sealed class AccountController(
    SignInManager<PortalUser> signIn,
    UserManager<PortalUser> users,
    SignInRevocation revocation,
    AuditTrail audit
) : Controller
{
    [HttpGet(AccountRoutes.Login), AllowAnonymous]
    public IActionResult Login(string? returnUrl) => View(new LoginForm { ReturnUrl = returnUrl });

    [HttpPost(AccountRoutes.Login), AllowAnonymous, EnableRateLimiting(IdentitySetup.LoginRateLimit)]
    public async Task<IActionResult> Login(LoginForm form, CancellationToken ct)
    {
        if (!ModelState.IsValid)
            return View(form);
        var email = form.Email.Trim().ToLowerInvariant();
        var result = await signIn.PasswordSignInAsync(
            email,
            form.Password,
            isPersistent: false,
            lockoutOnFailure: true
        );
        var actor = new Actor(null, email, HttpContext.Connection.RemoteIpAddress?.ToString());
        if (result.Succeeded)
        {
            var user = await users.FindByEmailAsync(email);
            await audit.RecordNowAsync(
                actor with
                {
                    UserId = user?.Id,
                },
                IdentityAuditActions.SignedIn,
                "user",
                email,
                AuditOutcome.Succeeded,
                null,
                ct
            );
            return LocalRedirect(Url.IsLocalUrl(form.ReturnUrl) ? form.ReturnUrl : ShellRoutes.HomeUrl());
        }
        if (result.IsLockedOut)
        {
            await audit.RecordNowAsync(
                actor,
                IdentityAuditActions.LockedOut,
                "user",
                email,
                AuditOutcome.Denied,
                "too many failed sign-ins",
                ct
            );
            ModelState.AddModelError(
                "",
                "This account is locked after too many failed sign-ins. Try again later, or ask a platform admin."
            );
            return View(form);
        }
        await audit.RecordNowAsync(
            actor,
            IdentityAuditActions.SignInFailed,
            "user",
            email,
            AuditOutcome.Failed,
            null,
            ct
        );
        ModelState.AddModelError("", "The email or the password is wrong.");
        return View(form);
    }

    [HttpPost(AccountRoutes.Logout), Authorize]
    public async Task<IActionResult> Logout(CancellationToken ct)
    {
        var actor = HttpContext.ToActor();
        await signIn.SignOutAsync();
        await audit.RecordNowAsync(
            actor,
            IdentityAuditActions.SignedOut,
            "user",
            actor.Name,
            AuditOutcome.Succeeded,
            null,
            ct
        );
        return Redirect(AccountRoutes.LoginUrl());
    }

    [HttpGet(AccountRoutes.Password), Authorize]
    public IActionResult Password() => View(new ChangePasswordForm());

    [HttpPost(AccountRoutes.Password), Authorize]
    public async Task<IActionResult> Password(ChangePasswordForm form, CancellationToken ct)
    {
        if (!ModelState.IsValid)
            return View(form);
        var user = await users.GetUserAsync(User);
        if (user is null)
            return Challenge();
        var changed = await users.ChangePasswordAsync(user, form.CurrentPassword, form.NewPassword);
        if (!changed.Succeeded)
        {
            foreach (var error in changed.Errors)
            {
                var field = error.Code == "PasswordMismatch" ? nameof(form.CurrentPassword) : nameof(form.NewPassword);
                ModelState.AddModelError(
                    field,
                    error.Code == "PasswordMismatch" ? "The current password is wrong." : error.Description
                );
            }
            return View(form);
        }
        // Whoever learned the old password may hold tokens or a session made with it: they end here, this browser stays
        // signed in.
        await revocation.RevokeTokensAsync(user, ct);
        await signIn.RefreshSignInAsync(user);
        await audit.RecordNowAsync(
            HttpContext.ToActor(),
            IdentityAuditActions.PasswordChanged,
            "user",
            user.Email!,
            AuditOutcome.Succeeded,
            null,
            ct
        );
        TempData["Flash"] = "Your password has been changed.";
        return Redirect(ShellRoutes.HomeUrl());
    }
}

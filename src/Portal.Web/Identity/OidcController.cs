using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Persistence;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.Web.Identity;

/// <summary>
/// The OpenID Connect endpoints whose decisions are the portal's: who signs in at the authorization
/// endpoint, and which claims a token carries.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
[IgnoreAntiforgeryToken]
public sealed class OidcController(UserManager<PortalUser> users, PortalDbContext db) : Controller
{
    [HttpGet("~/connect/authorize"), HttpPost("~/connect/authorize")]
    public async Task<IActionResult> Authorize()
    {
        var request = HttpContext.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request is missing.");
        var signedIn = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!signedIn.Succeeded || request.HasPromptValue(PromptValues.Login))
        {
            var query = Request.HasFormContentType ? Request.Form.ToList() : Request.Query.ToList();
            var here =
                Request.PathBase
                + Request.Path
                + QueryString.Create(
                    query
                        .Where(p => p.Key != Parameters.Prompt)
                        .Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))
                );
            return Challenge(new AuthenticationProperties { RedirectUri = here }, IdentityConstants.ApplicationScheme);
        }
        var user = await users.GetUserAsync(signedIn.Principal!);
        if (user is null)
            return Forbid(
                InvalidGrant("The signed-in account no longer exists."),
                OpenIddictServerAspNetCoreDefaults.AuthenticationScheme
            );
        return SignIn(
            UserPrincipal(user, request.GetScopes()),
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme
        );
    }

    [HttpPost("~/connect/token"), Produces("application/json")]
    public async Task<IActionResult> Exchange()
    {
        var request = HttpContext.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request is missing.");

        if (request.IsClientCredentialsGrantType())
        {
            var account = await db
                .ServiceAccounts.IgnoreQueryFilters()
                .AsNoTracking()
                .Where(s => s.ClientId == request.ClientId)
                .Select(s => new { s.Id, s.Name })
                .FirstOrDefaultAsync(HttpContext.RequestAborted);
            if (account is null)
                return Forbid(
                    InvalidGrant("This client is not a service account."),
                    OpenIddictServerAspNetCoreDefaults.AuthenticationScheme
                );
            var identity = NewIdentity();
            identity
                .SetClaim(Claims.Subject, request.ClientId)
                .SetClaim(Claims.Name, account.Name)
                .SetClaim(PortalClaims.ServiceAccount, account.Id.ToString());
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return SignIn(new ClaimsPrincipal(identity), OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var granted = await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = granted.Principal?.GetClaim(Claims.Subject) is { } subject
                ? await users.FindByIdAsync(subject)
                : null;
            if (user is null || await users.IsLockedOutAsync(user))
                return Forbid(
                    InvalidGrant("The account no longer exists or is locked."),
                    OpenIddictServerAspNetCoreDefaults.AuthenticationScheme
                );
            if (granted.Principal!.GetClaim(PortalClaims.SecurityStamp) != user.SecurityStamp)
                return Forbid(
                    InvalidGrant("The account's password changed since this sign-in; sign in again."),
                    OpenIddictServerAspNetCoreDefaults.AuthenticationScheme
                );
            return SignIn(
                UserPrincipal(user, granted.Principal!.GetScopes()),
                OpenIddictServerAspNetCoreDefaults.AuthenticationScheme
            );
        }

        return BadRequest(
            new OpenIddictResponse
            {
                Error = Errors.UnsupportedGrantType,
                ErrorDescription = "This grant type is not supported.",
            }
        );
    }

    /// <summary>
    /// The claims of a user's tokens, read fresh from the account at every issue and refresh; the security stamp they
    /// were issued under must still be the account's at the next exchange.
    /// </summary>
    private static ClaimsPrincipal UserPrincipal(PortalUser user, IEnumerable<string> scopes)
    {
        var identity = NewIdentity();
        identity
            .SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Name, user.Email)
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(PortalClaims.PlatformAdmin, user.IsPlatformAdmin ? "true" : null)
            .SetClaim(PortalClaims.SecurityStamp, user.SecurityStamp);
        identity.SetScopes(scopes);
        identity.SetDestinations(claim =>
            claim.Type switch
            {
                Claims.Name or Claims.Email => [Destinations.AccessToken, Destinations.IdentityToken],
                // Only in the authorization code and the refresh token, which the server alone reads: a new password
                // ends them.
                PortalClaims.SecurityStamp => [],
                _ => [Destinations.AccessToken],
            }
        );
        return new ClaimsPrincipal(identity);
    }

    private static ClaimsIdentity NewIdentity() =>
        new(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);

    private static AuthenticationProperties InvalidGrant(string description) =>
        new(
            new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }
        );
}

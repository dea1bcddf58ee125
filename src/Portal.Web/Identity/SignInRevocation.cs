using OpenIddict.Abstractions;
using Portal.Infrastructure.Identity;

namespace Portal.Web.Identity;

/// <summary>
/// Ends what a user's earlier sign-ins left behind once their password changed: the refresh and access tokens the CLI
/// and other tools hold, and the authorizations behind them. Other browsers fail the security stamp check within a
/// minute (<c>SecurityStampValidatorOptions.ValidationInterval</c>), and a token that escaped revocation fails the
/// stamp check at the token endpoint.
/// </summary>
public sealed class SignInRevocation(IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations)
{
    public async Task RevokeTokensAsync(PortalUser user, CancellationToken ct)
    {
        var subject = user.Id.ToString();
        await authorizations.RevokeBySubjectAsync(subject, ct);
        await tokens.RevokeBySubjectAsync(subject, ct);
    }
}

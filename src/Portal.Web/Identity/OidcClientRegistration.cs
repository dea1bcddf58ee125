using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.Web.Identity;

/// <summary>
/// Registers the portal's own public client, the CLI, which signs users in with the authorization code
/// flow and PKCE and keeps a refresh token.
/// </summary>
internal sealed class OidcClientRegistration(IOpenIddictApplicationManager clients, IOptions<OidcOptions> options)
{
    public async Task EnsureCliClientAsync(CancellationToken ct)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = OidcOptions.CliClientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "Developer center CLI",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile,
                Permissions.Scopes.Email,
                Permissions.Prefixes.Scope + Scopes.OfflineAccess,
                Permissions.Prefixes.Scope + OidcOptions.ApiScope,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in options.Value.CliRedirectUris)
            descriptor.RedirectUris.Add(new Uri(uri));

        var existing = await clients.FindByClientIdAsync(OidcOptions.CliClientId, ct);
        if (existing is null)
            await clients.CreateAsync(descriptor, ct);
        else
            await clients.UpdateAsync(existing, descriptor, ct);
    }
}

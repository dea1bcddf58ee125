using System.Security.Claims;
using Portal.Domain.Audit;
using Portal.Infrastructure.Tenancy;

namespace Portal.Web.Identity;

/// <summary>The claims the portal puts in cookies and tokens, and how a request's caller is read from them.</summary>
public static class PortalClaims
{
    public const string PlatformAdmin = "portal:platform_admin";
    public const string ServiceAccount = "portal:service_account";
    public const string Subject = "sub";
    public const string Name = "name";

    /// <summary>
    /// The account's security stamp when a code or refresh token was issued; a password change replaces it.
    /// </summary>
    public const string SecurityStamp = "portal:security_stamp";

    public static Guid? UserId(this ClaimsPrincipal principal)
    {
        if (principal.HasClaim(c => c.Type == ServiceAccount))
            return null;
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? principal.FindFirstValue(Subject);
        return Guid.TryParse(id, out var userId) ? userId : null;
    }

    public static bool IsPlatformAdmin(this ClaimsPrincipal principal) => principal.HasClaim(PlatformAdmin, "true");

    public static Caller ToCaller(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ServiceAccount), out var accountId)
            ? new Caller(null, accountId)
            : new Caller(principal.UserId(), null);

    public static string DisplayName(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(ClaimTypes.Name)
        ?? principal.FindFirstValue(Name)
        ?? principal.FindFirstValue(Subject)
        ?? "unknown";

    /// <summary>
    /// The name a person chose for themselves, for greeting them; audit records use the sign-in name.
    /// </summary>
    public static string ShownName(this ClaimsPrincipal principal) =>
        principal.FindFirstValue("display_name") is { Length: > 0 } name ? name : principal.DisplayName();

    /// <summary>The actor recorded in audit events for this request.</summary>
    public static Actor ToActor(this HttpContext http) =>
        http.User.ToActor(http.Connection.RemoteIpAddress?.ToString());

    public static Actor ToActor(this ClaimsPrincipal principal, string? clientAddress) =>
        new(principal.UserId(), principal.DisplayName(), clientAddress, principal.IsPlatformAdmin());
}

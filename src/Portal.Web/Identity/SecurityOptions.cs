namespace Portal.Web.Identity;

/// <summary>Bound from <c>Portal:Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Portal:Security";
    public int LoginAttemptsPerMinute { get; set; } = 10;
    public int LockoutAttempts { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>
    /// Cookies (session, anti-forgery, temp data) are sent only over HTTPS; appsettings.Development.json turns it off
    /// so that they follow the request on http://localhost.
    /// </summary>
    public bool SecureCookies { get; set; } = true;

    /// <summary>
    /// Origins besides the portal's own (its request host and <c>Portal:PublicUrl</c>) whose pages may open live
    /// connections, e.g. <c>https://console.example.com</c>.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
}

/// <summary>Bound from <c>Portal:Oidc</c>.</summary>
public sealed class OidcOptions
{
    public const string Section = "Portal:Oidc";
    public const string CliClientId = "portal-cli";
    public const string ApiScope = "portal.api";

    /// <summary>Refuse OpenID Connect requests over plain HTTP; off in appsettings.Development.json.</summary>
    public bool RequireHttps { get; set; } = true;
    public int AccessTokenMinutes { get; set; } = 60;
    public List<string> CliRedirectUris { get; set; } = [];
}

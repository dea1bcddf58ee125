using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation.AspNetCore;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Persistence;
using Portal.Web.Shell;
using Portal.Web.Tenancy;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.Web.Identity;

public static class IdentitySetup
{
    public const string LoginRateLimit = "login";
    public const string Bearer = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;

    /// <summary>Accounts (ASP.NET Core Identity), the OpenID Connect server, and the authorization policies.</summary>
    public static IServiceCollection AddPortalIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        var security = configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>()
            ?? new SecurityOptions();
        var oidc = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        services
            .AddOptions<SecurityOptions>()
            .BindConfiguration(SecurityOptions.Section)
            .Validate(
                o => o.LoginAttemptsPerMinute > 0 && o.LockoutAttempts > 0 && o.LockoutMinutes > 0,
                "Portal:Security values must be positive."
            )
            .Validate(
                o => o.AllowedOrigins.All(Common.HubOrigins.IsOrigin),
                "Portal:Security:AllowedOrigins takes origins: http(s), a host and an "
                    + "optional port, nothing after (https://console.example.com)."
            )
            .ValidateOnStart();
        services
            .AddOptions<OidcOptions>()
            .BindConfiguration(OidcOptions.Section)
            .Validate(
                o => o.CliRedirectUris.All(u => Uri.TryCreate(u, UriKind.Absolute, out _)),
                "Portal:Oidc:CliRedirectUris must be absolute URIs."
            )
            .ValidateOnStart();

        services
            .AddIdentity<PortalUser, IdentityRole<Guid>>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 10;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = security.LockoutAttempts;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(security.LockoutMinutes);
                options.ClaimsIdentity.UserIdClaimType = System.Security.Claims.ClaimTypes.NameIdentifier;
            })
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<PortalClaimsFactory>();
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        // Every cookie the portal sets, not only the session's: anti-forgery and temp data too.
        var cookiePolicy = security.SecureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        services.ConfigureAll<CookieAuthenticationOptions>(cookie => cookie.Cookie.SecurePolicy = cookiePolicy);
        services.AddAntiforgery(antiforgery => antiforgery.Cookie.SecurePolicy = cookiePolicy);
        services.Configure<CookieTempDataProviderOptions>(tempData => tempData.Cookie.SecurePolicy = cookiePolicy);
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = AccountRoutes.Login;
            cookie.LogoutPath = AccountRoutes.Logout;
            cookie.AccessDeniedPath = ShellRoutes.ErrorUrl(403);
            cookie.Cookie.Name = "portal.session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                // A forbidden page is answered in place with 403 and a page that says why, not a redirect.
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });

        services
            .AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<PortalDbContext>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
                server
                    .AllowClientCredentialsFlow()
                    .AllowAuthorizationCodeFlow()
                    .RequireProofKeyForCodeExchange()
                    .AllowRefreshTokenFlow();
                server.RegisterScopes(
                    Scopes.OpenId,
                    Scopes.Profile,
                    Scopes.Email,
                    Scopes.OfflineAccess,
                    OidcOptions.ApiScope
                );
                server.SetAccessTokenLifetime(TimeSpan.FromMinutes(oidc.AccessTokenMinutes));
                var aspNetCore = server
                    .UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough();
                if (!oidc.RequireHttps)
                    aspNetCore.DisableTransportSecurityRequirement();
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.UseAspNetCore();
                // An access token revoked in the database (e.g. by a password change) stops working at once, not when
                // it expires.
                validation.EnableTokenEntryValidation();
            });
        services
            .AddOptions<OpenIddictServerOptions>()
            .Configure<OidcKeyRing>(
                (server, keys) =>
                {
                    server.SigningCredentials.Add(
                        new SigningCredentials(keys.Get(OidcKeyRing.Signing), SecurityAlgorithms.RsaSha256)
                    );
                    server.EncryptionCredentials.Add(
                        new EncryptingCredentials(
                            keys.Get(OidcKeyRing.Encryption),
                            SecurityAlgorithms.RsaOAEP,
                            SecurityAlgorithms.Aes256CbcHmacSha512
                        )
                    );
                }
            );
        services.AddScoped<OidcClientRegistration>();
        services.AddScoped<SignInRevocation>();

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(LoginRateLimit, http =>
                RateLimitPartition.GetFixedWindowLimiter(
                    http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = security.LoginAttemptsPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    }
                )
            );
        });

        services.AddAuthorization(TenantPolicies.Register);
        services.AddScoped<IAuthorizationHandler, TenantAccessHandler>();
        services.AddHttpContextAccessor();
        services.AddSingleton<IActorSource, RequestActorSource>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ForbiddenResultHandler>();
        return services;
    }
}

using Microsoft.Extensions.Options;
using Portal.Web.Identity;

namespace Portal.Web.Common;

/// <summary>
/// Where cookies are sent only over HTTPS (<c>Portal:Security:SecureCookies</c>), a request over plain HTTP is answered
/// with what to do instead of a form that cannot work: its anti-forgery cookie could not be set, and a session cookie
/// would never come back. Not a redirect: behind a proxy that ends TLS without being trusted, a redirect to HTTPS would
/// loop. HTTPS responses carry Strict-Transport-Security so that browsers stay on HTTPS.
/// </summary>
internal static class HttpsOnly
{
    public const string Problem = "/problems/https-required";

    public static IServiceCollection AddHttpsOnly(this IServiceCollection services) =>
        services.AddHsts(hsts =>
        {
            hsts.MaxAge = TimeSpan.FromDays(365);
            // A portal reached as localhost outside Development (a tunnel, a test) is held to HTTPS too.
            hsts.ExcludedHosts.Clear();
        });

    public static void UseHttpsOnly(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.SecureCookies)
            return;
        app.UseHsts();
        app.Use(
            (context, next) =>
            {
                // OpenID Connect's endpoints refuse plain HTTP themselves, in the error format their clients read.
                if (
                    context.Request.IsHttps
                    || context.Request.Path.StartsWithSegments("/health")
                    || context.Request.Path.StartsWithSegments("/connect")
                    || context.Request.Path.StartsWithSegments("/.well-known")
                )
                {
                    return next(context);
                }

                return RefuseAsync(context);
            }
        );
    }

    private static Task RefuseAsync(HttpContext context)
    {
        const string why =
            "This portal is served over HTTPS only. Reach it at its https:// "
            + "address. If TLS ends at a proxy or ingress, "
            + "list that proxy in Portal:Network:TrustedProxies so that its "
            + "X-Forwarded-Proto is believed; to serve plain HTTP on "
            + "purpose (never where people sign in over a network), set "
            + "Portal:Security:SecureCookies and Portal:Oidc:RequireHttps to false.";
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            return Results
                .Problem(why, statusCode: StatusCodes.Status400BadRequest, title: "HTTPS is required", type: Problem)
                .ExecuteAsync(context);
        }
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(
            "<!DOCTYPE html><html lang=\"en\"><head><title>HTTPS is "
                + "required</title></head><body><main><h1>HTTPS is required</h1>"
                + $"<p>{System.Net.WebUtility.HtmlEncode(why)}</p></main></body></html>"
        );
    }
}

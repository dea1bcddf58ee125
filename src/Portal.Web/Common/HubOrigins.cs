using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Web.Identity;

namespace Portal.Web.Common;

/// <summary>
/// Live connections (the SignalR hubs, negotiation and WebSocket upgrade alike) are opened only by pages of the
/// portal's own origin: the request's own scheme and host, <c>Portal:PublicUrl</c>'s, and
/// <c>Portal:Security:AllowedOrigins</c>. A browser sends the session cookie with a page's request from any host of the
/// same site (SameSite does not tell sibling hosts apart), but it always names the page's origin; a request naming
/// another origin, or the opaque "null", is refused with 403. Tools (the CLI, the .NET client) send no Origin and
/// authenticate with bearer tokens, which no other page holds.
/// </summary>
public static class HubOrigins
{
    public static void UseHubOriginCheck(this IApplicationBuilder app) =>
        app.Use(
            (context, next) =>
            {
                if (
                    context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is null
                    || !context.Request.Headers.TryGetValue(HeaderNames.Origin, out var origin)
                    || IsAllowed(context, origin.ToString())
                )
                {
                    return next(context);
                }
                context
                    .RequestServices.GetRequiredService<ILoggerFactory>()
                    .CreateLogger(typeof(HubOrigins))
                    .LogInformation(
                        "A live connection to {Path} from the origin {Origin} was refused: it "
                            + "is not the portal's own (see {Setting}).",
                        context.Request.Path,
                        origin.ToString(),
                        $"{SecurityOptions.Section}:AllowedOrigins"
                    );
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            }
        );

    /// <summary>An origin as browsers send it: http or https, a host, an optional port, nothing after.</summary>
    public static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.UserInfo.Length == 0
        && uri.AbsolutePath == "/"
        && uri.Query.Length == 0
        && uri.Fragment.Length == 0;

    private static bool IsAllowed(HttpContext context, string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var page))
            return false;
        var configuration = context.RequestServices.GetRequiredService<IConfiguration>();
        var security = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
        return Same(page, $"{context.Request.Scheme}://{context.Request.Host.ToUriComponent()}")
            || (configuration[PublicUrl.Setting] is { Length: > 0 } publicUrl && Same(page, publicUrl))
            || security.AllowedOrigins.Any(allowed => Same(page, allowed));
    }

    private static bool Same(Uri page, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var allowed)
        && string.Equals(page.Scheme, allowed.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(page.IdnHost, allowed.IdnHost, StringComparison.OrdinalIgnoreCase)
        && page.Port == allowed.Port;
}

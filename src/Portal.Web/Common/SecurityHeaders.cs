namespace Portal.Web.Common;

internal static class SecurityHeaders
{
    /// <summary>Sets the headers every response carries; pages load scripts and styles from this origin only.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(
            async (http, next) =>
            {
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                // The API reference and the jobs dashboard are third-party pages with inline scripts.
                if (
                    !http.Request.Path.StartsWithSegments("/api/docs")
                    && !http.Request.Path.StartsWithSegments(JobsSetup.DashboardPath)
                )
                {
                    headers.ContentSecurityPolicy =
                        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                        + "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; "
                        + "form-action 'self'; base-uri 'self'";
                }
                await next();
            }
        );
}

namespace Portal.Web.Common;

/// <summary>
/// The address people reach the portal at, for links the portal hands out (invitations, the token
/// endpoint). <c>Portal:PublicUrl</c> when set, since a proxy may rewrite the host; else the request's own.
/// </summary>
public static class PublicUrl
{
    public const string Setting = "Portal:PublicUrl";

    public static string For(HttpContext http, string path)
    {
        var configured = http.RequestServices.GetRequiredService<IConfiguration>()[Setting];
        var origin = string.IsNullOrWhiteSpace(configured)
            ? $"{http.Request.Scheme}://{http.Request.Host}"
            : configured.TrimEnd('/');
        return origin + path;
    }
}

using Portal.Web.Common;

namespace Portal.Web.Shell;

/// <summary>
/// The addresses of the start pages and of the error page: each template routes its action, and its <c>…Url</c>
/// method makes links and redirects to it.
/// </summary>
public static class ShellRoutes
{
    public const string Home = "/";
    public const string TenantHome = "/t/{tenant}";
    public const string Error = "/error/{status:int}";

    public static string HomeUrl() => Home;

    public static string TenantHomeUrl(string tenant) => RouteUrl.Fill(TenantHome, tenant);

    public static string ErrorUrl(int status) => RouteUrl.Fill(Error, status);
}

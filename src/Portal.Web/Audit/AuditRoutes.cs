using Portal.Web.Common;

namespace Portal.Web.Audit;

/// <summary>
/// The addresses of the audit pages: each template routes its action, and its <c>…Url</c> method makes links to it.
/// </summary>
public static class AuditRoutes
{
    public const string Tenant = "/t/{tenant}/audit";
    public const string Platform = "/admin/audit";

    public static string TenantUrl(string tenant) => RouteUrl.Fill(Tenant, tenant);

    public static string PlatformUrl() => Platform;
}

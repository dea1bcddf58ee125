using Portal.Web.Common;

namespace Portal.Web.Administration;

/// <summary>
/// The addresses of the platform admin's overview and tenant pages: each template routes its actions, and its
/// <c>…Url</c> method makes links and redirects to them.
/// </summary>
public static class AdministrationRoutes
{
    public const string Overview = "/admin";
    public const string Tenants = "/admin/tenants";
    public const string Tenant = "/admin/tenants/{tenant}";
    public const string Rename = "/admin/tenants/{tenant}/rename";
    public const string Suspend = "/admin/tenants/{tenant}/suspend";
    public const string Resume = "/admin/tenants/{tenant}/resume";
    public const string Delete = "/admin/tenants/{tenant}/delete";

    public static string OverviewUrl() => Overview;

    public static string TenantsUrl() => Tenants;

    public static string TenantUrl(string tenant) => RouteUrl.Fill(Tenant, tenant);

    public static string RenameUrl(string tenant) => RouteUrl.Fill(Rename, tenant);

    public static string SuspendUrl(string tenant) => RouteUrl.Fill(Suspend, tenant);

    public static string ResumeUrl(string tenant) => RouteUrl.Fill(Resume, tenant);

    public static string DeleteUrl(string tenant) => RouteUrl.Fill(Delete, tenant);
}

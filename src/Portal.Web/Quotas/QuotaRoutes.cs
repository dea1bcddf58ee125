using Portal.Web.Common;

namespace Portal.Web.Quotas;

/// <summary>
/// The addresses of the resource pool pages (platform admins) and of a tenant's quota page and run quota: each template
/// routes its actions, and its <c>…Url</c> method makes links and redirects to them.
/// </summary>
public static class QuotaRoutes
{
    public const string Pools = "/admin/pools";
    public const string Pool = "/admin/pools/{pool}";
    public const string Grant = "/admin/pools/{pool}/quotas";
    public const string Overcommit = "/admin/pools/{pool}/overcommit";
    public const string Dedication = "/admin/pools/{pool}/dedication";
    public const string Taint = "/admin/pools/{pool}/taint";
    public const string Ingress = "/admin/pools/{pool}/ingress";
    public const string MetricsSource = "/admin/pools/{pool}/metrics-source";
    public const string TenantQuotas = "/t/{tenant}/quotas";
    public const string RunQuota = "/admin/tenants/{tenant}/run-quota";

    public static string PoolsUrl() => Pools;

    public static string PoolUrl(string pool) => RouteUrl.Fill(Pool, pool);

    public static string GrantUrl(string pool) => RouteUrl.Fill(Grant, pool);

    public static string OvercommitUrl(string pool) => RouteUrl.Fill(Overcommit, pool);

    public static string DedicationUrl(string pool) => RouteUrl.Fill(Dedication, pool);

    public static string TaintUrl(string pool) => RouteUrl.Fill(Taint, pool);

    public static string IngressUrl(string pool) => RouteUrl.Fill(Ingress, pool);

    public static string MetricsSourceUrl(string pool) => RouteUrl.Fill(MetricsSource, pool);

    public static string TenantQuotasUrl(string tenant) => RouteUrl.Fill(TenantQuotas, tenant);

    public static string RunQuotaUrl(string tenant) => RouteUrl.Fill(RunQuota, tenant);
}

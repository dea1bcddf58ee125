using Portal.Web.Common;

namespace Portal.Web.Clouds;

/// <summary>
/// The addresses of the cloud pages (platform admins): provider accounts, a pool's host templates and the hosts the
/// portal provisioned into it, and one provisioned host.
/// </summary>
public static class CloudRoutes
{
    public const string Accounts = "/admin/clouds";
    public const string Account = "/admin/clouds/{account}";
    public const string AccountCheck = "/admin/clouds/{account}/check";
    public const string AccountOrphanScan = "/admin/clouds/{account}/orphan-scans";
    public const string AccountDelete = "/admin/clouds/{account}/delete";
    public const string PoolHosts = "/admin/pools/{pool}/templates";
    public const string PoolTemplateDelete = "/admin/pools/{pool}/templates/{template}/delete";
    public const string PoolGrow = "/admin/pools/{pool}/cloud-hosts";
    public const string PoolMaxHosts = "/admin/pools/{pool}/max-hosts";
    public const string Host = "/admin/cloud-hosts/{hostId}";
    public const string HostRetry = "/admin/cloud-hosts/{hostId}/retry";
    public const string HostAbandon = "/admin/cloud-hosts/{hostId}/abandon";
    public const string HostDecommission = "/admin/cloud-hosts/{hostId}/decommission";

    public static string AccountsUrl() => Accounts;

    public static string AccountsUrl(string kind) => $"{Accounts}?kind={Uri.EscapeDataString(kind)}";

    public static string AccountUrl(string account) => RouteUrl.Fill(Account, account);

    public static string AccountCheckUrl(string account) => RouteUrl.Fill(AccountCheck, account);

    public static string AccountOrphanScanUrl(string account) => RouteUrl.Fill(AccountOrphanScan, account);

    public static string AccountDeleteUrl(string account) => RouteUrl.Fill(AccountDelete, account);

    public static string PoolHostsUrl(string pool) => RouteUrl.Fill(PoolHosts, pool);

    public static string PoolTemplateDeleteUrl(string pool, string template) =>
        RouteUrl.Fill(PoolTemplateDelete, pool, template);

    public static string PoolGrowUrl(string pool) => RouteUrl.Fill(PoolGrow, pool);

    public static string PoolMaxHostsUrl(string pool) => RouteUrl.Fill(PoolMaxHosts, pool);

    public static string HostUrl(Guid host) => RouteUrl.Fill(Host, host);

    public static string HostRetryUrl(Guid host) => RouteUrl.Fill(HostRetry, host);

    public static string HostAbandonUrl(Guid host) => RouteUrl.Fill(HostAbandon, host);

    public static string HostDecommissionUrl(Guid host) => RouteUrl.Fill(HostDecommission, host);
}

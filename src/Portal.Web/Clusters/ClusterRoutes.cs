using Portal.Web.Common;

namespace Portal.Web.Clusters;

/// <summary>
/// The addresses of the platform admin's cluster and host pages: each template routes its actions, and its <c>…Url</c>
/// method makes links and redirects to them.
/// </summary>
public static class ClusterRoutes
{
    public const string List = "/admin/clusters";
    public const string Detail = "/admin/clusters/{cluster}";
    public const string Check = "/admin/clusters/{cluster}/check";
    public const string Kubeconfig = "/admin/clusters/{cluster}/kubeconfig";
    public const string Remove = "/admin/clusters/{cluster}/remove";
    public const string Hosts = "/admin/clusters/{cluster}/hosts";
    public const string Host = "/admin/clusters/{cluster}/hosts/{host}";
    public const string Cordon = "/admin/clusters/{cluster}/hosts/{host}/cordon";
    public const string Uncordon = "/admin/clusters/{cluster}/hosts/{host}/uncordon";

    public static string ListUrl() => List;

    public static string DetailUrl(string cluster) => RouteUrl.Fill(Detail, cluster);

    public static string CheckUrl(string cluster) => RouteUrl.Fill(Check, cluster);

    public static string KubeconfigUrl(string cluster) => RouteUrl.Fill(Kubeconfig, cluster);

    public static string RemoveUrl(string cluster) => RouteUrl.Fill(Remove, cluster);

    public static string HostsUrl(string cluster) => RouteUrl.Fill(Hosts, cluster);

    public static string HostUrl(string cluster, string host) => RouteUrl.Fill(Host, cluster, host);

    public static string CordonUrl(string cluster, string host) => RouteUrl.Fill(Cordon, cluster, host);

    public static string UncordonUrl(string cluster, string host) => RouteUrl.Fill(Uncordon, cluster, host);
}

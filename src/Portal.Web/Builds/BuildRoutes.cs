using Portal.Web.Common;

namespace Portal.Web.Builds;

/// <summary>
/// The addresses of the build pages of an application: its source (connect, test, disconnect) and its images in the
/// registry. Each template routes its action, and its <c>…Url</c> method makes the links to it.
/// </summary>
public static class BuildRoutes
{
    public const string Source = "/t/{tenant}/apps/{app}/source";
    public const string SourceTest = "/t/{tenant}/apps/{app}/source/test";
    public const string SourceDisconnect = "/t/{tenant}/apps/{app}/source/disconnect";
    public const string Images = "/t/{tenant}/apps/{app}/images";

    public static string SourceUrl(string tenant, string app) => RouteUrl.Fill(Source, tenant, app);

    public static string SourceTestUrl(string tenant, string app) => RouteUrl.Fill(SourceTest, tenant, app);

    public static string SourceDisconnectUrl(string tenant, string app) => RouteUrl.Fill(SourceDisconnect, tenant, app);

    public static string ImagesUrl(string tenant, string app) => RouteUrl.Fill(Images, tenant, app);
}

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
    public const string ImageRetention = "/t/{tenant}/apps/{app}/images/retention";
    public const string ArchiveUpload = "/t/{tenant}/apps/{app}/builds/upload";

    public static string SourceUrl(string tenant, string app) => RouteUrl.Fill(Source, tenant, app);

    public static string SourceTestUrl(string tenant, string app) => RouteUrl.Fill(SourceTest, tenant, app);

    public static string SourceDisconnectUrl(string tenant, string app) => RouteUrl.Fill(SourceDisconnect, tenant, app);

    public static string ImagesUrl(string tenant, string app) => RouteUrl.Fill(Images, tenant, app);

    public static string ImageRetentionUrl(string tenant, string app) => RouteUrl.Fill(ImageRetention, tenant, app);

    public static string ArchiveUploadUrl(string tenant, string app) => RouteUrl.Fill(ArchiveUpload, tenant, app);
}

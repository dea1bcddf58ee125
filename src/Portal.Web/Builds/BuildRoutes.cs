using Portal.Web.Common;

namespace Portal.Web.Builds;

/// <summary>
/// The addresses of the build pages of an application: its source (connect, test, disconnect), its builds (list,
/// queue, one build with its log, cancel, rebuild, deploy) and its images in the registry; and the builds of the whole
/// tenant. Each template routes its action, and its <c>…Url</c> method makes the links to it.
/// </summary>
public static class BuildRoutes
{
    public const string Source = "/t/{tenant}/apps/{app}/source";
    public const string SourceTest = "/t/{tenant}/apps/{app}/source/test";
    public const string SourceDisconnect = "/t/{tenant}/apps/{app}/source/disconnect";
    public const string Images = "/t/{tenant}/apps/{app}/images";
    public const string ImageRetention = "/t/{tenant}/apps/{app}/images/retention";
    public const string ArchiveUpload = "/t/{tenant}/apps/{app}/builds/upload";
    public const string TenantBuilds = "/t/{tenant}/builds";
    public const string AppBuilds = "/t/{tenant}/apps/{app}/builds";
    public const string Build = "/t/{tenant}/apps/{app}/builds/{build:int}";
    public const string BuildLog = "/t/{tenant}/apps/{app}/builds/{build:int}/log";
    public const string BuildCancel = "/t/{tenant}/apps/{app}/builds/{build:int}/cancel";
    public const string Rebuild = "/t/{tenant}/apps/{app}/builds/{build:int}/rebuild";
    public const string BuildDeploy = "/t/{tenant}/apps/{app}/builds/{build:int}/deploy";

    public static string SourceUrl(string tenant, string app) => RouteUrl.Fill(Source, tenant, app);

    public static string SourceTestUrl(string tenant, string app) => RouteUrl.Fill(SourceTest, tenant, app);

    public static string SourceDisconnectUrl(string tenant, string app) => RouteUrl.Fill(SourceDisconnect, tenant, app);

    public static string ImagesUrl(string tenant, string app) => RouteUrl.Fill(Images, tenant, app);

    public static string ImageRetentionUrl(string tenant, string app) => RouteUrl.Fill(ImageRetention, tenant, app);

    public static string ArchiveUploadUrl(string tenant, string app) => RouteUrl.Fill(ArchiveUpload, tenant, app);

    public static string TenantBuildsUrl(string tenant) => RouteUrl.Fill(TenantBuilds, tenant);

    public static string AppBuildsUrl(string tenant, string app) => RouteUrl.Fill(AppBuilds, tenant, app);

    public static string BuildUrl(string tenant, string app, int build) => RouteUrl.Fill(Build, tenant, app, build);

    public static string BuildLogUrl(string tenant, string app, int build) =>
        RouteUrl.Fill(BuildLog, tenant, app, build);

    public static string BuildCancelUrl(string tenant, string app, int build) =>
        RouteUrl.Fill(BuildCancel, tenant, app, build);

    public static string RebuildUrl(string tenant, string app, int build) => RouteUrl.Fill(Rebuild, tenant, app, build);

    public static string BuildDeployUrl(string tenant, string app, int build) =>
        RouteUrl.Fill(BuildDeploy, tenant, app, build);
}

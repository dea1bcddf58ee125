using Portal.Web.Common;

namespace Portal.Web.Applications;

/// <summary>
/// The addresses of the application pages: each template routes its actions, and its <c>…Url</c> method makes links and
/// redirects to them, so that a route changes in one place. <c>new</c> and <c>import</c> stand where an application's
/// name goes and are therefore refused as names (<see cref="Portal.Domain.Applications.ApplicationName"/>).
/// </summary>
public static class ApplicationRoutes
{
    public const string List = "/t/{tenant}/apps";
    public const string New = "/t/{tenant}/apps/new";
    public const string Import = "/t/{tenant}/apps/import";
    public const string Detail = "/t/{tenant}/apps/{app}";
    public const string Edit = "/t/{tenant}/apps/{app}/edit";
    public const string Delete = "/t/{tenant}/apps/{app}/delete";
    public const string Revisions = "/t/{tenant}/apps/{app}/revisions";
    public const string Promote = "/t/{tenant}/apps/{app}/promote";
    public const string Logs = "/t/{tenant}/apps/{app}/logs";
    public const string DeployPreview = "/t/{tenant}/apps/{app}/deploy";
    public const string Deploy = "/t/{tenant}/apps/{app}/environments/{environment}/deploy";
    public const string Rollback = "/t/{tenant}/apps/{app}/environments/{environment}/rollback";
    public const string Scale = "/t/{tenant}/apps/{app}/environments/{environment}/scale";
    public const string Stop = "/t/{tenant}/apps/{app}/environments/{environment}/stop";
    public const string Start = "/t/{tenant}/apps/{app}/environments/{environment}/start";
    public const string Restart = "/t/{tenant}/apps/{app}/environments/{environment}/restart";
    public const string Resources = "/t/{tenant}/apps/{app}/environments/{environment}/resources";
    public const string Autoscaling = "/t/{tenant}/apps/{app}/environments/{environment}/autoscaling";
    public const string ResetSpec = "/t/{tenant}/apps/{app}/environments/{environment}/reset-spec";
    public const string Yaml = "/t/{tenant}/apps/{app}/environments/{environment}/yaml";
    public const string PodLog = "/t/{tenant}/apps/{app}/environments/{environment}/pods/{pod}/log";

    public static string ListUrl(string tenant) => RouteUrl.Fill(List, tenant);

    public static string NewUrl(string tenant) => RouteUrl.Fill(New, tenant);

    public static string ImportUrl(string tenant) => RouteUrl.Fill(Import, tenant);

    public static string DetailUrl(string tenant, string app) => RouteUrl.Fill(Detail, tenant, app);

    public static string EditUrl(string tenant, string app) => RouteUrl.Fill(Edit, tenant, app);

    public static string DeleteUrl(string tenant, string app) => RouteUrl.Fill(Delete, tenant, app);

    public static string RevisionsUrl(string tenant, string app) => RouteUrl.Fill(Revisions, tenant, app);

    public static string PromoteUrl(string tenant, string app) => RouteUrl.Fill(Promote, tenant, app);

    public static string LogsUrl(string tenant, string app) => RouteUrl.Fill(Logs, tenant, app);

    public static string DeployPreviewUrl(string tenant, string app) => RouteUrl.Fill(DeployPreview, tenant, app);

    public static string DeployUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Deploy, tenant, app, environment);

    public static string RollbackUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Rollback, tenant, app, environment);

    public static string ScaleUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Scale, tenant, app, environment);

    public static string StopUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Stop, tenant, app, environment);

    public static string StartUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Start, tenant, app, environment);

    public static string RestartUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Restart, tenant, app, environment);

    public static string ResourcesUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Resources, tenant, app, environment);

    public static string AutoscalingUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Autoscaling, tenant, app, environment);

    public static string ResetSpecUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(ResetSpec, tenant, app, environment);

    public static string YamlUrl(string tenant, string app, string environment) =>
        RouteUrl.Fill(Yaml, tenant, app, environment);

    public static string PodLogUrl(string tenant, string app, string environment, string pod) =>
        RouteUrl.Fill(PodLog, tenant, app, environment, pod);
}

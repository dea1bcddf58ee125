using Portal.Web.Common;

namespace Portal.Web.Middleware;

/// <summary>
/// The addresses of the middleware pages — a tenant's catalog and instances, the platform admin's catalog: each
/// template routes its actions, and its <c>…Url</c> method makes links and redirects to them. <c>catalog</c> and
/// <c>new</c> stand where an environment's name goes and are therefore refused as environment names.
/// </summary>
public static class MiddlewareRoutes
{
    public const string Catalog = "/t/{tenant}/middleware/catalog";
    public const string CatalogTemplate = "/t/{tenant}/middleware/catalog/{template}";
    public const string Instances = "/t/{tenant}/middleware";
    public const string NewInstance = "/t/{tenant}/middleware/new";
    public const string Instance = "/t/{tenant}/middleware/{environment}/{instance}";
    public const string Reveal = "/t/{tenant}/middleware/{environment}/{instance}/reveal";
    public const string Scale = "/t/{tenant}/middleware/{environment}/{instance}/scale";
    public const string Plan = "/t/{tenant}/middleware/{environment}/{instance}/plan";
    public const string Upgrade = "/t/{tenant}/middleware/{environment}/{instance}/upgrade";
    public const string Restart = "/t/{tenant}/middleware/{environment}/{instance}/restart";
    public const string Delete = "/t/{tenant}/middleware/{environment}/{instance}/delete";
    public const string PodLog = "/t/{tenant}/middleware/{environment}/{instance}/pods/{pod}/log";
    public const string NewBinding = "/t/{tenant}/middleware/{environment}/{instance}/bindings/new";
    public const string Bindings = "/t/{tenant}/middleware/{environment}/{instance}/bindings";
    public const string DeleteBinding = "/t/{tenant}/middleware/{environment}/{instance}/bindings/{app}/delete";
    public const string AdminCatalog = "/admin/middleware";
    public const string AdminTemplate = "/admin/middleware/{template}";
    public const string AdminTemplateDetails = "/admin/middleware/{template}/details";
    public const string AdminVersions = "/admin/middleware/{template}/versions";
    public const string AdminPlans = "/admin/middleware/{template}/plans";
    public const string AdminHideTemplate = "/admin/middleware/{template}/hide";
    public const string AdminShowTemplate = "/admin/middleware/{template}/show";
    public const string AdminHideVersion = "/admin/middleware/{template}/versions/{version}/hide";
    public const string AdminShowVersion = "/admin/middleware/{template}/versions/{version}/show";
    public const string AdminHidePlan = "/admin/middleware/{template}/plans/{plan}/hide";
    public const string AdminShowPlan = "/admin/middleware/{template}/plans/{plan}/show";

    public static string CatalogUrl(string tenant) => RouteUrl.Fill(Catalog, tenant);

    public static string CatalogTemplateUrl(string tenant, string template) =>
        RouteUrl.Fill(CatalogTemplate, tenant, template);

    public static string InstancesUrl(string tenant) => RouteUrl.Fill(Instances, tenant);

    public static string NewInstanceUrl(string tenant) => RouteUrl.Fill(NewInstance, tenant);

    public static string InstanceUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(Instance, tenant, environment, instance);

    public static string RevealUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(Reveal, tenant, environment, instance);

    public static string ScaleUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(Scale, tenant, environment, instance);

    public static string PlanUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(Plan, tenant, environment, instance);

    public static string UpgradeUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(Upgrade, tenant, environment, instance);

    public static string RestartUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(Restart, tenant, environment, instance);

    public static string DeleteUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(Delete, tenant, environment, instance);

    public static string PodLogUrl(string tenant, string environment, string instance, string pod) =>
        RouteUrl.Fill(PodLog, tenant, environment, instance, pod);

    public static string NewBindingUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(NewBinding, tenant, environment, instance);

    public static string BindingsUrl(string tenant, string environment, string instance) =>
        RouteUrl.Fill(Bindings, tenant, environment, instance);

    public static string DeleteBindingUrl(string tenant, string environment, string instance, string app) =>
        RouteUrl.Fill(DeleteBinding, tenant, environment, instance, app);

    public static string AdminCatalogUrl() => AdminCatalog;

    public static string AdminTemplateUrl(string template) => RouteUrl.Fill(AdminTemplate, template);

    public static string AdminTemplateDetailsUrl(string template) => RouteUrl.Fill(AdminTemplateDetails, template);

    public static string AdminVersionsUrl(string template) => RouteUrl.Fill(AdminVersions, template);

    public static string AdminPlansUrl(string template) => RouteUrl.Fill(AdminPlans, template);

    public static string AdminHideTemplateUrl(string template) => RouteUrl.Fill(AdminHideTemplate, template);

    public static string AdminShowTemplateUrl(string template) => RouteUrl.Fill(AdminShowTemplate, template);

    public static string AdminHideVersionUrl(string template, string version) =>
        RouteUrl.Fill(AdminHideVersion, template, version);

    public static string AdminShowVersionUrl(string template, string version) =>
        RouteUrl.Fill(AdminShowVersion, template, version);

    public static string AdminHidePlanUrl(string template, string plan) => RouteUrl.Fill(AdminHidePlan, template, plan);

    public static string AdminShowPlanUrl(string template, string plan) => RouteUrl.Fill(AdminShowPlan, template, plan);
}

using Portal.Web.Common;

namespace Portal.Web.Environments;

/// <summary>
/// The addresses of a tenant's environment and operation pages: each template routes its actions, and its <c>…Url</c>
/// method makes links and redirects to them.
/// </summary>
public static class EnvironmentRoutes
{
    public const string List = "/t/{tenant}/environments";
    public const string Share = "/t/{tenant}/environments/{environment}/share";
    public const string Delete = "/t/{tenant}/environments/{environment}/delete";
    public const string Operations = "/t/{tenant}/operations";
    public const string RetryOperation = "/t/{tenant}/operations/{operationId:guid}/retry";

    public static string ListUrl(string tenant) => RouteUrl.Fill(List, tenant);

    public static string ShareUrl(string tenant, string environment) => RouteUrl.Fill(Share, tenant, environment);

    public static string DeleteUrl(string tenant, string environment) => RouteUrl.Fill(Delete, tenant, environment);

    public static string OperationsUrl(string tenant) => RouteUrl.Fill(Operations, tenant);

    public static string RetryOperationUrl(string tenant, Guid operationId) =>
        RouteUrl.Fill(RetryOperation, tenant, operationId);
}

using Portal.Infrastructure.Pipelines.Stages;
using Portal.Web.Common;

namespace Portal.Web.Pipelines;

/// <summary>
/// The run pages' addresses behind <c>Portal:PublicUrl</c> (the setting invitation links use); without it, the path
/// alone, since a message sent by a job has no request host to borrow.
/// </summary>
public sealed class PipelinePageLinks(IConfiguration configuration) : IPipelinePageLinks
{
    /// <summary>
    /// The run page's template: to be taken from <c>PipelineRoutes</c> once the run page routes there, so that the
    /// route is defined once.
    /// </summary>
    public const string RunPage = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run:int}";

    public string RunUrl(string tenant, string app, string pipeline, int run) =>
        (configuration[PublicUrl.Setting] ?? "").TrimEnd('/') + RouteUrl.Fill(RunPage, tenant, app, pipeline, run);
}

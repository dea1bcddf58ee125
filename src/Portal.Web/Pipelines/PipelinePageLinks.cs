using Portal.Infrastructure.Pipelines.Stages;
using Portal.Web.Common;

namespace Portal.Web.Pipelines;

/// <summary>
/// The run pages' addresses from <see cref="RunRoutes"/>, behind <c>Portal:PublicUrl</c> (the setting invitation and
/// alert links use), for messages sent outside the portal (an approval waiting); without it, the path alone, since a
/// job has no request host to borrow.
/// </summary>
public sealed class PipelinePageLinks(IConfiguration configuration) : IPipelinePageLinks
{
    public string RunUrl(string tenant, string app, string pipeline, int run) =>
        (configuration[PublicUrl.Setting] ?? "").TrimEnd('/') + RunRoutes.RunUrl(tenant, app, pipeline, run);
}

using Portal.Web.Common;

namespace Portal.Web.Pipelines;

/// <summary>
/// The addresses of pipelines. Each template routes its action, and its <c>…Url</c> method makes the links to it.
/// </summary>
public static class PipelineRoutes
{
    /// <summary>
    /// Where Git hosts deliver a pipeline's pushes: anonymous, found by the pipeline's id alone, believed only when
    /// signed with the pipeline's own secret.
    /// </summary>
    public const string Webhook = "/hooks/pipelines/{pipelineId:guid}";

    public static string WebhookUrl(Guid pipelineId) => RouteUrl.Fill(Webhook, pipelineId);
}

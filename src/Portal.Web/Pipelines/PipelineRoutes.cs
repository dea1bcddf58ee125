using Portal.Web.Common;

namespace Portal.Web.Pipelines;

/// <summary>
/// The addresses of an application's pipelines: the list, the editor (new and edit, and the conversion between its
/// form and its YAML), a pipeline's page with its webhook, the acts on it (delete, rotate the secret, start a run), and
/// the webhook Git hosts deliver to. Each template routes its action, and its <c>…Url</c> method makes the links to
/// it.
/// </summary>
public static class PipelineRoutes
{
    public const string AppPipelines = "/t/{tenant}/apps/{app}/pipelines";
    public const string NewPipeline = "/t/{tenant}/apps/{app}/pipelines/new";
    public const string Convert = "/t/{tenant}/apps/{app}/pipelines/convert";
    public const string Pipeline = "/t/{tenant}/apps/{app}/pipelines/{pipeline}";
    public const string EditPipeline = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/edit";
    public const string DeletePipeline = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/delete";
    public const string RotateSecret = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/rotate-secret";
    public const string StartRun = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/start";

    /// <summary>
    /// Where Git hosts deliver a pipeline's pushes: anonymous, found by the pipeline's id alone, believed only when
    /// signed with the pipeline's own secret.
    /// </summary>
    public const string Webhook = "/hooks/pipelines/{pipelineId:guid}";

    public static string AppPipelinesUrl(string tenant, string app) => RouteUrl.Fill(AppPipelines, tenant, app);

    public static string NewPipelineUrl(string tenant, string app) => RouteUrl.Fill(NewPipeline, tenant, app);

    public static string ConvertUrl(string tenant, string app) => RouteUrl.Fill(Convert, tenant, app);

    public static string PipelineUrl(string tenant, string app, string pipeline) =>
        RouteUrl.Fill(Pipeline, tenant, app, pipeline);

    public static string EditPipelineUrl(string tenant, string app, string pipeline) =>
        RouteUrl.Fill(EditPipeline, tenant, app, pipeline);

    public static string DeletePipelineUrl(string tenant, string app, string pipeline) =>
        RouteUrl.Fill(DeletePipeline, tenant, app, pipeline);

    public static string RotateSecretUrl(string tenant, string app, string pipeline) =>
        RouteUrl.Fill(RotateSecret, tenant, app, pipeline);

    public static string StartRunUrl(string tenant, string app, string pipeline) =>
        RouteUrl.Fill(StartRun, tenant, app, pipeline);

    public static string WebhookUrl(Guid pipelineId) => RouteUrl.Fill(Webhook, pipelineId);
}

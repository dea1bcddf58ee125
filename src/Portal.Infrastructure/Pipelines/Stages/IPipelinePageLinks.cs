namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Absolute links to the portal's pipeline pages for messages sent outside it (mail, chat, webhooks), where there is
/// no request to take the host from. The web layer owns the routes, so it answers.
/// </summary>
public interface IPipelinePageLinks
{
    /// <summary>The page of run <paramref name="run"/> of the application's pipeline.</summary>
    string RunUrl(string tenant, string app, string pipeline, int run);
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Applications;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Applications;

/// <summary>
/// The truth about an application's environments: what runs in each and how the working spec differs from it, what a
/// deploy would change (its preview), and the reset of the working spec to what runs in an environment.
/// </summary>
[Route("api/v1/tenants/{tenant}/apps")]
public sealed class EnvironmentTruthApiController(
    ApplicationCatalog catalog,
    EnvironmentTruths truths,
    WorkingSpecReset reset
) : ApiControllerBase
{
    /// <summary>
    /// Per environment the application runs in: its revision, image, URLs, and what a deploy of the working spec would
    /// change there.
    /// </summary>
    [HttpGet("{app}/environments"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Environments(string app, CancellationToken ct) =>
        await truths.OfApplicationAsync(app, ct) is { } found
            ? Ok(found)
            : this.ToActionResult(Domain.Common.Problem.NotFound($"Application '{app}'"));

    /// <summary>
    /// What deploying the working spec would change in the environment; <c>replicas</c> previews a deploy that sets
    /// them.
    /// </summary>
    [HttpGet("{app}/environments/{environment}/deploy/preview"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> PreviewDeploy(string app, string environment, int? replicas, CancellationToken ct)
    {
        var preview = await truths.PreviewDeployAsync(app, environment, replicas, ct);
        return preview.Succeeded ? Ok(preview.Value) : this.ToActionResult(preview.Problem!);
    }

    /// <summary>
    /// Sets the working spec to the revision running in the environment (audited); answers with the application.
    /// </summary>
    [HttpPost("{app}/environments/{environment}/reset-spec"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> ResetSpec(string app, string environment, CancellationToken ct)
    {
        var done = await reset.ToRunningAsync(app, environment, ct);
        return done.Succeeded
            ? Ok(ApplicationsApiController.Masked(await catalog.FindAsync(app, ct)))
            : this.ToActionResult(done.Problem!);
    }
}

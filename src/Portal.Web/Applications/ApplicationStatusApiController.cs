using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Applications;
using Portal.Web.Common;
using Portal.Web.Identity;
using Portal.Web.Tenancy;

namespace Portal.Web.Applications;

/// <summary>
/// An application's live status, its events and its pods' logs; any member of the tenant may read them.
/// </summary>
[Route("api/v1/tenants/{tenant}/apps/{app}")]
public sealed class ApplicationStatusApiController(AppStatusReader status, PodLogs logs) : ApiControllerBase
{
    /// <summary>
    /// Per environment it is deployed to: revision, desired and ready replicas, state, pods and usage.
    /// </summary>
    [HttpGet("status"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Status(string app, CancellationToken ct) =>
        await status.FindAsync(app, ct) is { } id
            ? Ok(await status.ForApplicationAsync(id, ct))
            : this.ToActionResult(Domain.Common.Problem.NotFound($"Application '{app}'"));

    /// <summary>The newest Kubernetes events of the application's objects in an environment.</summary>
    [HttpGet("environments/{environment}/events"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Events(string app, string environment, int? take, CancellationToken ct)
    {
        if (await status.FindAsync(app, ct) is not { } id)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Application '{app}'"));
        if (!(await status.ForApplicationAsync(id, ct)).Any(e => e.Environment == environment))
            return this.ToActionResult(
                Domain.Common.Problem.NotFound($"Application '{app}' in environment '{environment}'")
            );
        return Ok(await status.RecentEventsAsync(id, environment, take ?? 50, ct));
    }

    /// <summary>
    /// The last lines (default 500, at most 5000) of a pod's log, as text; <c>previous=true</c> for the instance before
    /// a restart. 429 when the caller or the tenant reads as many logs at once as allowed.
    /// </summary>
    [HttpGet("environments/{environment}/pods/{pod}/log"), Authorize(TenantPolicies.Read)]
    [ProducesResponseType<string>(StatusCodes.Status200OK, "text/plain")]
    public async Task<IActionResult> Log(
        string app,
        string environment,
        string pod,
        int? lines,
        string? container,
        bool previous,
        CancellationToken ct
    )
    {
        var log = await logs.TailAsync(
            new PodLogRequest(app, environment, pod, container, previous),
            lines ?? PodLogs.DefaultLines,
            User.ToCaller(),
            ct
        );
        return log.Succeeded ? Content(log.Value, "text/plain", Encoding.UTF8) : this.ToActionResult(log.Problem!);
    }
}

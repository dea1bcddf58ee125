using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Middleware;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Middleware;

public sealed record ProvisionRequest(
    string? Environment,
    string? Name,
    string? Template,
    string? Version,
    string? Plan,
    Dictionary<string, string?>? Parameters
);

/// <summary>How many replicas the instance runs, within its plan's; left out is refused, never taken for 0.</summary>
public sealed record InstanceScaleRequest(int? Replicas) : StrictBody;

public sealed record InstancePlanRequest(string? Plan);

public sealed record InstanceUpgradeRequest(string? Version);

public sealed record InstanceBindingRequest(string? App, Dictionary<string, string?>? Names);

/// <summary>
/// Middleware instances of a tenant and their bindings: provisioning and day-2 changes answer 202 with their operation;
/// connection strings come masked, and credentials only from an audited reveal.
/// </summary>
[Route("api/v1/tenants/{tenant}/middleware/instances")]
public sealed class InstancesApiController(
    InstanceDirectory directory,
    InstanceChanges changes,
    MiddlewareBindings bindings
) : ApiControllerBase
{
    [HttpGet(""), Authorize(TenantPolicies.Read)]
    public Task<Page<InstanceRow>> List(
        string? environment,
        string? template,
        int? page,
        int? size,
        CancellationToken ct
    ) => directory.ListAsync(environment, template, new PageRequest(page, size), ct);

    [HttpPost(""), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Provision(ProvisionRequest request, CancellationToken ct) =>
        Accepted(
            await changes.ProvisionAsync(
                new ProvisionInstance(
                    request.Environment,
                    request.Name,
                    request.Template,
                    request.Version,
                    request.Plan,
                    request.Parameters ?? []
                ),
                ct
            )
        );

    [HttpGet("{environment}/{instance}"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Get(string environment, string instance, CancellationToken ct) =>
        await directory.FindAsync(environment, instance, ct) is { } found
            ? Ok(found)
            : NotFoundProblem(environment, instance);

    [HttpGet("{environment}/{instance}/events"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Events(string environment, string instance, CancellationToken ct) =>
        await directory.FindAsync(environment, instance, ct) is null
            ? NotFoundProblem(environment, instance)
            : Ok(await directory.EventsAsync(environment, instance, AppStatusReader.MaxEvents, ct));

    /// <summary>The credentials and connection strings in clear; the reveal is recorded in the audit trail.</summary>
    [HttpPost("{environment}/{instance}/reveal"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Reveal(string environment, string instance, CancellationToken ct)
    {
        var revealed = await changes.RevealAsync(environment, instance, ct);
        Response.Headers.CacheControl = "no-store";
        return revealed.Succeeded ? Ok(revealed.Value) : this.ToActionResult(revealed.Problem!);
    }

    [HttpPost("{environment}/{instance}/scale"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Scale(
        string environment,
        string instance,
        InstanceScaleRequest request,
        CancellationToken ct
    ) =>
        Accepted(
            request.Refuse(
                "replicas",
                StrictBody.Required((request.Replicas, "Replicas", ReplicaInput.NoInstanceReplicas))
            )
                is { } refused
                ? refused
                : await changes.ScaleAsync(environment, instance, request.Replicas.GetValueOrDefault(), ct)
        );

    [HttpPost("{environment}/{instance}/plan"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> ChangePlan(
        string environment,
        string instance,
        InstancePlanRequest request,
        CancellationToken ct
    ) => Accepted(await changes.ChangePlanAsync(environment, instance, request.Plan, ct));

    [HttpPost("{environment}/{instance}/upgrade"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Upgrade(
        string environment,
        string instance,
        InstanceUpgradeRequest request,
        CancellationToken ct
    ) => Accepted(await changes.UpgradeAsync(environment, instance, request.Version, ct));

    [HttpPost("{environment}/{instance}/restart"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Restart(string environment, string instance, CancellationToken ct) =>
        Accepted(await changes.RestartAsync(environment, instance, ct));

    /// <summary>
    /// Deletes the instance: <c>volumes</c> is <c>keep</c> or <c>delete</c>, and <c>confirm</c> its name when
    /// applications are bound to it.
    /// </summary>
    [HttpDelete("{environment}/{instance}"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Delete(
        string environment,
        string instance,
        string? volumes,
        string? confirm,
        CancellationToken ct
    ) =>
        volumes is not ("keep" or "delete")
            ? this.ToActionResult(
                Domain.Common.Problem.Invalid(
                    "Volumes",
                    "Say whether the data volumes are kept: volumes=keep or volumes=delete."
                )
            )
            : Accepted(
                await changes.DeleteAsync(new DeleteInstance(environment, instance, volumes == "keep", confirm), ct)
            );

    [HttpGet("{environment}/{instance}/bindings"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Bindings(string environment, string instance, CancellationToken ct) =>
        await directory.FindAsync(environment, instance, ct) is { } found
            ? Ok(found.Bindings)
            : NotFoundProblem(environment, instance);

    /// <summary>The variables a binding would give an application, before binding.</summary>
    [HttpGet("{environment}/{instance}/bindings/preview"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> PreviewBinding(string environment, string instance, CancellationToken ct)
    {
        var preview = await bindings.PreviewAsync(environment, instance, null, ct);
        return preview.Succeeded ? Ok(preview.Value) : this.ToActionResult(preview.Problem!);
    }

    [HttpPost("{environment}/{instance}/bindings"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Bind(
        string environment,
        string instance,
        InstanceBindingRequest request,
        CancellationToken ct
    ) => Accepted(await bindings.BindAsync(new BindInstance(environment, instance, request.App, request.Names), ct));

    [HttpDelete("{environment}/{instance}/bindings/{app}"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Unbind(string environment, string instance, string app, CancellationToken ct) =>
        Accepted(await bindings.UnbindAsync(environment, instance, app, ct));

    private IActionResult NotFoundProblem(string environment, string instance) =>
        this.ToActionResult(Domain.Common.Problem.NotFound($"Instance '{instance}' in '{environment}'"));
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Common;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Applications;

public sealed record ApplicationRequest(string? Name, string? Description, string? Owner, DeploymentSpec? Spec);

/// <summary>
/// A deploy of the working spec; without <see cref="Replicas"/> the environment keeps its replicas or its autoscaler.
/// </summary>
public sealed record DeployRequest(string? Note, bool RollBackOnFailure = false, int? Replicas = null);

public sealed record RollbackRequest(int? Revision, string? Note);

public sealed record DeployBuildRequest(string? Environment, string? Note, bool RollBackOnFailure = false);

/// <summary>
/// <paramref name="AcceptMissingBindings"/>: promote even though the target lacks some of the source's middleware
/// bindings (the preview's <c>warning</c>); the application then runs there without their variables.
/// </summary>
public sealed record PromotionRequest(string? From, string? To, string? Note, bool AcceptMissingBindings = false);

/// <summary>
/// How many replicas to run; left out is refused, never taken for 0 (which stops the application: say so with 0).
/// </summary>
public sealed record ScaleRequest(int? Replicas) : StrictBody;

/// <summary>The autoscaler's bounds (both needed) and the average utilizations of the requests it aims at.</summary>
public sealed record AutoscalingRequest(
    int? MinReplicas,
    int? MaxReplicas,
    int? CpuUtilizationPercent,
    int? MemoryUtilizationPercent
) : StrictBody
{
    public Result<AutoscalingPolicy> ToPolicy() =>
        Refuse(
            "minReplicas, maxReplicas, cpuUtilizationPercent and memoryUtilizationPercent",
            ReplicaInput.Missing(MinReplicas, MaxReplicas)
        )
            is { } problem
            ? problem
            : new AutoscalingPolicy(
                MinReplicas.GetValueOrDefault(),
                MaxReplicas.GetValueOrDefault(),
                CpuUtilizationPercent,
                MemoryUtilizationPercent
            );
}

public sealed record ResourcesRequest(string? CpuRequest, string? CpuLimit, string? MemoryRequest, string? MemoryLimit)
    : StrictBody;

/// <summary>
/// Applications of a tenant: their specs, revisions and deploys, and the day-2 actions; changes answer 202 with their
/// operation.
/// </summary>
[Route("api/v1/tenants/{tenant}/apps")]
public sealed class ApplicationsApiController(ApplicationCatalog catalog, ApplicationChanges changes)
    : ApiControllerBase
{
    [HttpGet(""), Authorize(TenantPolicies.Read)]
    public Task<Page<ApplicationRow>> List(
        string? search,
        string? environment,
        ApplicationHealth? health,
        ApplicationSort? sort,
        bool? descending,
        int? page,
        int? size,
        CancellationToken ct
    ) =>
        catalog.ListAsync(
            new ApplicationFilter(
                search,
                environment,
                health ?? ApplicationHealth.Any,
                sort ?? ApplicationSort.Name,
                descending ?? false
            ),
            new PageRequest(page, size),
            ct
        );

    [HttpPost(""), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Create(ApplicationRequest request, CancellationToken ct)
    {
        if (request.Spec is null)
            return this.ToActionResult(
                Domain.Common.Problem.Invalid(
                    "Spec",
                    "An application needs a spec: at least an image and its CPU and memory requests and limits."
                )
            );
        var created = await catalog.CreateAsync(
            new CreateApplication(request.Name, request.Description, request.Owner, request.Spec),
            ct
        );
        return created.Succeeded
            ? CreatedAt(
                nameof(Get),
                new { app = created.Value.Name },
                Masked(await catalog.FindAsync(created.Value.Name, ct))
            )
            : this.ToActionResult(created.Problem!);
    }

    /// <summary>The application with its working spec (secret values masked) and where it runs.</summary>
    [HttpGet("{app}"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Get(string app, CancellationToken ct) =>
        await catalog.FindAsync(app, ct) is { } found
            ? Ok(Masked(found))
            : this.ToActionResult(Domain.Common.Problem.NotFound($"Application '{app}'"));

    /// <summary>Changes the working spec; a secret variable sent with an empty value keeps its value.</summary>
    [HttpPut("{app}"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Change(string app, ApplicationRequest request, CancellationToken ct)
    {
        if (request.Spec is null)
            return this.ToActionResult(Domain.Common.Problem.Invalid("Spec", "Send the whole spec."));
        var changed = await catalog.ChangeAsync(
            new ChangeApplication(app, request.Description, request.Owner, request.Spec),
            ct
        );
        return changed.Succeeded ? Ok(Masked(await catalog.FindAsync(app, ct))) : this.ToActionResult(changed.Problem!);
    }

    [HttpDelete("{app}"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Delete(string app, string? confirm, CancellationToken ct) =>
        Accepted(await catalog.DeleteAsync(app, confirm, ct));

    [HttpGet("{app}/revisions"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Revisions(string app, CancellationToken ct) =>
        await catalog.RevisionsAsync(app, ct) is { } revisions
            ? Ok(revisions)
            : this.ToActionResult(Domain.Common.Problem.NotFound($"Application '{app}'"));

    [HttpGet("{app}/revisions/{from:int}/diff/{to:int}"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Diff(string app, int from, int to, CancellationToken ct)
    {
        var diff = await catalog.DiffAsync(app, from, to, ct);
        return diff.Succeeded ? Ok(diff.Value) : this.ToActionResult(diff.Problem!);
    }

    [HttpPost("{app}/environments/{environment}/deploy"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Deploy(
        string app,
        string environment,
        DeployRequest request,
        CancellationToken ct
    ) =>
        Accepted(
            await changes.DeployAsync(
                new DeployApplication(
                    app,
                    environment,
                    request.Note,
                    request.RollBackOnFailure,
                    DeployScale.From(request.Replicas)
                ),
                ct
            )
        );

    /// <summary>Deploys the image a successful build pushed, pinned by its digest, to one environment.</summary>
    [HttpPost("{app}/builds/{build:int}/deploy"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> DeployBuild(
        string app,
        int build,
        DeployBuildRequest request,
        CancellationToken ct
    ) =>
        Accepted(
            await changes.DeployBuildAsync(
                new DeployBuild(app, request.Environment, build, request.Note, request.RollBackOnFailure),
                ct
            )
        );

    [HttpPost("{app}/environments/{environment}/rollback"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> RollBack(
        string app,
        string environment,
        RollbackRequest request,
        CancellationToken ct
    ) =>
        Accepted(
            request.Revision is { } revision
                ? await changes.RollBackAsync(new RollBackApplication(app, environment, revision, request.Note), ct)
                : ReplicaInput.NoRevision
        );

    /// <summary>
    /// What promoting the revision running in <c>from</c> would change in <c>to</c>, and the middleware bindings of
    /// each side: promotion carries no binding of <c>from</c>; <c>to</c> keeps its own, and <c>warning</c> names the
    /// variables it would lack.
    /// </summary>
    [HttpGet("{app}/promotion"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> PreviewPromotion(string app, string? from, string? to, CancellationToken ct)
    {
        var preview = await changes.PreviewPromotionAsync(app, from, to, ct);
        return preview.Succeeded ? Ok(preview.Value) : this.ToActionResult(preview.Problem!);
    }

    [HttpPost("{app}/promotion"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Promote(string app, PromotionRequest request, CancellationToken ct) =>
        Accepted(
            await changes.PromoteAsync(
                new PromoteApplication(app, request.From, request.To, request.Note, request.AcceptMissingBindings),
                ct
            )
        );

    [HttpPost("{app}/environments/{environment}/scale"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Scale(
        string app,
        string environment,
        ScaleRequest request,
        CancellationToken ct
    ) =>
        Accepted(
            request.Refuse("replicas", StrictBody.Required((request.Replicas, "Replicas", ReplicaInput.NoReplicas)))
                is { } refused
                ? refused
                : await changes.ScaleAsync(app, environment, request.Replicas.GetValueOrDefault(), ct)
        );

    [HttpPost("{app}/environments/{environment}/stop"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Stop(string app, string environment, CancellationToken ct) =>
        Accepted(await changes.StopAsync(app, environment, ct));

    [HttpPost("{app}/environments/{environment}/start"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Start(string app, string environment, CancellationToken ct) =>
        Accepted(await changes.StartAsync(app, environment, ct));

    [HttpPost("{app}/environments/{environment}/restart"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Restart(string app, string environment, CancellationToken ct) =>
        Accepted(await changes.RestartAsync(app, environment, ct));

    /// <summary>Vertical scaling: a new revision with other requests and limits ("250m", "512Mi").</summary>
    [HttpPut("{app}/environments/{environment}/resources"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Resize(
        string app,
        string environment,
        ResourcesRequest request,
        CancellationToken ct
    )
    {
        var resources = ResourceText.Parse(
            request.CpuRequest,
            request.CpuLimit,
            request.MemoryRequest,
            request.MemoryLimit
        );
        if (
            request.Refuse(
                "cpuRequest, cpuLimit, memoryRequest and memoryLimit",
                resources.Succeeded ? [] : [resources.Problem!]
            ) is
            { } refused
        )
            return this.ToActionResult(refused);
        return Accepted(await changes.ResizeAsync(app, environment, resources.Value, ct));
    }

    [HttpPut("{app}/environments/{environment}/autoscaling"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Autoscale(
        string app,
        string environment,
        AutoscalingRequest request,
        CancellationToken ct
    )
    {
        var policy = request.ToPolicy();
        return Accepted(
            policy.Succeeded ? await changes.AutoscaleAsync(app, environment, policy.Value, ct) : policy.Problem!
        );
    }

    [HttpDelete("{app}/environments/{environment}/autoscaling"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> StopAutoscaling(string app, string environment, CancellationToken ct) =>
        Accepted(await changes.AutoscaleAsync(app, environment, null, ct));

    /// <summary>The application as the API shows it: secret values masked.</summary>
    internal static ApplicationView? Masked(ApplicationView? view) =>
        view is null
            ? null
            : view with
            {
                Spec = view.Spec.WithEnvironment(
                    view.Spec.Environment.Select(v => v.IsSecret ? v with { Value = EnvironmentVariable.Mask } : v)
                ),
            };
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Pipelines;
using Portal.Web.Common;
using Portal.Web.Tenancy;
using PipelineDefinitions = Portal.Infrastructure.Pipelines.Pipelines;

namespace Portal.Web.Pipelines;

/// <summary>A pipeline asked for through the API: its name and its definition as YAML.</summary>
public sealed record PipelineRequest(string? Name, string? Yaml);

/// <summary>A pipeline's definition replaced through the API.</summary>
public sealed record PipelineYamlRequest(string? Yaml);

/// <summary>
/// A pipeline as the API shows it: its YAML (the source of truth), what it does in words, its webhook.
/// </summary>
public sealed record PipelineResource(
    string Name,
    string App,
    string Yaml,
    string? Stages,
    string? Triggers,
    string WebhookUrl,
    DateTime WebhookSecretSetAt,
    string ChangedBy,
    DateTime ChangedAt
);

/// <summary>A pipeline just made, or its secret just rotated: the webhook secret in clear, this once.</summary>
public sealed record PipelineWithSecret(PipelineResource Pipeline, string WebhookSecret);

/// <summary>A webhook secret just made: in clear, this once.</summary>
public sealed record WebhookSecretResource(string WebhookSecret, string WebhookUrl);

/// <summary>
/// The pipelines of a tenant's applications: listed with their last run, read with their YAML, made (201, the webhook
/// secret in the body this once), changed, deleted, their webhook secret rotated.
/// </summary>
[Route("api/v1/tenants/{tenant}")]
public sealed class PipelinesApiController(PipelineDefinitions pipelines) : ApiControllerBase
{
    /// <summary>The pipelines of one application, by name, with their last run.</summary>
    [HttpGet("apps/{app}/pipelines"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> ListOfApp(string app, CancellationToken ct)
    {
        var listed = await pipelines.ListAsync(app, ct);
        return listed.Succeeded ? Ok(listed.Value) : this.ToActionResult(listed.Problem!);
    }

    /// <summary>The pipelines of every application of the tenant.</summary>
    [HttpGet("pipelines"), Authorize(TenantPolicies.Read)]
    public Task<IReadOnlyList<PipelineRow>> List(CancellationToken ct) => pipelines.ListOfTenantAsync(ct);

    /// <summary>One pipeline with its YAML; never its webhook secret.</summary>
    [HttpGet("apps/{app}/pipelines/{pipeline}"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Get(string app, string pipeline, CancellationToken ct) =>
        await pipelines.FindAsync(app, pipeline, ct) is { } found ? Ok(Resource(found)) : NotFound(app, pipeline);

    /// <summary>
    /// Makes a pipeline from its YAML; 201 with its address and, this once, its webhook secret. A YAML problem is
    /// a 400 whose errors say the line; a name taken is a 409.
    /// </summary>
    [HttpPost("apps/{app}/pipelines"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Create(string app, PipelineRequest request, CancellationToken ct)
    {
        var created = await pipelines.CreateAsync(new CreatePipeline(app, request.Name, request.Yaml), ct);
        if (!created.Succeeded)
            return this.ToActionResult(created.Problem!);
        var made = created.Value.Pipeline;
        return CreatedAt(
            nameof(Get),
            new { app, pipeline = made.Name },
            new PipelineWithSecret(Resource(made), created.Value.WebhookSecret)
        );
    }

    /// <summary>Replaces the pipeline's definition with the YAML given.</summary>
    [HttpPut("apps/{app}/pipelines/{pipeline}"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Change(
        string app,
        string pipeline,
        PipelineYamlRequest request,
        CancellationToken ct
    )
    {
        var changed = await pipelines.ChangeAsync(new ChangePipeline(app, pipeline, request.Yaml), ct);
        return changed.Succeeded ? Ok(Resource(changed.Value)) : this.ToActionResult(changed.Problem!);
    }

    /// <summary>Deletes the pipeline with its runs; refused (409) while one of its runs is queued or going.</summary>
    [HttpDelete("apps/{app}/pipelines/{pipeline}"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Delete(string app, string pipeline, CancellationToken ct)
    {
        var deleted = await pipelines.DeleteAsync(app, pipeline, ct);
        return deleted.Succeeded ? NoContent() : this.ToActionResult(deleted.Problem!);
    }

    /// <summary>A new webhook secret, in clear this once; the old one stops working at once.</summary>
    [HttpPost("apps/{app}/pipelines/{pipeline}/webhook-secret"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> RotateSecret(string app, string pipeline, CancellationToken ct)
    {
        var rotated = await pipelines.RotateWebhookSecretAsync(app, pipeline, ct);
        if (!rotated.Succeeded)
            return this.ToActionResult(rotated.Problem!);
        var found = await pipelines.FindAsync(app, pipeline, ct);
        return found is null
            ? NotFound(app, pipeline)
            : Ok(new WebhookSecretResource(rotated.Value, WebhookUrl(found.Id)));
    }

    private PipelineResource Resource(PipelineDetails pipeline) =>
        new(
            pipeline.Name,
            pipeline.App,
            pipeline.Yaml,
            pipeline.Definition is { } stages ? PipelineDefinitions.StagesSummary(stages) : null,
            pipeline.Definition is { } definition ? PipelineDefinitions.TriggersSummary(definition.Triggers) : null,
            WebhookUrl(pipeline.Id),
            pipeline.WebhookSecretSetAt,
            pipeline.ChangedBy,
            pipeline.ChangedAt
        );

    private string WebhookUrl(Guid id) => PublicUrl.For(HttpContext, PipelineRoutes.WebhookUrl(id));

    private IActionResult NotFound(string app, string pipeline) =>
        this.ToActionResult(Domain.Common.Problem.NotFound($"Pipeline '{pipeline}' of '{app}'"));
}

/// <summary>A tenant's run quota as set through the API: both numbers are needed.</summary>
public sealed record RunQuotaRequest(int? ConcurrentRuns, int? BuildMinutesPerDay);

/// <summary>A tenant's run quota and what it uses of it now.</summary>
public sealed record RunQuotaResource(
    int ConcurrentRuns,
    int BuildMinutesPerDay,
    bool IsDefault,
    int RunsGoing,
    int BuildMinutesToday
);

/// <summary>
/// A tenant's run quota: read by its members with what it uses; set by platform admins (a missing number is a 400,
/// never 0).
/// </summary>
[Route("api/v1/tenants/{tenant}/run-quota")]
public sealed class RunQuotaApiController(RunQuotaSettings quotas) : ApiControllerBase
{
    [HttpGet, Authorize(TenantPolicies.Read)]
    public async Task<RunQuotaResource> Get(CancellationToken ct)
    {
        var use = await quotas.ForCurrentTenantAsync(ct);
        return new RunQuotaResource(
            use.ConcurrentRuns,
            use.BuildMinutesPerDay,
            use.Limits.IsDefault,
            use.RunsGoing,
            use.BuildMinutesTodayRounded
        );
    }

    [HttpPut, Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Set(string tenant, RunQuotaRequest request, CancellationToken ct)
    {
        var set = await quotas.SetAsync(tenant, request.ConcurrentRuns, request.BuildMinutesPerDay, ct);
        return set.Succeeded ? Ok(set.Value) : this.ToActionResult(set.Problem!);
    }
}

using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Middleware;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Middleware;

public sealed record VersionRequest(string? Version, string? Image, string? MajorLine);

public sealed record PlanRequest(
    string? Name,
    string? DisplayName,
    string? CpuRequest,
    string? CpuLimit,
    string? MemoryRequest,
    string? MemoryLimit,
    string? Storage,
    int? Replicas,
    int? MaxReplicas
)
{
    public PlanInput ToInput() =>
        new(Name, DisplayName, CpuRequest, CpuLimit, MemoryRequest, MemoryLimit, Storage, Replicas, MaxReplicas);
}

/// <summary>
/// The middleware catalog: what a tenant is offered (any member), and the platform admin's templates, hidden ones
/// included. A new template is sent as the text of a catalog file, with the content type <c>text/yaml</c>.
/// </summary>
public sealed class CatalogApiController(MiddlewareCatalog catalog) : ApiControllerBase
{
    [HttpGet("api/v1/tenants/{tenant}/middleware/catalog"), Authorize(TenantPolicies.Read)]
    public Task<Page<CatalogRow>> Offered([FromQuery] CatalogQuery query, int? size, CancellationToken ct) =>
        catalog.ListAsync(
            new CatalogFilter(query.Search, query.Category, CatalogVisibility.Offered),
            new PageRequest(query.Page, size ?? 100),
            ct
        );

    [HttpGet("api/v1/tenants/{tenant}/middleware/catalog/{template}"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> OfferedTemplate(string template, CancellationToken ct) =>
        await catalog.FindAsync(template, CatalogVisibility.Offered, ct) is { } found
            ? Ok(found)
            : NotFoundProblem(template);

    [HttpGet("api/v1/middleware/templates"), Authorize(TenantPolicies.PlatformAdmin)]
    public Task<Page<CatalogRow>> List([FromQuery] CatalogQuery query, int? size, CancellationToken ct) =>
        catalog.ListAsync(
            new CatalogFilter(query.Search, query.Category, CatalogVisibility.All),
            new PageRequest(query.Page, size ?? 100),
            ct
        );

    [HttpGet("api/v1/middleware/templates/{template}"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Get(string template, CancellationToken ct) =>
        await catalog.FindAsync(template, CatalogVisibility.All, ct) is { } found
            ? Ok(found)
            : NotFoundProblem(template);

    /// <summary>
    /// Adds a template from the text of a catalog file (<c>Content-Type: text/yaml</c>); a broken one is refused with
    /// every problem.
    /// </summary>
    [HttpPost("api/v1/middleware/templates"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<CatalogTemplate>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Create(CancellationToken ct)
    {
        // Checked here rather than with [Consumes], which would answer 415 before authorization to anyone.
        if (Request.ContentType?.Split(';')[0].Trim() is not ("text/yaml" or "application/yaml"))
        {
            return new ObjectResult(
                new ProblemDetails
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Type = ApiProblems.Validation,
                    Title = ApiProblems.InvalidTitle,
                    Detail = "Send the template as the text of a catalog file, with Content-Type: text/yaml.",
                    Instance = Request.Path,
                }
            )
            {
                StatusCode = StatusCodes.Status415UnsupportedMediaType,
                ContentTypes = { "application/problem+json" },
            };
        }

        var yaml = await ReadTextAsync(MiddlewareCatalog.MaxYamlLength, ct);
        if (yaml is null)
            return this.ToActionResult(
                Domain.Common.Problem.Invalid(
                    "Yaml",
                    $"A template has at most {MiddlewareCatalog.MaxYamlLength / 1024} KiB of text."
                )
            );
        var created = await catalog.CreateAsync(yaml, ct);
        return created.Succeeded
            ? CreatedAt(
                nameof(Get),
                new { template = created.Value.Name },
                await catalog.FindAsync(created.Value.Name, CatalogVisibility.All, ct)
            )
            : this.ToActionResult(created.Problem!);
    }

    [HttpPost("api/v1/middleware/templates/{template}/versions"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<CatalogTemplate>(StatusCodes.Status201Created)]
    public async Task<IActionResult> AddVersion(string template, VersionRequest request, CancellationToken ct) =>
        await CreatedAsync(
            template,
            await catalog.AddVersionAsync(
                new AddTemplateVersion(template, request.Version, request.Image, request.MajorLine),
                ct
            ),
            ct
        );

    [HttpPost("api/v1/middleware/templates/{template}/plans"), Authorize(TenantPolicies.PlatformAdmin)]
    [ProducesResponseType<CatalogTemplate>(StatusCodes.Status201Created)]
    public async Task<IActionResult> AddPlan(string template, PlanRequest request, CancellationToken ct) =>
        await CreatedAsync(template, await catalog.AddPlanAsync(template, request.ToInput(), ct), ct);

    [HttpPost("api/v1/middleware/templates/{template}/hide"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Hide(string template, CancellationToken ct) =>
        await OkAsync(template, await catalog.SetHiddenAsync(template, true, ct), ct);

    [HttpPost("api/v1/middleware/templates/{template}/show"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> Show(string template, CancellationToken ct) =>
        await OkAsync(template, await catalog.SetHiddenAsync(template, false, ct), ct);

    [
        HttpPost("api/v1/middleware/templates/{template}/versions/{version}/hide"),
        Authorize(TenantPolicies.PlatformAdmin)
    ]
    public async Task<IActionResult> HideVersion(string template, string version, CancellationToken ct) =>
        await OkAsync(template, await catalog.SetVersionHiddenAsync(template, version, true, ct), ct);

    [
        HttpPost("api/v1/middleware/templates/{template}/versions/{version}/show"),
        Authorize(TenantPolicies.PlatformAdmin)
    ]
    public async Task<IActionResult> ShowVersion(string template, string version, CancellationToken ct) =>
        await OkAsync(template, await catalog.SetVersionHiddenAsync(template, version, false, ct), ct);

    [HttpPost("api/v1/middleware/templates/{template}/plans/{plan}/hide"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> HidePlan(string template, string plan, CancellationToken ct) =>
        await OkAsync(template, await catalog.SetPlanHiddenAsync(template, plan, true, ct), ct);

    [HttpPost("api/v1/middleware/templates/{template}/plans/{plan}/show"), Authorize(TenantPolicies.PlatformAdmin)]
    public async Task<IActionResult> ShowPlan(string template, string plan, CancellationToken ct) =>
        await OkAsync(template, await catalog.SetPlanHiddenAsync(template, plan, false, ct), ct);

    private async Task<IActionResult> OkAsync(string template, Result result, CancellationToken ct) =>
        result.Succeeded
            ? Ok(await catalog.FindAsync(template, CatalogVisibility.All, ct))
            : this.ToActionResult(result.Problem!);

    private async Task<IActionResult> CreatedAsync(string template, Result result, CancellationToken ct) =>
        result.Succeeded
            ? CreatedAt(nameof(Get), new { template }, await catalog.FindAsync(template, CatalogVisibility.All, ct))
            : this.ToActionResult(result.Problem!);

    private IActionResult NotFoundProblem(string template) =>
        this.ToActionResult(Domain.Common.Problem.NotFound($"Middleware template '{template}'"));

    /// <summary>
    /// The request body as text, or null when it is longer than <paramref name="maxLength"/> characters.
    /// </summary>
    private async Task<string?> ReadTextAsync(int maxLength, CancellationToken ct)
    {
        using var reader = new StreamReader(Request.Body, Encoding.UTF8);
        var buffer = new char[maxLength + 1];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await reader.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0)
                break;
            read += n;
        }
        return read > maxLength ? null : new string(buffer, 0, read);
    }
}

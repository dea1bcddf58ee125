using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Applications;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Applications;

public sealed record ImportRequest(string? Yaml);

/// <summary>An application's objects per environment as YAML, and a spec drafted from a Deployment's YAML.</summary>
[Route("api/v1/tenants/{tenant}/apps")]
public sealed class ApplicationYamlApiController(DeployedManifests manifests) : ApiControllerBase
{
    /// <summary>
    /// The objects the deploy job applies for the revision running in the environment, with the pool's placement and
    /// every secret value masked: as JSON, or as one multi-document YAML when asked for with <c>Accept:
    /// application/yaml</c>.
    /// </summary>
    [HttpGet("{app}/environments/{environment}/manifests"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Manifests(string app, string environment, CancellationToken ct)
    {
        var rendered = await manifests.ViewAsync(app, environment, ct);
        if (!rendered.Succeeded)
            return this.ToActionResult(rendered.Problem!);
        return Request.Headers.Accept.Any(a => a?.Contains("yaml", StringComparison.OrdinalIgnoreCase) == true)
            ? Content(rendered.Value.Yaml, "application/yaml")
            : Ok(rendered.Value);
    }

    /// <summary>
    /// What a Deployment's YAML (with its Service, Ingress and ConfigMaps) says as the portal's spec, with what could
    /// not be carried over and why; nothing is saved. Create the application with the spec (and an owner) through
    /// <c>POST …/apps</c>.
    /// </summary>
    [HttpPost("import"), Authorize(TenantPolicies.Develop)]
    [RequestSizeLimit(DeploymentImport.MaxLength * 4)]
    public IActionResult Import(ImportRequest request)
    {
        var imported = DeploymentImport.Read(request.Yaml);
        return imported.Succeeded ? Ok(imported.Value) : this.ToActionResult(imported.Problem!);
    }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Builds;

/// <summary>
/// A Git source as the API takes it: the credential's kind, the user name for a password, and the secret (token,
/// password or SSH private key). Left out on a replacement, the stored credential is kept for the same host and kind.
/// </summary>
public sealed record SourceRequest(
    string? RepositoryUrl,
    string? Ref,
    string? SubDirectory,
    GitCredentialKind CredentialKind,
    string? UserName,
    string? Secret
)
{
    public ConnectAppSource For(string app) =>
        new(app, RepositoryUrl, Ref, SubDirectory, CredentialKind, UserName, Secret);
}

/// <summary>What a connection test answered: the ref is a branch or a tag, at a commit.</summary>
public sealed record SourceTestResult(string Ref, GitRefKind RefKind, string Commit);

/// <summary>A retention rule: keep the newest <paramref name="KeepLast"/> images, or every image with null.</summary>
public sealed record ImageRetentionRequest(int? KeepLast);

/// <summary>An application's Git source (never its credential) and its images in the registry.</summary>
[Route("api/v1/tenants/{tenant}/apps/{app}")]
public sealed class SourcesApiController(AppSources sources, AppImages images, ImageRetentions retentions)
    : ApiControllerBase
{
    /// <summary>The connected source: URL, ref, folder and the credential's kind, never the credential.</summary>
    [HttpGet("source"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Get(string app, CancellationToken ct)
    {
        if (!await sources.ApplicationExistsAsync(app, ct))
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Application '{app}'"));
        return await sources.FindAsync(app, ct) is { } source
            ? Ok(source)
            : this.ToActionResult(Domain.Common.Problem.NotFound($"The source of '{app}'"));
    }

    /// <summary>
    /// Connects the application to a repository (201) or replaces its source (200), once a test of the connection
    /// found the ref; a refusal saves nothing.
    /// </summary>
    [HttpPut("source"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Connect(string app, SourceRequest request, CancellationToken ct)
    {
        var existed = await sources.FindAsync(app, ct) is not null;
        var connected = await sources.ConnectAsync(request.For(app), ct);
        if (!connected.Succeeded)
            return this.ToActionResult(connected.Problem!);
        return existed ? Ok(connected.Value) : CreatedAt(nameof(Get), new { app }, connected.Value);
    }

    /// <summary>Tries a source as given and answers the commit its ref is at; saves nothing.</summary>
    [HttpPost("source/test"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Test(string app, SourceRequest request, CancellationToken ct)
    {
        var tested = await sources.TestAsync(request.For(app), ct);
        return tested.Succeeded
            ? Ok(new SourceTestResult(request.Ref?.Trim() ?? "", tested.Value.RefKind, tested.Value.Commit))
            : this.ToActionResult(tested.Problem!);
    }

    [HttpDelete("source"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Disconnect(string app, CancellationToken ct)
    {
        var disconnected = await sources.DisconnectAsync(app, ct);
        return disconnected.Succeeded ? NoContent() : this.ToActionResult(disconnected.Problem!);
    }

    /// <summary>
    /// The application's tags in the registry, the newest first (at most 50), with digest, size and when its build
    /// pushed it; 503 when the registry cannot be reached.
    /// </summary>
    [HttpGet("images"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Images(string app, CancellationToken ct)
    {
        var listed = await images.ListAsync(app, ct);
        return listed.Succeeded ? Ok(listed.Value) : this.ToActionResult(listed.Problem!);
    }

    /// <summary>The application's retention rule: how many images are kept, or null when all are.</summary>
    [HttpGet("images/retention"), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Retention(string app, CancellationToken ct)
    {
        var found = await retentions.FindAsync(app, ct);
        return found.Succeeded ? Ok(found.Value) : this.ToActionResult(found.Problem!);
    }

    /// <summary>
    /// Sets the retention rule (<c>keepLast</c> null turns it off) and applies it at once: the answer lists the images
    /// deleted, or why the registry could not be asked now (the rule then applies after the next build).
    /// </summary>
    [HttpPut("images/retention"), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> SetRetention(string app, ImageRetentionRequest request, CancellationToken ct)
    {
        var set = await retentions.SetAsync(app, request.KeepLast, ct);
        return set.Succeeded ? Ok(set.Value) : this.ToActionResult(set.Problem!);
    }
}

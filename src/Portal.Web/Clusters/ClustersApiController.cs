using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Common;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Clusters;

/// <summary>
/// A kubeconfig to register or put in place. <c>AcceptUnverifiedTls</c> must be true for one that turns off TLS
/// verification (insecure-skip-tls-verify): the admin accepts that the portal cannot tell the cluster from an impostor.
/// </summary>
public sealed record RegisterClusterRequest(
    string? Name,
    string? DisplayName,
    string? Kubeconfig,
    bool AcceptUnverifiedTls = false
);

/// <summary>Clusters and their hosts, for platform admins. Kubeconfigs go in and never come out.</summary>
[Route("api/v1/clusters")]
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class ClustersApiController(ClusterRegistry clusters, HostInventory hosts, HostCordoning cordoning)
    : ApiControllerBase
{
    [HttpGet("")]
    public Task<IReadOnlyList<ClusterSummary>> List(CancellationToken ct) => clusters.ListAsync(ct);

    [HttpPost("")]
    [ProducesResponseType<ClusterSummary>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Register(RegisterClusterRequest request, CancellationToken ct)
    {
        var registered = await clusters.RegisterAsync(
            new RegisterCluster(request.Name, request.DisplayName, request.Kubeconfig, request.AcceptUnverifiedTls),
            ct
        );
        return registered.Succeeded
            ? CreatedAt(
                nameof(Get),
                new { cluster = registered.Value.Name },
                await clusters.SummaryAsync(registered.Value.Name, ct)
            )
            : this.ToActionResult(registered.Problem!);
    }

    [HttpGet("{cluster}")]
    public async Task<IActionResult> Get(string cluster, CancellationToken ct) =>
        await clusters.SummaryAsync(cluster, ct) is { } found
            ? Ok(found)
            : this.ToActionResult(Domain.Common.Problem.NotFound($"Cluster '{cluster}'"));

    /// <summary>Replaces the kubeconfig (rotated credentials); the new one must work before it is kept.</summary>
    [HttpPut("{cluster}/kubeconfig")]
    public async Task<IActionResult> ReplaceKubeconfig(
        string cluster,
        RegisterClusterRequest request,
        CancellationToken ct
    )
    {
        if (await clusters.FindAsync(cluster, ct) is not { } found)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Cluster '{cluster}'"));
        var replaced = await clusters.ReplaceKubeconfigAsync(
            found,
            request.Kubeconfig,
            request.AcceptUnverifiedTls,
            ct
        );
        return replaced.Succeeded
            ? Ok(await clusters.SummaryAsync(found.Name, ct))
            : this.ToActionResult(replaced.Problem!);
    }

    [HttpDelete("{cluster}")]
    public async Task<IActionResult> Remove(string cluster, CancellationToken ct)
    {
        if (await clusters.FindAsync(cluster, ct) is not { } found)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Cluster '{cluster}'"));
        await clusters.RemoveAsync(found, ct);
        return NoContent();
    }

    [HttpGet("{cluster}/hosts")]
    public async Task<IActionResult> Hosts(string cluster, [FromQuery] HostQuery query, CancellationToken ct)
    {
        if (await clusters.FindAsync(cluster, ct) is not { } found)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Cluster '{cluster}'"));
        var page = await hosts.ListAsync(found.Id, query.ToFilter(), new PageRequest(query.Page, query.PageSize), ct);
        return Ok(new Page<HostView>(page.Items.Select(HostView.From).ToList(), page.Number, page.Size, page.Total));
    }

    [HttpGet("{cluster}/hosts/{host}")]
    public async Task<IActionResult> Host(string cluster, string host, CancellationToken ct)
    {
        if (
            await clusters.FindAsync(cluster, ct) is not { } found
            || await hosts.FindAsync(found.Id, host, ct) is not { } node
        )
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Host '{host}' of cluster '{cluster}'"));
        return Ok(HostView.From(HostRows.From(node)));
    }

    /// <summary>Marks the host unschedulable, as a job; 202 until the cluster confirms through its watch.</summary>
    [HttpPost("{cluster}/hosts/{host}/cordon")]
    public Task<IActionResult> Cordon(string cluster, string host, CancellationToken ct) =>
        SetUnschedulable(cluster, host, true, ct);

    [HttpPost("{cluster}/hosts/{host}/uncordon")]
    public Task<IActionResult> Uncordon(string cluster, string host, CancellationToken ct) =>
        SetUnschedulable(cluster, host, false, ct);

    private async Task<IActionResult> SetUnschedulable(
        string cluster,
        string host,
        bool unschedulable,
        CancellationToken ct
    )
    {
        if (await clusters.FindAsync(cluster, ct) is not { } found || await hosts.FindAsync(found.Id, host, ct) is null)
            return this.ToActionResult(Domain.Common.Problem.NotFound($"Host '{host}' of cluster '{cluster}'"));
        var job = await cordoning.RequestAsync(found, host, unschedulable, ct);
        return Accepted(new { job });
    }
}

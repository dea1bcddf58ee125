using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Common;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Clusters;

public sealed class RegisterClusterForm
{
    public string? Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Kubeconfig { get; set; }
    public IFormFile? KubeconfigFile { get; set; }

    /// <summary>"I accept an unverified connection": needed for a kubeconfig that turns off TLS verification.</summary>
    public bool AcceptUnverifiedTls { get; set; }
}

public sealed record ClusterListModel(IReadOnlyList<ClusterSummary> Clusters, RegisterClusterForm Form);

/// <param name="Provenance">Where each node of the page came from, when the portal provisioned it, by node
/// name.</param>
public sealed record HostListModel(
    ClusterSummary Cluster,
    Page<HostView> Hosts,
    HostQuery Query,
    IReadOnlyDictionary<string, Clouds.NodeProvenance> Provenance
);

/// <param name="Provenance">Where the node came from, when the portal provisioned it; null for a node registered with
/// the cluster.</param>
public sealed record HostDetailModel(
    ClusterSummary Cluster,
    ClusterHost Host,
    HostView View,
    Clouds.NodeProvenance? Provenance
);

public sealed class HostQuery
{
    public string? Search { get; set; }
    public HostState State { get; set; }
    public HostSort Sort { get; set; }
    public bool Desc { get; set; }
    public int? Page { get; set; }
    public int? PageSize { get; set; }

    public HostFilter ToFilter() => new(Search, State, Sort, Desc);
}

/// <summary>The platform admin's clusters and hosts pages.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class ClustersController(
    ClusterRegistry clusters,
    HostInventory hosts,
    HostCordoning cordoning,
    Clouds.PoolHostLimits provenance
) : Controller
{
    [HttpGet(ClusterRoutes.List)]
    public async Task<IActionResult> Index(CancellationToken ct) =>
        View(new ClusterListModel(await clusters.ListAsync(ct), new RegisterClusterForm()));

    [HttpPost(ClusterRoutes.List)]
    [RequestSizeLimit(KubeconfigReader.MaxLength * 2)]
    public async Task<IActionResult> Register([Bind(Prefix = "Form")] RegisterClusterForm form, CancellationToken ct)
    {
        var kubeconfig = form.Kubeconfig;
        if (form.KubeconfigFile is { Length: > 0 } file)
        {
            using var reader = new StreamReader(file.OpenReadStream());
            kubeconfig = await reader.ReadToEndAsync(ct);
        }
        var registered = await clusters.RegisterAsync(
            new RegisterCluster(form.Name, form.DisplayName, kubeconfig, form.AcceptUnverifiedTls),
            ct
        );
        if (!registered.Succeeded)
        {
            // A kubeconfig holds credentials: it is never rendered back, not even the one just refused.
            ModelState.SetModelValue("Form.Kubeconfig", rawValue: null, attemptedValue: "");
            form.Kubeconfig = null;
            return await this.RefusedAsync(
                registered.Problem!,
                async () => View("Index", new ClusterListModel(await clusters.ListAsync(ct), form)),
                "Form"
            );
        }
        TempData["Flash"] =
            $"Cluster '{registered.Value.Name}' is registered: Kubernetes "
            + $"{registered.Value.KubernetesVersion}. Its hosts appear as they are "
            + "watched.";
        return Redirect(ClusterRoutes.DetailUrl(registered.Value.Name));
    }

    [HttpGet(ClusterRoutes.Detail)]
    public async Task<IActionResult> Detail(string cluster, CancellationToken ct) =>
        await clusters.SummaryAsync(cluster, ct) is { } found ? View(found) : NotFound();

    [HttpPost(ClusterRoutes.Check)]
    public async Task<IActionResult> Check(string cluster, CancellationToken ct)
    {
        if (await clusters.FindAsync(cluster, ct) is not { } found)
            return NotFound();
        await clusters.CheckAsync(found, ct);
        TempData["Flash"] =
            found.Health == ClusterHealth.Healthy
                ? "The cluster answered."
                : $"The cluster did not answer: {found.LastError}";
        return Redirect(ClusterRoutes.DetailUrl(found.Name));
    }

    [HttpPost(ClusterRoutes.Kubeconfig)]
    [RequestSizeLimit(KubeconfigReader.MaxLength * 2)]
    public async Task<IActionResult> ReplaceKubeconfig(
        string cluster,
        string? kubeconfig,
        bool acceptUnverifiedTls,
        CancellationToken ct
    )
    {
        if (await clusters.FindAsync(cluster, ct) is not { } found)
            return NotFound();
        var replaced = await clusters.ReplaceKubeconfigAsync(found, kubeconfig, acceptUnverifiedTls, ct);
        TempData["Flash"] = replaced.Succeeded
            ? "The kubeconfig was replaced; the cluster answered with it."
            : $"The kubeconfig was not replaced: {replaced.Problem!.Message}";
        return Redirect(ClusterRoutes.DetailUrl(found.Name));
    }

    [HttpPost(ClusterRoutes.Remove)]
    public async Task<IActionResult> Remove(string cluster, string? confirmName, CancellationToken ct)
    {
        if (await clusters.FindAsync(cluster, ct) is not { } found)
            return NotFound();
        if (!string.Equals(confirmName?.Trim(), found.Name, StringComparison.Ordinal))
        {
            TempData["Flash"] = $"Type '{found.Name}' to confirm the removal.";
            return Redirect(ClusterRoutes.DetailUrl(found.Name));
        }
        await clusters.RemoveAsync(found, ct);
        TempData["Flash"] =
            $"Cluster '{found.Name}' was removed from the portal; nothing changed in the cluster itself.";
        return Redirect(ClusterRoutes.ListUrl());
    }

    [HttpGet(ClusterRoutes.Hosts)]
    public async Task<IActionResult> Hosts(string cluster, [FromQuery] HostQuery query, CancellationToken ct)
    {
        if (await clusters.SummaryAsync(cluster, ct) is not { } found)
            return NotFound();
        var page = await hosts.ListAsync(
            found.Id,
            query.ToFilter(),
            new PageRequest(query.Page, query.PageSize ?? 50),
            ct
        );
        var views = new Page<HostView>(page.Items.Select(HostView.From).ToList(), page.Number, page.Size, page.Total);
        var from = await provenance.ForNodesAsync(found.Id, [.. page.Items.Select(h => h.Name)], ct);
        return View(new HostListModel(found, views, query, from));
    }

    [HttpGet(ClusterRoutes.Host)]
    public async Task<IActionResult> HostDetail(string cluster, string host, CancellationToken ct)
    {
        if (
            await clusters.SummaryAsync(cluster, ct) is not { } found
            || await hosts.FindAsync(found.Id, host, ct) is not { } node
        )
            return NotFound();
        var from = await provenance.ForNodesAsync(found.Id, [node.Name], ct);
        return View(
            new HostDetailModel(found, node, HostView.From(HostRows.From(node)), from.GetValueOrDefault(node.Name))
        );
    }

    [HttpPost(ClusterRoutes.Cordon)]
    public Task<IActionResult> Cordon(string cluster, string host, CancellationToken ct) =>
        SetUnschedulable(cluster, host, true, ct);

    [HttpPost(ClusterRoutes.Uncordon)]
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
            return NotFound();
        await cordoning.RequestAsync(found, host, unschedulable, ct);
        TempData["Flash"] = unschedulable
            ? $"Cordoning {host}: no new pods will be scheduled on it. The page updates when the cluster confirms."
            : $"Uncordoning {host}. The page updates when the cluster confirms.";
        return Redirect(ClusterRoutes.HostUrl(found.Name, host));
    }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Monitoring.Sources;
using Portal.Infrastructure.Quotas;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Quotas;

public sealed record PoolListModel(
    IReadOnlyList<PoolSummary> Pools,
    IReadOnlyList<ClusterSummary> Clusters,
    CreatePoolForm Form
);

/// <param name="PrometheusUrl">The Prometheus the pool's usage is read from, "" for metrics.k8s.io.</param>
/// <param name="RefusedPrometheusUrl">The address typed into the metrics source form when it was refused, to correct
/// it.</param>
/// <param name="RefusedIngressDomains">The domains typed into the ingress form when they were refused, to correct
/// them.</param>
public sealed record PoolDetailModel(
    PoolSummary Pool,
    IReadOnlyList<QuotaGrantView> Grants,
    IReadOnlyList<TenantLink> Tenants,
    QuotaForm Form,
    string PrometheusUrl,
    string? RefusedPrometheusUrl = null,
    string? RefusedIngressDomains = null
)
{
    public string MetricsSource => PoolMetricsSourceSetting.Describe(PrometheusUrl);
}

/// <summary>The platform admin's resource pools: capacity from live nodes, quotas granted to tenants.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class PoolsController(
    PoolCatalog pools,
    ClusterRegistry clusters,
    TenantAdministration tenants,
    PoolMetricsSourceSetting metricsSourceSetting,
    PoolTainting tainting
) : Controller
{
    [HttpGet(QuotaRoutes.Pools)]
    public async Task<IActionResult> Index(CancellationToken ct) =>
        View(new PoolListModel(await pools.ListAsync(ct), await clusters.ListAsync(ct), new CreatePoolForm()));

    [HttpPost(QuotaRoutes.Pools)]
    public async Task<IActionResult> Create([Bind(Prefix = "Form")] CreatePoolForm form, CancellationToken ct)
    {
        // A blank ratio is the documented default, 1 (no overcommit); an unreadable one is refused, not taken for it.
        var unreadable = new[] { nameof(form.CpuOvercommit), nameof(form.MemoryOvercommit) }
            .Where(field =>
                ModelState[$"Form.{field}"]
                    is { ValidationState: Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid }
            )
            .Select(field =>
                Domain.Common.Problem.Invalid(
                    field,
                    $"'{ModelState[$"Form.{field}"]!.AttemptedValue}' is not a ratio; write a number such as 1 or 1.5."
                )
            )
            .ToList();
        var created =
            unreadable.Count > 0
                ? Domain.Common.Problem.Invalid(unreadable)
                : await pools.CreateAsync(form.ToCreatePool(), ct);
        if (!created.Succeeded)
        {
            foreach (var field in new[] { nameof(form.CpuOvercommit), nameof(form.MemoryOvercommit) })
                ModelState[$"Form.{field}"]?.Errors.Clear(); // the binder's own words; the problem says it better
            return await this.RefusedAsync(
                created.Problem!,
                async () =>
                    View("Index", new PoolListModel(await pools.ListAsync(ct), await clusters.ListAsync(ct), form)),
                "Form"
            );
        }
        TempData["Flash"] = $"Pool '{created.Value.Name}' was created. Grant tenants quota in it.";
        return Redirect(QuotaRoutes.PoolUrl(created.Value.Name));
    }

    /// <summary>
    /// The pool; with <paramref name="tenant"/>, its grant form holds that tenant's current quota, to be changed.
    /// </summary>
    [HttpGet(QuotaRoutes.Pool)]
    public async Task<IActionResult> Detail(string pool, string? tenant, CancellationToken ct)
    {
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        var model = await BuildAsync(found, new QuotaForm { Tenant = tenant }, ct);
        return View(
            model.Grants.FirstOrDefault(g => g.Tenant == tenant) is { } grant
                ? model with
                {
                    Form = QuotaForm.From(grant.Tenant, grant.Granted),
                }
                : model
        );
    }

    [HttpPost(QuotaRoutes.Grant)]
    public async Task<IActionResult> Grant(string pool, [Bind(Prefix = "Form")] QuotaForm form, CancellationToken ct)
    {
        if (await pools.FindAsync(pool, ct) is not { } found)
            return NotFound();
        var amounts = form.ToAmounts();
        var granted = amounts.Succeeded
            ? await pools.GrantAsync(found, form.Tenant, amounts.Value, ct)
            : amounts.Problem!;
        if (!granted.Succeeded)
        {
            return await this.RefusedAsync(
                granted.Problem!,
                async () => View("Detail", await BuildAsync((await pools.SummaryAsync(pool, ct))!, form, ct)),
                "Form"
            );
        }
        TempData["Flash"] = $"Tenant '{form.Tenant}' now has {granted.Value.Granted} in pool '{found.Name}'.";
        return Redirect(QuotaRoutes.PoolUrl(found.Name));
    }

    [HttpPost(QuotaRoutes.Overcommit)]
    public async Task<IActionResult> ChangeOvercommit(
        string pool,
        decimal? cpuOvercommit,
        decimal? memoryOvercommit,
        CancellationToken ct
    )
    {
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        var changed =
            cpuOvercommit is null || memoryOvercommit is null
                ? Domain.Common.Problem.Invalid("Overcommit", "Give both ratios as numbers such as 1 or 1.5.")
                : await pools.ChangeOvercommitAsync(pool, cpuOvercommit.Value, memoryOvercommit.Value, ct);
        if (!changed.Succeeded)
        {
            return await DetailRefusedAsync(found, changed.Problem!, _ => "Overcommit", ct);
        }
        TempData["Flash"] = $"Pool '{pool}' now overcommits CPU {cpuOvercommit} and memory {memoryOvercommit}.";
        return Redirect(QuotaRoutes.PoolUrl(pool));
    }

    [HttpPost(QuotaRoutes.Dedication)]
    public async Task<IActionResult> Dedicate(string pool, bool dedicated, CancellationToken ct)
    {
        // A value that could not be read (a tampered select or checkbox) is not taken for its default.
        if (!ModelState.IsValid)
            return BadRequest();
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        var changed = await pools.DedicateAsync(pool, dedicated, ct);
        if (!changed.Succeeded)
        {
            return await DetailRefusedAsync(found, changed.Problem!, _ => "Dedicated", ct);
        }
        TempData["Flash"] = dedicated
            ? $"Pool '{pool}' is dedicated: taint its nodes to keep other pools' pods off them."
            : $"Pool '{pool}' is no longer dedicated: take its taint off its nodes to let other pools use them.";
        return Redirect(QuotaRoutes.PoolUrl(pool));
    }

    [HttpPost(QuotaRoutes.Taint)]
    public async Task<IActionResult> Taint(string pool, CancellationToken ct)
    {
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        await tainting.RequestAsync(found.Id, found.Name, ct);
        TempData["Flash"] = found.Dedicated
            ? $"Putting {found.Taint} on the nodes of '{pool}'. The audit says what was done."
            : $"Taking {found.Taint} off the nodes that carry it. The audit says what was done.";
        return Redirect(QuotaRoutes.PoolUrl(pool));
    }

    [HttpPost(QuotaRoutes.Ingress)]
    public async Task<IActionResult> ChangeIngress(
        string pool,
        string? ingressDomains,
        bool wildcardHosts,
        CancellationToken ct
    )
    {
        // A value that could not be read (a tampered select or checkbox) is not taken for its default.
        if (!ModelState.IsValid)
            return BadRequest();
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        var changed = await pools.PublishUnderAsync(pool, [ingressDomains], wildcardHosts, ct);
        if (!changed.Succeeded)
        {
            return await DetailRefusedAsync(
                found,
                changed.Problem!,
                _ => "IngressDomains",
                ct,
                model => model with { RefusedIngressDomains = ingressDomains ?? "" }
            );
        }
        TempData["Flash"] =
            $"Pool '{pool}' now publishes hosts under "
            + $"{(string.IsNullOrWhiteSpace(ingressDomains) ? "no domain" : ingressDomains.Trim())}"
            + $"{(wildcardHosts ? ", wildcards allowed" : "")}.";
        return Redirect(QuotaRoutes.PoolUrl(pool));
    }

    [HttpPost(QuotaRoutes.MetricsSource)]
    public async Task<IActionResult> ChangeMetricsSource(string pool, string? prometheusUrl, CancellationToken ct)
    {
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        var changed = await metricsSourceSetting.ChangeAsync(pool, prometheusUrl, ct);
        if (!changed.Succeeded)
        {
            return await DetailRefusedAsync(
                found,
                changed.Problem!,
                field => field ?? "PrometheusUrl",
                ct,
                model => model with { RefusedPrometheusUrl = prometheusUrl ?? "" }
            );
        }
        var now = PoolMetricsSourceSetting.Describe(await metricsSourceSetting.PrometheusUrlAsync(pool, ct) ?? "");
        TempData["Flash"] = $"Pool '{pool}' now reads usage from {now}.";
        return Redirect(QuotaRoutes.PoolUrl(pool));
    }

    /// <summary>
    /// The pool's page again, the refusal next to the setting's field and, by <paramref name="keep"/>, what was typed.
    /// </summary>
    private Task<IActionResult> DetailRefusedAsync(
        PoolSummary pool,
        Domain.Common.Problem problem,
        Func<string?, string> keyOf,
        CancellationToken ct,
        Func<PoolDetailModel, PoolDetailModel>? keep = null
    ) =>
        this.RefusedAsync(
            problem,
            async () =>
            {
                var model = await BuildAsync(pool, new QuotaForm(), ct);
                return View("Detail", keep is null ? model : keep(model));
            },
            keyOf
        );

    private async Task<PoolDetailModel> BuildAsync(PoolSummary pool, QuotaForm form, CancellationToken ct) =>
        new(
            pool,
            await pools.GrantsAsync(pool.Id, ct),
            await tenants.ListForUserAsync(Guid.Empty, isPlatformAdmin: true, ct),
            form,
            await metricsSourceSetting.PrometheusUrlAsync(pool.Name, ct) ?? ""
        );
}

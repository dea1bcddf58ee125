using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Clouds;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Infrastructure.Clouds;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Clouds;

/// <summary>A template as the form holds it; the account and region pick the catalog its selects list.</summary>
public sealed record HostTemplateForm
{
    public string? Name { get; init; }
    public string? Account { get; init; }
    public string? Region { get; init; }
    public string? Zone { get; init; }
    public string? InstanceType { get; init; }
    public string? Image { get; init; }
    public int? SystemDiskGiB { get; init; }
    public string? Network { get; init; }
    public string? Subnet { get; init; }
    public string? SecurityGroup { get; init; }
    public string? KeyPair { get; init; }
    public string? Labels { get; init; }
    public string? Taints { get; init; }

    public HostTemplateSpec ToSpec() =>
        new(
            Name,
            Region,
            Zone,
            InstanceType,
            Image,
            SystemDiskGiB,
            Network,
            Subnet,
            SecurityGroup,
            KeyPair,
            Labels,
            Taints
        );
}

public sealed record GrowForm(string? Template, int? Count);

/// <param name="Catalog">What the chosen account offers in the chosen region, null when none is chosen yet.</param>
/// <param name="CatalogProblem">Why the catalog could not be read.</param>
public sealed record PoolHostsModel(
    PoolSummary Pool,
    int? MaxHosts,
    int Held,
    IReadOnlyList<HostTemplateRow> Templates,
    IReadOnlyList<CloudAccount> Accounts,
    HostTemplateForm Form,
    CloudCatalog? Catalog,
    string? CatalogProblem,
    GrowForm Grow,
    Page<CloudHostRow> Hosts,
    bool IncludeEnded
);

public sealed record CloudHostModel(CloudHostRow Host, CloudHost Record, IReadOnlyList<Operation> Operations);

/// <summary>
/// A pool's hosts from clouds (platform admins): its templates, growing it by N hosts, its maximum, the hosts the
/// portal provisioned into it; and one such host with its operations, to retry, abandon or decommission.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class PoolHostsController(
    PoolCatalog pools,
    HostTemplates templates,
    CloudAccounts accounts,
    PoolGrowth growth,
    PoolHostLimits limits,
    PortalDbContext db
) : Controller
{
    public const int PageSize = 25;

    [HttpGet(CloudRoutes.PoolHosts)]
    public async Task<IActionResult> Index(
        string pool,
        string? account,
        string? region,
        int page = 1,
        bool ended = false,
        CancellationToken ct = default
    )
    {
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        return View(
            await ModelAsync(found, new HostTemplateForm { Account = account, Region = region }, null, page, ended, ct)
        );
    }

    [HttpPost(CloudRoutes.PoolHosts)]
    public async Task<IActionResult> CreateTemplate(
        string pool,
        [Bind(Prefix = "Form")] HostTemplateForm form,
        CancellationToken ct
    )
    {
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        var created = ModelState[$"Form.{nameof(form.SystemDiskGiB)}"]
            is { ValidationState: Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid }
            ? Domain.Common.Problem.Invalid(
                "SystemDiskGiB",
                "Write the system disk's size as a number of GiB, such as 40."
            )
            : (await templates.CreateAsync(pool, form.Account, form.ToSpec(), ct)).Problem;
        if (created is not null)
        {
            ModelState[$"Form.{nameof(form.SystemDiskGiB)}"]?.Errors.Clear();
            return await this.RefusedAsync(
                created,
                async () => View("Index", await ModelAsync(found, form, null, 1, false, ct)),
                "Form"
            );
        }
        TempData["Flash"] = $"Template '{form.Name}' was saved; grow the pool with it.";
        return Redirect(CloudRoutes.PoolHostsUrl(pool));
    }

    [HttpPost(CloudRoutes.PoolTemplateDelete)]
    public async Task<IActionResult> DeleteTemplate(string pool, string template, CancellationToken ct)
    {
        var deleted = await templates.DeleteAsync(pool, template, ct);
        return this.AfterAction(deleted.Problem, $"Template '{template}' was deleted.", CloudRoutes.PoolHostsUrl(pool));
    }

    [HttpPost(CloudRoutes.PoolGrow)]
    public async Task<IActionResult> Grow(string pool, [Bind(Prefix = "Grow")] GrowForm grow, CancellationToken ct)
    {
        if (await pools.SummaryAsync(pool, ct) is not { } found)
            return NotFound();
        var unreadable =
            ModelState["Grow.Count"] is
            { ValidationState: Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid };
        var grown = unreadable
            ? Domain.Common.Problem.Invalid("Count", "Write how many hosts to add as a number, such as 3.")
            : (await growth.GrowAsync(pool, grow.Template, grow.Count, ct)).Problem;
        if (grown is not null)
        {
            ModelState["Grow.Count"]?.Errors.Clear();
            return await this.RefusedAsync(
                grown,
                async () => View("Index", await ModelAsync(found, new HostTemplateForm(), grow, 1, false, ct)),
                "Grow"
            );
        }
        TempData["Flash"] =
            $"Provisioning {grow.Count} host(s) into '{pool}' from '{grow.Template}'; follow each below.";
        return Redirect(CloudRoutes.PoolHostsUrl(pool));
    }

    [HttpPost(CloudRoutes.PoolMaxHosts)]
    public async Task<IActionResult> LimitHosts(string pool, string? maxHosts, CancellationToken ct)
    {
        Result limited =
            string.IsNullOrWhiteSpace(maxHosts) ? await limits.LimitAsync(pool, null, ct)
            : int.TryParse(maxHosts, out var max) ? await limits.LimitAsync(pool, max, ct)
            : Domain.Common.Problem.Invalid("MaxHosts", $"'{maxHosts}' is not a number of hosts.");
        return this.AfterAction(
            limited.Problem,
            string.IsNullOrWhiteSpace(maxHosts)
                ? $"Pool '{pool}' has no maximum of hosts."
                : $"Pool '{pool}' may hold at most {maxHosts} hosts.",
            CloudRoutes.PoolHostsUrl(pool)
        );
    }

    [HttpGet(CloudRoutes.Host)]
    public async Task<IActionResult> Host(string hostId, CancellationToken ct)
    {
        if (!Guid.TryParse(hostId, out var id) || await growth.FindAsync(id, ct) is not { } row)
            return NotFound();
        var record = await db.CloudHosts.FindAsync([id], ct);
        return View(new CloudHostModel(row, record!, await growth.OperationsAsync(record!, ct)));
    }

    [HttpPost(CloudRoutes.HostRetry)]
    public Task<IActionResult> Retry(string hostId, CancellationToken ct) =>
        ActAsync(hostId, growth.RetryAsync, "Provisioning resumes at the step that failed.", ct);

    [HttpPost(CloudRoutes.HostAbandon)]
    public Task<IActionResult> Abandon(string hostId, CancellationToken ct) =>
        ActAsync(hostId, growth.AbandonAsync, "Abandoning: what was made for this host is being removed.", ct);

    [HttpPost(CloudRoutes.HostDecommission)]
    public Task<IActionResult> Decommission(string hostId, CancellationToken ct) =>
        ActAsync(
            hostId,
            growth.DecommissionAsync,
            "Decommissioning: cordon, drain, delete the node, give it back.",
            ct
        );

    private async Task<IActionResult> ActAsync(
        string hostId,
        Func<Guid, CancellationToken, Task<Result>> act,
        string done,
        CancellationToken ct
    )
    {
        if (!Guid.TryParse(hostId, out var id))
            return NotFound();
        var acted = await act(id, ct);
        return this.AfterAction(acted.Problem, done, CloudRoutes.HostUrl(id));
    }

    private async Task<PoolHostsModel> ModelAsync(
        PoolSummary pool,
        HostTemplateForm form,
        GrowForm? grow,
        int page,
        bool ended,
        CancellationToken ct
    )
    {
        var usable = await templates.AccountsForAsync(pool.Id, ct);
        CloudCatalog? catalog = null;
        string? catalogProblem = null;
        if (!string.IsNullOrWhiteSpace(form.Account) && usable.Any(a => a.Name == form.Account))
        {
            var read = await accounts.CatalogAsync(form.Account, form.Region, ct);
            if (read.Succeeded)
                catalog = read.Value;
            else
                catalogProblem = read.Problem!.Message;
        }
        var number = Math.Max(page, 1);
        var (rows, total) = await growth.ListAsync(pool.Name, ended, number, PageSize, ct);
        var record = await pools.FindAsync(pool.Name, ct);
        return new PoolHostsModel(
            pool,
            record?.MaxHosts,
            await growth.HeldAsync(pool.Id, pool.Name, ct),
            await templates.ListAsync(pool.Id, ct),
            usable,
            form,
            catalog,
            catalogProblem,
            grow ?? new GrowForm(null, 1),
            new Page<CloudHostRow>(rows, number, PageSize, total),
            ended
        );
    }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Environments;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Quotas;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Quotas;
using Portal.Web.Tenancy;

namespace Portal.Web.Environments;

public sealed class EnvironmentForm
{
    public string? Name { get; set; }
    public string? Pool { get; set; }
    public ShareForm Share { get; set; } = new();
}

/// <summary>
/// A share change that was refused: the environment and the amounts as typed, to be corrected where they were typed.
/// </summary>
public sealed record RefusedShareChange(string Environment, ShareForm Form);

public sealed record EnvironmentsModel(
    TenantAccess Access,
    IReadOnlyList<EnvironmentUsage> Environments,
    IReadOnlyList<TenantQuotaView> Quotas,
    EnvironmentForm Form,
    RefusedShareChange? RefusedChange = null,
    IReadOnlyList<StaleCluster>? StaleClusters = null
)
{
    /// <summary>The share change form of an environment: the amounts refused last, else its current share.</summary>
    public ShareForm ChangeFormOf(EnvironmentUsage environment) =>
        RefusedChange?.Environment == environment.Name ? RefusedChange.Form : ShareForm.From(environment.Share);
}

public sealed record DeleteEnvironmentModel(TenantAccess Access, EnvironmentDeletion Deletion);

public sealed record OperationsModel(TenantAccess Access, IReadOnlyList<OperationView> Operations);

/// <summary>A tenant's environments and the operations that make them.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class EnvironmentsController(
    EnvironmentDirectory environments,
    PoolCatalog pools,
    ClusterFreshness freshness
) : Controller
{
    /// <summary>
    /// Where the share change form's refusals go in the model state: "Change.CpuRequests", or "Change" for the whole.
    /// </summary>
    public const string ChangePrefix = "Change";

    private static readonly string[] ShareFields =
    [
        nameof(ShareForm.CpuRequests),
        nameof(ShareForm.CpuLimits),
        nameof(ShareForm.MemoryRequests),
        nameof(ShareForm.MemoryLimits),
        nameof(ShareForm.Storage),
        nameof(ShareForm.Pods),
    ];

    [HttpGet(EnvironmentRoutes.List), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index(CancellationToken ct) => View(await BuildAsync(new EnvironmentForm(), ct));

    [HttpPost(EnvironmentRoutes.List), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Create(EnvironmentForm form, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        var share = form.Share.ToAmounts();
        var created = share.Succeeded
            ? await environments.CreateAsync(form.Name, form.Pool, share.Value, ct)
            : Domain.Common.Problem.Invalid([.. Causes(share.Problem!), .. NameAndPoolProblems(form)]);
        if (!created.Succeeded)
        {
            // Every refusal next to its field: the name and pool are the form's own, the amounts are under "Share.".
            // A problem of the share as a whole ("Amounts": a limit below its request) goes under the share's fields.
            return await this.RefusedAsync(
                created.Problem!,
                async () => View("Index", await BuildAsync(form, ct)),
                field =>
                    field switch
                    {
                        null => "",
                        "Name" or "Pool" => field,
                        "Amounts" => "Share.Share",
                        _ => $"Share.{field}",
                    }
            );
        }
        TempData["Flash"] = $"Creating environment '{form.Name}': follow it under Operations.";
        return Redirect(EnvironmentRoutes.OperationsUrl(access.Tenant.Slug));
    }

    /// <summary>
    /// Changes an environment's share; a refusal is shown in that environment's form, each amount's next to it.
    /// </summary>
    [HttpPost(EnvironmentRoutes.Share), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> ChangeShare(
        string environment,
        [Bind(Prefix = "Share")] ShareForm share,
        CancellationToken ct
    )
    {
        var access = HttpContext.TenantAccess();
        var amounts = share.ToAmounts();
        var changed = amounts.Succeeded
            ? await environments.ChangeShareAsync(environment, amounts.Value, ct)
            : amounts.Problem!;
        if (!changed.Succeeded)
        {
            return await this.RefusedAsync(
                changed.Problem!,
                async () =>
                    View(
                        "Index",
                        await BuildAsync(new EnvironmentForm(), ct) with
                        {
                            RefusedChange = new RefusedShareChange(environment, share),
                        }
                    ),
                field => field is not null && ShareFields.Contains(field) ? $"{ChangePrefix}.{field}" : ChangePrefix
            );
        }
        TempData["Flash"] = $"Changing the share of '{environment}': follow it under Operations.";
        return Redirect(EnvironmentRoutes.OperationsUrl(access.Tenant.Slug));
    }

    /// <summary>
    /// Says what runs in the environment before it is deleted, and asks for its name when something does.
    /// </summary>
    [HttpGet(EnvironmentRoutes.Delete), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> ConfirmDelete(string environment, CancellationToken ct)
    {
        var deletion = await environments.PrepareDeletionAsync(environment, ct);
        return deletion.Succeeded
            ? View("Delete", new DeleteEnvironmentModel(HttpContext.TenantAccess(), deletion.Value))
            : NotFound();
    }

    [HttpPost(EnvironmentRoutes.Delete), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Delete(string environment, string? confirmName, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        var deleted = await environments.DeleteAsync(environment, confirmName, ct);
        if (!deleted.Succeeded)
        {
            return await this.RefusedAsync(
                deleted.Problem!,
                async () =>
                    View(
                        "Delete",
                        new DeleteEnvironmentModel(
                            access,
                            (await environments.PrepareDeletionAsync(environment, ct)).Value
                        )
                    ),
                field => field == "ConfirmName" ? "confirmName" : ""
            );
        }
        TempData["Flash"] = $"Deleting '{environment}' and its namespace: follow it under Operations.";
        return Redirect(EnvironmentRoutes.OperationsUrl(access.Tenant.Slug));
    }

    [HttpGet(EnvironmentRoutes.Operations), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Operations(CancellationToken ct) =>
        View(new OperationsModel(HttpContext.TenantAccess(), await environments.OperationsAsync(100, ct)));

    [HttpPost(EnvironmentRoutes.RetryOperation), Authorize(TenantPolicies.Manage)]
    public async Task<IActionResult> Retry(Guid operationId, CancellationToken ct)
    {
        var access = HttpContext.TenantAccess();
        var retried = await environments.RetryAsync(operationId, ct);
        return this.AfterAction(
            retried.Problem,
            "The operation was queued again.",
            EnvironmentRoutes.OperationsUrl(access.Tenant.Slug)
        );
    }

    private static IReadOnlyList<Domain.Common.Problem> Causes(Domain.Common.Problem problem) =>
        problem.Causes.Count > 0 ? problem.Causes : [problem];

    /// <summary>What is wrong with the name and the pool, when the amounts could not even be read.</summary>
    private static IEnumerable<Domain.Common.Problem> NameAndPoolProblems(EnvironmentForm form)
    {
        if (TenantEnvironment.NameProblem(form.Name) is { } name)
            yield return name;
        if (string.IsNullOrWhiteSpace(form.Pool))
            yield return Domain.Common.Problem.Invalid("Pool", "Choose the pool the environment runs in.");
    }

    private async Task<EnvironmentsModel> BuildAsync(EnvironmentForm form, CancellationToken ct) =>
        new(
            HttpContext.TenantAccess(),
            await environments.ListAsync(ct),
            await pools.ForTenantAsync(ct),
            form,
            StaleClusters: await freshness.OfEnvironmentsAsync(ct)
        );
}

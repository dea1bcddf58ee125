using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Pipelines;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Quotas;

/// <summary>The run quota form as posted: texts, so that an empty box is refused rather than taken as 0.</summary>
public sealed class RunQuotaForm
{
    public string? ConcurrentRuns { get; set; }
    public string? BuildMinutesPerDay { get; set; }
}

public sealed record RunQuotaPageModel(string Tenant, RunLimits Limits, RunQuotaForm Form);

/// <summary>A tenant's run quota for pipelines (runs at once, build minutes a day), set by platform admins.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class RunQuotasController(RunQuotaSettings quotas) : Controller
{
    [HttpGet(QuotaRoutes.RunQuota)]
    public async Task<IActionResult> Edit(string tenant, CancellationToken ct)
    {
        var found = await quotas.FindAsync(tenant, ct);
        if (!found.Succeeded)
            return NotFound();
        var form = new RunQuotaForm
        {
            ConcurrentRuns = found.Value.ConcurrentRuns.ToString(System.Globalization.CultureInfo.InvariantCulture),
            BuildMinutesPerDay = found.Value.BuildMinutesPerDay.ToString(
                System.Globalization.CultureInfo.InvariantCulture
            ),
        };
        return View(new RunQuotaPageModel(tenant, found.Value, form));
    }

    [HttpPost(QuotaRoutes.RunQuota)]
    public async Task<IActionResult> Set(string tenant, RunQuotaForm form, CancellationToken ct)
    {
        var found = await quotas.FindAsync(tenant, ct);
        if (!found.Succeeded)
            return NotFound();
        var set = await quotas.SetAsync(tenant, Number(form.ConcurrentRuns), Number(form.BuildMinutesPerDay), ct);
        if (!set.Succeeded)
            return this.Refused(set.Problem!, () => View("Edit", new RunQuotaPageModel(tenant, found.Value, form)));
        return this.AfterAction(
            null,
            $"Tenant {tenant} may have {set.Value.ConcurrentRuns} runs going at once and "
                + $"{set.Value.BuildMinutesPerDay} build minutes a day.",
            QuotaRoutes.RunQuotaUrl(tenant)
        );
    }

    /// <summary>The number typed; an empty box or a word is null, which the quota refuses by name.</summary>
    private static int? Number(string? text) =>
        int.TryParse(text?.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : null;
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Clouds;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Quotas;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Clouds;

/// <summary>
/// An account form as typed: the kind's settings by field name (secrets are never kept here, so never written back).
/// </summary>
public sealed record CloudAccountForm(
    string? Kind,
    string? Name,
    string? DisplayName,
    string? Regions,
    string? Endpoint,
    string? LentToPool,
    bool RemoveOrphans,
    IReadOnlyDictionary<string, string?> Settings
)
{
    public const string FieldPrefix = "Field.";

    public static CloudAccountForm Empty(string? kind) => new(kind, null, null, null, null, null, false, Empty());

    private static Dictionary<string, string?> Empty() => [];

    public CloudKind? ParsedKind => Enum.TryParse<CloudKind>(Kind, true, out var k) ? k : null;

    /// <summary>The form's values of a posted form, every field of the kind taken from "Field.{name}".</summary>
    public static (CloudAccountForm Form, Dictionary<string, string?> All) Read(
        IFormCollection posted,
        CloudProviders providers
    )
    {
        string? Value(string key) => posted.TryGetValue(key, out var v) ? v.ToString() : null;
        var kind = Value("Kind");
        var all = new Dictionary<string, string?>(StringComparer.Ordinal);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Enum.TryParse<CloudKind>(kind, true, out var parsed) && providers.Knows(parsed))
            foreach (var field in providers.For(parsed).Fields)
            {
                var value = Value(FieldPrefix + field.Name);
                all[field.Name] = value;
                if (!field.Secret)
                    settings[field.Name] = value;
            }
        var form = new CloudAccountForm(
            kind,
            Value("Name"),
            Value("DisplayName"),
            Value("Regions"),
            Value("Endpoint"),
            Value("LentToPool"),
            posted.TryGetValue("RemoveOrphans", out var remove) && remove.ToString().Contains("true"),
            settings
        );
        return (form, all);
    }

    public SaveCloudAccount ToSave(IReadOnlyDictionary<string, string?> fields) =>
        new(
            Name,
            DisplayName,
            ParsedKind,
            Regions,
            string.IsNullOrWhiteSpace(Endpoint) ? null : Endpoint,
            fields,
            LentToPool,
            RemoveOrphans
        );
}

/// <summary>The kind's own fields of an account form; <paramref name="SecretsSet"/> names the secrets saved.</summary>
public sealed record CloudAccountFieldsModel(
    IReadOnlyList<CloudField> Fields,
    CloudAccountForm Form,
    IReadOnlyList<string> SecretsSet
);

public sealed record CloudAccountListModel(
    IReadOnlyList<CloudAccountRow> Accounts,
    IReadOnlyList<CloudKind> Kinds,
    IReadOnlyList<CloudField> Fields,
    IReadOnlyList<string> Pools,
    CloudAccountForm Form
);

public sealed record CloudAccountDetailModel(
    CloudAccountDetail Detail,
    IReadOnlyList<string> Pools,
    CloudAccountForm Form,
    string? OrphanReport
);

/// <summary>
/// The platform admin's cloud provider accounts: add (checked with the provider first), change, remove.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class CloudAccountsController(
    CloudAccounts accounts,
    CloudProviders providers,
    OrphanReconciler orphans,
    PoolCatalog pools
) : Controller
{
    [HttpGet(CloudRoutes.Accounts)]
    public async Task<IActionResult> Index(string? kind, CancellationToken ct) =>
        View(await ListAsync(CloudAccountForm.Empty(kind ?? providers.Kinds.FirstOrDefault().ToString()), ct));

    [HttpPost(CloudRoutes.Accounts)]
    public async Task<IActionResult> Add(CancellationToken ct)
    {
        if (!Request.HasFormContentType)
            return BadRequest();
        var (form, fields) = CloudAccountForm.Read(await Request.ReadFormAsync(ct), providers);
        var added = await accounts.AddAsync(form.ToSave(fields), ct);
        if (!added.Succeeded)
            return await this.RefusedAsync(
                added.Problem!,
                async () => View("Index", await ListAsync(form, ct)),
                FieldKey
            );
        TempData["Flash"] =
            $"Account '{added.Value.Name}' was added; the provider answered as {added.Value.CheckedAs}.";
        return Redirect(CloudRoutes.AccountUrl(added.Value.Name));
    }

    [HttpGet(CloudRoutes.Account)]
    public async Task<IActionResult> Detail(string account, CancellationToken ct)
    {
        if (await accounts.DetailAsync(account, ct) is not { } detail)
            return NotFound();
        return View(await DetailModelAsync(detail, FormOf(detail), ct));
    }

    [HttpPost(CloudRoutes.Account)]
    public async Task<IActionResult> Change(string account, CancellationToken ct)
    {
        if (!Request.HasFormContentType)
            return BadRequest();
        if (await accounts.DetailAsync(account, ct) is not { } detail)
            return NotFound();
        var posted = await Request.ReadFormAsync(ct);
        var withKind = new FormCollection(
            posted
                .ToDictionary(p => p.Key, p => p.Value)
                .Append(new("Kind", detail.Account.Kind.ToString()))
                .GroupBy(p => p.Key)
                .ToDictionary(g => g.Key, g => g.Last().Value)
        );
        var (form, fields) = CloudAccountForm.Read(withKind, providers);
        var changed = await accounts.ChangeAsync(account, form.ToSave(fields), ct);
        if (!changed.Succeeded)
            return await this.RefusedAsync(
                changed.Problem!,
                async () => View("Detail", await DetailModelAsync(detail, form, ct)),
                FieldKey
            );
        TempData["Flash"] = $"Account '{account}' was changed and checked with the provider.";
        return Redirect(CloudRoutes.AccountUrl(account));
    }

    [HttpPost(CloudRoutes.AccountCheck)]
    public async Task<IActionResult> Check(string account, CancellationToken ct)
    {
        var checkedAs = await accounts.RecheckAsync(account, ct);
        return this.AfterAction(
            checkedAs.Problem,
            checkedAs.Succeeded ? $"The provider accepted the credentials: {checkedAs.Value}." : "",
            CloudRoutes.AccountUrl(account)
        );
    }

    [HttpPost(CloudRoutes.AccountOrphanScan)]
    public async Task<IActionResult> ScanOrphans(string account, CancellationToken ct)
    {
        if (await accounts.DetailAsync(account, ct) is null)
            return NotFound();
        TempData["Flash"] = "Orphan scan: " + await orphans.ScanAsync(account, ct);
        return Redirect(CloudRoutes.AccountUrl(account));
    }

    [HttpPost(CloudRoutes.AccountDelete)]
    public async Task<IActionResult> Delete(string account, CancellationToken ct)
    {
        var deleted = await accounts.DeleteAsync(account, ct);
        return this.AfterAction(
            deleted.Problem,
            $"Account '{account}' was removed.",
            CloudRoutes.AccountUrl(account),
            CloudRoutes.AccountsUrl()
        );
    }

    private static readonly string[] FormFields =
    [
        "Kind",
        "Name",
        "DisplayName",
        "Regions",
        "Endpoint",
        "LentToPool",
        "RemoveOrphans",
    ];

    /// <summary>The kind's fields are posted as "Field.{name}"; the use case names them bare.</summary>
    private string FieldKey(string? field)
    {
        if (field is null)
            return "";
        var kindFields = providers.Kinds.SelectMany(k => providers.For(k).Fields).Select(f => f.Name);
        if (kindFields.Contains(field, StringComparer.Ordinal))
            return CloudAccountForm.FieldPrefix + field;
        // What concerns no one input (the credentials as a whole) is said above the form.
        return FormFields.Contains(field, StringComparer.Ordinal) ? field : "";
    }

    private async Task<CloudAccountListModel> ListAsync(CloudAccountForm form, CancellationToken ct)
    {
        var kind = form.ParsedKind is { } k && providers.Knows(k) ? k : (CloudKind?)null;
        return new CloudAccountListModel(
            await accounts.ListAsync(ct),
            [.. providers.Kinds],
            kind is { } known ? providers.For(known).Fields : [],
            await PoolNamesAsync(ct),
            form
        );
    }

    private async Task<CloudAccountDetailModel> DetailModelAsync(
        CloudAccountDetail detail,
        CloudAccountForm form,
        CancellationToken ct
    ) => new(detail, await PoolNamesAsync(ct), form, detail.Account.OrphanReport);

    private Task<IReadOnlyList<string>> PoolNamesAsync(CancellationToken ct) => pools.NamesAsync(ct);

    private static CloudAccountForm FormOf(CloudAccountDetail detail) =>
        new(
            detail.Account.Kind.ToString(),
            detail.Account.Name,
            detail.Account.DisplayName,
            detail.Account.Regions,
            detail.Account.Endpoint,
            detail.LentToPool,
            detail.Account.RemoveOrphans,
            detail.Settings.ToDictionary(s => s.Key, s => (string?)s.Value)
        );
}

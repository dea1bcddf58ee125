using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Clouds;
using Portal.Domain.Common;
using Portal.Infrastructure.Clouds;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Clouds;

/// <summary>
/// An account as the API takes it. <paramref name="Fields"/> holds the kind's settings and secrets by name; on a
/// change a secret left out or empty keeps the saved one.
/// </summary>
public sealed record CloudAccountRequest(
    string? Name,
    string? DisplayName,
    string? Kind,
    string? Regions,
    string? Endpoint,
    IReadOnlyDictionary<string, string?>? Fields,
    string? LentToPool,
    bool? RemoveOrphans
) : StrictBody
{
    private const string Known = "name, displayName, kind, regions, endpoint, fields, lentToPool and removeOrphans";

    public Result<SaveCloudAccount> ToSave(CloudKind? kind)
    {
        var problem = Refuse(
            Known,
            Required(
                (Regions, "Regions", "Name the regions, separated by commas."),
                (Fields, "Fields", "Give the fields of the account's kind by name.")
            )
        );
        if (problem is not null)
            return problem;
        return new SaveCloudAccount(
            Name,
            DisplayName,
            kind,
            Regions,
            string.IsNullOrWhiteSpace(Endpoint) ? null : Endpoint,
            Fields!,
            LentToPool,
            RemoveOrphans ?? false
        );
    }
}

/// <summary>An account as the API shows it: its settings, and only the names of the secrets that are set.</summary>
public sealed record CloudAccountResource(
    string Name,
    string DisplayName,
    CloudKind Kind,
    IReadOnlyList<string> Regions,
    string? Endpoint,
    string? LentToPool,
    string? CheckedAs,
    DateTime? CheckedAt,
    int Hosts,
    IReadOnlyDictionary<string, string>? Settings = null,
    IReadOnlyList<string>? SecretsSet = null,
    bool? RemoveOrphans = null,
    string? OrphanReport = null
)
{
    public static CloudAccountResource From(CloudAccountRow row) =>
        new(
            row.Name,
            row.DisplayName,
            row.Kind,
            row.Regions.Split(',', StringSplitOptions.RemoveEmptyEntries),
            row.Endpoint,
            row.LentToPool,
            row.CheckedAs,
            row.CheckedAt,
            row.Hosts
        );

    public static CloudAccountResource From(CloudAccountDetail detail) =>
        new(
            detail.Account.Name,
            detail.Account.DisplayName,
            detail.Account.Kind,
            detail.Account.RegionList,
            detail.Account.Endpoint,
            detail.LentToPool,
            detail.Account.CheckedAs,
            detail.Account.CheckedAt,
            detail.Hosts,
            detail.Settings,
            detail.SecretsSet,
            detail.Account.RemoveOrphans,
            detail.Account.OrphanReport
        );
}

public sealed record HostTemplateRequest(
    string? Name,
    string? Account,
    string? Region,
    string? Zone,
    string? InstanceType,
    string? Image,
    int? SystemDiskGiB,
    string? Network,
    string? Subnet,
    string? SecurityGroup,
    string? KeyPair,
    string? Labels,
    string? Taints
) : StrictBody
{
    private const string Known =
        "name, account, region, zone, instanceType, image, systemDiskGiB, network, subnet, securityGroup, keyPair, "
        + "labels and taints";

    public Problem? Refused() =>
        Refuse(Known, Required((SystemDiskGiB, "SystemDiskGiB", "Give the system disk's size in GiB.")));

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

/// <summary>How many hosts to add from which template; a count left out is refused, never taken for 0.</summary>
public sealed record GrowPoolRequest(string? Template, int? Count) : StrictBody
{
    public Problem? Refused() => Refuse("template and count");
}

public sealed record CloudHostsPage(IReadOnlyList<CloudHostRow> Items, int Page, int PageSize, int Total);

public sealed record HostOperationResource(
    Guid Id,
    string Kind,
    string State,
    string RequestedBy,
    DateTime CreatedAt,
    DateTime? FinishedAt,
    string? Error,
    IReadOnlyList<Domain.Operations.OperationStep> Steps
);

public sealed record CloudHostResource(
    CloudHostRow Host,
    string Image,
    int SystemDiskGiB,
    string? PublicAddress,
    DateTime? InstanceCreatedAt,
    DateTime? EndedAt,
    string? DecommissionedBy,
    IReadOnlyList<HostOperationResource> Operations
);

/// <summary>Cloud accounts, host templates and pools grown from them: the platform admin's API.</summary>
[Authorize(TenantPolicies.PlatformAdmin)]
public sealed class CloudsApiController(
    CloudAccounts accounts,
    OrphanReconciler orphans,
    HostTemplates templates,
    PoolGrowth growth,
    PoolCatalog pools,
    PortalDbContext db
) : ApiControllerBase
{
    public const int PageSize = 50;

    [HttpGet("api/v1/admin/clouds")]
    public async Task<IReadOnlyList<CloudAccountResource>> List(CancellationToken ct) =>
        [.. (await accounts.ListAsync(ct)).Select(CloudAccountResource.From)];

    [HttpPost("api/v1/admin/clouds")]
    public async Task<IActionResult> Add(CloudAccountRequest request, CancellationToken ct)
    {
        var save = request.ToSave(Enum.TryParse<CloudKind>(request.Kind, true, out var kind) ? kind : null);
        if (!save.Succeeded)
            return this.ToActionResult(save.Problem!);
        var added = await accounts.AddAsync(save.Value, ct);
        if (!added.Succeeded)
            return this.ToActionResult(added.Problem!);
        var detail = await accounts.DetailAsync(added.Value.Name, ct);
        return CreatedAt(nameof(Get), new { account = added.Value.Name }, CloudAccountResource.From(detail!));
    }

    [HttpGet("api/v1/admin/clouds/{account}")]
    public async Task<IActionResult> Get(string account, CancellationToken ct) =>
        await accounts.DetailAsync(account, ct) is { } detail ? Ok(CloudAccountResource.From(detail)) : NotFound();

    [HttpPut("api/v1/admin/clouds/{account}")]
    public async Task<IActionResult> Change(string account, CloudAccountRequest request, CancellationToken ct)
    {
        if (await accounts.DetailAsync(account, ct) is not { } before)
            return NotFound();
        var save = request.ToSave(before.Account.Kind);
        if (!save.Succeeded)
            return this.ToActionResult(save.Problem!);
        var changed = await accounts.ChangeAsync(account, save.Value, ct);
        return changed.Succeeded
            ? Ok(CloudAccountResource.From((await accounts.DetailAsync(account, ct))!))
            : this.ToActionResult(changed.Problem!);
    }

    [HttpDelete("api/v1/admin/clouds/{account}")]
    public async Task<IActionResult> Delete(string account, CancellationToken ct)
    {
        var deleted = await accounts.DeleteAsync(account, ct);
        return deleted.Succeeded ? NoContent() : this.ToActionResult(deleted.Problem!);
    }

    [HttpPost("api/v1/admin/clouds/{account}/check")]
    public async Task<IActionResult> Check(string account, CancellationToken ct)
    {
        var checkedAs = await accounts.RecheckAsync(account, ct);
        return checkedAs.Succeeded ? Ok(new { checkedAs = checkedAs.Value }) : this.ToActionResult(checkedAs.Problem!);
    }

    [HttpGet("api/v1/admin/clouds/{account}/catalog")]
    public async Task<IActionResult> Catalog(string account, string? region, CancellationToken ct)
    {
        var catalog = await accounts.CatalogAsync(account, region, ct);
        return catalog.Succeeded ? Ok(catalog.Value) : this.ToActionResult(catalog.Problem!);
    }

    [HttpPost("api/v1/admin/clouds/{account}/orphan-scans")]
    public async Task<IActionResult> ScanOrphans(string account, CancellationToken ct)
    {
        if (await accounts.DetailAsync(account, ct) is null)
            return NotFound();
        return Ok(new { report = await orphans.ScanAsync(account, ct) });
    }

    [HttpGet("api/v1/admin/pools/{pool}/templates")]
    public async Task<IActionResult> Templates(string pool, CancellationToken ct) =>
        await pools.SummaryAsync(pool, ct) is { } found ? Ok(await templates.ListAsync(found.Id, ct)) : NotFound();

    [HttpPost("api/v1/admin/pools/{pool}/templates")]
    public async Task<IActionResult> CreateTemplate(string pool, HostTemplateRequest request, CancellationToken ct)
    {
        if (request.Refused() is { } refused)
            return this.ToActionResult(refused);
        var created = await templates.CreateAsync(pool, request.Account, request.ToSpec(), ct);
        if (!created.Succeeded)
            return this.ToActionResult(created.Problem!);
        var found = await pools.SummaryAsync(pool, ct);
        var row = (await templates.ListAsync(found!.Id, ct)).First(t => t.Name == created.Value.Name);
        return Created($"/api/v1/admin/pools/{Uri.EscapeDataString(pool)}/templates", row);
    }

    [HttpDelete("api/v1/admin/pools/{pool}/templates/{template}")]
    public async Task<IActionResult> DeleteTemplate(string pool, string template, CancellationToken ct)
    {
        var deleted = await templates.DeleteAsync(pool, template, ct);
        return deleted.Succeeded ? NoContent() : this.ToActionResult(deleted.Problem!);
    }

    [HttpPost("api/v1/admin/pools/{pool}/hosts")]
    public async Task<IActionResult> Grow(string pool, GrowPoolRequest request, CancellationToken ct)
    {
        if (request.Refused() is { } refused)
            return this.ToActionResult(refused);
        var grown = await growth.GrowAsync(pool, request.Template, request.Count, ct);
        if (!grown.Succeeded)
            return this.ToActionResult(grown.Problem!);
        var hosts = new List<CloudHostRow>();
        foreach (var host in grown.Value)
            hosts.Add((await growth.FindAsync(host.Id, ct))!);
        return Accepted($"/api/v1/admin/pools/{Uri.EscapeDataString(pool)}/hosts", hosts);
    }

    [HttpGet("api/v1/admin/pools/{pool}/hosts")]
    public async Task<IActionResult> Hosts(
        string pool,
        int page = 1,
        bool ended = false,
        CancellationToken ct = default
    )
    {
        if (await pools.SummaryAsync(pool, ct) is null)
            return NotFound();
        var number = Math.Max(page, 1);
        var (rows, total) = await growth.ListAsync(pool, ended, number, PageSize, ct);
        return Ok(new CloudHostsPage(rows, number, PageSize, total));
    }

    [HttpGet("api/v1/admin/cloud-hosts/{hostId}")]
    public async Task<IActionResult> Host(string hostId, CancellationToken ct)
    {
        if (!Guid.TryParse(hostId, out var id) || await growth.FindAsync(id, ct) is not { } row)
            return NotFound();
        var record = (await db.CloudHosts.FindAsync([id], ct))!;
        var operations = await growth.OperationsAsync(record, ct);
        return Ok(
            new CloudHostResource(
                row,
                record.Image,
                record.SystemDiskGiB,
                record.PublicAddress,
                record.InstanceCreatedAt,
                record.EndedAt,
                record.DecommissionedBy,
                [
                    .. operations.Select(o => new HostOperationResource(
                        o.Id,
                        o.Kind,
                        o.State.ToString(),
                        o.RequestedBy,
                        o.CreatedAt,
                        o.FinishedAt,
                        o.Error,
                        o.Steps
                    )),
                ]
            )
        );
    }

    [HttpPost("api/v1/admin/cloud-hosts/{hostId}/retry")]
    public Task<IActionResult> Retry(string hostId, CancellationToken ct) => ActAsync(hostId, growth.RetryAsync, ct);

    [HttpPost("api/v1/admin/cloud-hosts/{hostId}/abandon")]
    public Task<IActionResult> Abandon(string hostId, CancellationToken ct) =>
        ActAsync(hostId, growth.AbandonAsync, ct);

    [HttpPost("api/v1/admin/cloud-hosts/{hostId}/decommission")]
    public Task<IActionResult> Decommission(string hostId, CancellationToken ct) =>
        ActAsync(hostId, growth.DecommissionAsync, ct);

    private async Task<IActionResult> ActAsync(
        string hostId,
        Func<Guid, CancellationToken, Task<Result>> act,
        CancellationToken ct
    )
    {
        if (!Guid.TryParse(hostId, out var id))
            return NotFound();
        var acted = await act(id, ct);
        return acted.Succeeded
            ? Accepted($"/api/v1/admin/cloud-hosts/{id}", await growth.FindAsync(id, ct))
            : this.ToActionResult(acted.Problem!);
    }
}

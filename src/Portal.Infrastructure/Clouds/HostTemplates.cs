using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Domain.Common;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clouds;

public sealed record HostTemplateRow(
    string Name,
    string Account,
    CloudKind Kind,
    string Region,
    string Zone,
    string InstanceType,
    int Cpus,
    int MemoryMiB,
    string Image,
    string ImageName,
    int SystemDiskGiB,
    string Network,
    string Subnet,
    string SecurityGroup,
    string KeyPair,
    string Labels,
    string Taints,
    DateTime CreatedAt,
    string CreatedBy
);

/// <summary>
/// A pool's host templates: saved only when what they name is what the provider lists in the region (zone, instance
/// type, image, network, subnet, security group, key pair — each where the provider lists such things).
/// </summary>
public sealed class HostTemplates(
    PortalDbContext db,
    CloudProviders providers,
    ICurrentActor currentActor,
    AuditTrail audit,
    TimeProvider clock
)
{
    public Task<List<HostTemplateRow>> ListAsync(Guid poolId, CancellationToken ct) =>
        db
            .HostTemplates.AsNoTracking()
            .Where(t => t.PoolId == poolId)
            .OrderBy(t => t.Name)
            .Join(
                db.CloudAccounts,
                t => t.AccountId,
                a => a.Id,
                (t, a) =>
                    new HostTemplateRow(
                        t.Name,
                        a.Name,
                        a.Kind,
                        t.Region,
                        t.Zone,
                        t.InstanceType,
                        t.Cpus,
                        t.MemoryMiB,
                        t.Image,
                        t.ImageName,
                        t.SystemDiskGiB,
                        t.Network,
                        t.Subnet,
                        t.SecurityGroup,
                        t.KeyPair,
                        t.Labels,
                        t.Taints,
                        t.CreatedAt,
                        t.CreatedBy
                    )
            )
            .ToListAsync(ct);

    /// <summary>The accounts a pool's templates may use: lent to it, or to none.</summary>
    public Task<List<CloudAccount>> AccountsForAsync(Guid poolId, CancellationToken ct) =>
        db
            .CloudAccounts.AsNoTracking()
            .Where(a => a.LentToPoolId == null || a.LentToPoolId == poolId)
            .OrderBy(a => a.Name)
            .ToListAsync(ct);

    public async Task<Result<HostTemplate>> CreateAsync(
        string poolName,
        string? accountName,
        HostTemplateSpec spec,
        CancellationToken ct
    )
    {
        var pool = await db.ResourcePools.AsNoTracking().FirstOrDefaultAsync(p => p.Name == poolName, ct);
        if (pool is null)
            return Problem.NotFound($"Pool '{poolName}'");
        var account = await db.CloudAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Name == accountName, ct);
        if (account is null)
            return Problem.Invalid("Account", $"Choose a cloud account; there is none named '{accountName}'.");
        var formed = HostTemplate.Create(
            pool.Id,
            account,
            spec,
            new CloudInstanceSize(0, 0),
            "",
            clock.GetUtcNow().UtcDateTime,
            ""
        );
        if (!formed.Succeeded)
            return formed.Problem!;

        CloudCatalog catalog;
        try
        {
            catalog = await providers.CatalogAsync(account, formed.Value.Region, ct);
        }
        catch (CloudRefusal refusal)
        {
            return CloudAccounts.Refused(refusal, "Account");
        }
        var offered = Offered(catalog, formed.Value);
        if (offered.Problems.Count > 0)
            return Problem.Invalid(offered.Problems);

        var template = HostTemplate
            .Create(
                pool.Id,
                account,
                spec,
                offered.Size,
                offered.ImageName,
                clock.GetUtcNow().UtcDateTime,
                currentActor.Actor.Name
            )
            .Value;
        if (await db.HostTemplates.AnyAsync(t => t.PoolId == pool.Id && t.Name == template.Name, ct))
            return Problem.Conflict($"Pool '{poolName}' has a template named '{template.Name}' already.", "Name");
        db.HostTemplates.Add(template);
        audit.Record(
            currentActor.Actor,
            null,
            CloudAuditActions.TemplateCreated,
            "host-template",
            $"{poolName}/{template.Name}",
            $"{account.Name}: {template.InstanceType} ({offered.Size}), {template.ImageName}, {template.Region}"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"Pool '{poolName}' has a template named '{template.Name}' already.", "Name");
        return template;
    }

    public async Task<Result> DeleteAsync(string poolName, string name, CancellationToken ct)
    {
        var template = await db
            .HostTemplates.Where(t => t.Name == name)
            .Join(db.ResourcePools.Where(p => p.Name == poolName), t => t.PoolId, p => p.Id, (t, _) => t)
            .FirstOrDefaultAsync(ct);
        if (template is null)
            return Problem.NotFound($"Template '{name}' of pool '{poolName}'");
        db.HostTemplates.Remove(template);
        audit.Record(
            currentActor.Actor,
            null,
            CloudAuditActions.TemplateDeleted,
            "host-template",
            $"{poolName}/{name}"
        );
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    private sealed record Offer(CloudInstanceSize Size, string ImageName, List<Problem> Problems);

    private static Offer Offered(CloudCatalog catalog, HostTemplate asked)
    {
        var problems = new List<Problem>();
        void Check(IReadOnlyList<string> listed, string value, string field, string what)
        {
            if (listed.Count > 0 && value.Length > 0 && !listed.Contains(value, StringComparer.Ordinal))
                problems.Add(
                    Problem.Invalid(
                        field,
                        $"The provider offers no {what} '{value}' in {asked.Region}; it lists {Few(listed)}."
                    )
                );
        }
        Check(catalog.Zones, asked.Zone, "Zone", "zone");
        Check(catalog.Networks, asked.Network, "Network", "network");
        Check(catalog.Subnets, asked.Subnet, "Subnet", "subnet");
        Check(catalog.SecurityGroups, asked.SecurityGroup, "SecurityGroup", "security group");
        Check(catalog.KeyPairs, asked.KeyPair, "KeyPair", "key pair");
        var type = catalog.InstanceTypes.FirstOrDefault(t => t.Name == asked.InstanceType);
        if (type is null)
            problems.Add(
                Problem.Invalid(
                    "InstanceType",
                    $"The provider offers no instance type '{asked.InstanceType}' in {asked.Region}; it lists "
                        + $"{Few(catalog.InstanceTypes.Select(t => t.Name).ToList())}."
                )
            );
        var image = catalog.Images.FirstOrDefault(i => i.Id == asked.Image || i.Name == asked.Image);
        if (image is null && catalog.Images.Count > 0)
            problems.Add(
                Problem.Invalid(
                    "Image",
                    $"The provider has no image '{asked.Image}' in {asked.Region}; it lists "
                        + $"{Few(catalog.Images.Select(i => i.Id).ToList())}."
                )
            );
        return new Offer(
            new CloudInstanceSize(type?.Cpus ?? 0, type?.MemoryMiB ?? 0),
            image?.Name ?? asked.Image,
            problems
        );
    }

    private static string Few(IReadOnlyList<string> values) =>
        values.Count == 0 ? "none"
        : values.Count <= 8 ? string.Join(", ", values)
        : string.Join(", ", values.Take(8)) + $" and {values.Count - 8} more";
}

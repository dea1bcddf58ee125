using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Domain.Common;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clouds;

/// <summary>
/// An account as a platform admin saves it. <paramref name="Fields"/> holds the settings and secrets of its kind by
/// name; on a change, a secret left empty keeps the one saved.
/// </summary>
public sealed record SaveCloudAccount(
    string? Name,
    string? DisplayName,
    CloudKind? Kind,
    string? Regions,
    string? Endpoint,
    IReadOnlyDictionary<string, string?> Fields,
    string? LentToPool = null,
    bool RemoveOrphans = false
);

public sealed record CloudAccountRow(
    string Name,
    string DisplayName,
    CloudKind Kind,
    string Regions,
    string? Endpoint,
    string? LentToPool,
    string? CheckedAs,
    DateTime? CheckedAt,
    int Hosts,
    DateTime CreatedAt
);

/// <summary>An account as its page shows it: settings shown, secrets only named as set.</summary>
public sealed record CloudAccountDetail(
    CloudAccount Account,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<CloudField> Fields,
    IReadOnlyList<string> SecretsSet,
    string? LentToPool,
    int Hosts,
    int Templates
);

/// <summary>
/// The platform admin's use cases on cloud accounts: add (checked first), change, lend, remove, list.
/// </summary>
public sealed class CloudAccounts(
    PortalDbContext db,
    CloudProviders providers,
    CloudSecrets secrets,
    ICurrentActor currentActor,
    AuditTrail audit,
    TimeProvider clock
)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task<List<CloudAccountRow>> ListAsync(CancellationToken ct) =>
        db
            .CloudAccounts.AsNoTracking()
            .OrderBy(a => a.Name)
            .Select(a => new CloudAccountRow(
                a.Name,
                a.DisplayName,
                a.Kind,
                a.Regions,
                a.Endpoint,
                db.ResourcePools.Where(p => p.Id == a.LentToPoolId).Select(p => p.Name).FirstOrDefault(),
                a.CheckedAs,
                a.CheckedAt,
                db.CloudHosts.Count(h =>
                    h.AccountId == a.Id
                    && h.State != CloudHostState.Decommissioned
                    && h.State != CloudHostState.Abandoned
                ),
                a.CreatedAt
            ))
            .ToListAsync(ct);

    public Task<CloudAccount?> FindAsync(string name, CancellationToken ct) =>
        db.CloudAccounts.FirstOrDefaultAsync(a => a.Name == name, ct);

    public async Task<CloudAccountDetail?> DetailAsync(string name, CancellationToken ct)
    {
        var account = await db.CloudAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Name == name, ct);
        if (account is null)
            return null;
        var lentTo = account.LentToPoolId is { } poolId
            ? await db.ResourcePools.Where(p => p.Id == poolId).Select(p => p.Name).FirstOrDefaultAsync(ct)
            : null;
        var hosts = await db.CloudHosts.CountAsync(
            h =>
                h.AccountId == account.Id
                && h.State != CloudHostState.Decommissioned
                && h.State != CloudHostState.Abandoned,
            ct
        );
        var templates = await db.HostTemplates.CountAsync(t => t.AccountId == account.Id, ct);
        return new CloudAccountDetail(
            account,
            JsonSerializer.Deserialize<Dictionary<string, string>>(account.Settings) ?? [],
            providers.Knows(account.Kind) ? providers.For(account.Kind).Fields : [],
            account.SecretsSet.Split(',', StringSplitOptions.RemoveEmptyEntries),
            lentTo,
            hosts,
            templates
        );
    }

    /// <summary>
    /// Adds an account once the provider accepted its credentials in every region it names; nothing is saved when
    /// it refused them.
    /// </summary>
    public async Task<Result<CloudAccount>> AddAsync(SaveCloudAccount request, CancellationToken ct)
    {
        if (request.Kind is not { } kind || !providers.Knows(kind))
            return Problem.Invalid(
                "Kind",
                "Choose the kind of account: " + string.Join(", ", providers.Kinds.Select(k => k.ToString())) + "."
            );
        var actor = currentActor.Actor;
        var created = CloudAccount.Create(
            request.Name,
            request.DisplayName,
            kind,
            request.Regions,
            request.Endpoint,
            Now,
            actor.Name
        );
        var fields = ReadFields(kind, request.Fields, kept: null);
        if (!created.Succeeded || !fields.Succeeded)
            return Problem.Invalid([.. Causes(created.Problem), .. Causes(fields.Problem)]);
        var account = created.Value;
        if (await db.CloudAccounts.AnyAsync(a => a.Name == account.Name, ct))
            return Problem.Conflict($"An account named '{account.Name}' exists already.", "Name");
        var lent = await LendAsync(account, request.LentToPool, ct);
        if (!lent.Succeeded)
            return lent.Problem!;
        account.HandleOrphans(request.RemoveOrphans);
        Keep(account, fields.Value);
        var checkedAs = await CheckAsync(account, ct);
        if (!checkedAs.Succeeded)
            return checkedAs.Problem!;
        account.Checked(checkedAs.Value, Now);
        db.CloudAccounts.Add(account);
        audit.Record(
            actor,
            null,
            CloudAuditActions.AccountCreated,
            "cloud-account",
            account.Name,
            $"{kind}, {account.Regions}"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"An account named '{account.Name}' exists already.", "Name");
        return account;
    }

    /// <summary>
    /// Changes an account's regions, endpoint, settings or secrets (an empty secret keeps the saved one), checked
    /// again with the provider before anything is saved.
    /// </summary>
    public async Task<Result> ChangeAsync(string name, SaveCloudAccount request, CancellationToken ct)
    {
        var account = await FindAsync(name, ct);
        if (account is null)
            return Problem.NotFound($"Cloud account '{name}'");
        var changed = account.Change(request.DisplayName, request.Regions, request.Endpoint);
        var fields = ReadFields(account.Kind, request.Fields, secrets.Open(account.SealedSecrets));
        if (!changed.Succeeded || !fields.Succeeded)
        {
            db.ChangeTracker.Clear();
            return Problem.Invalid([.. Causes(changed.Problem), .. Causes(fields.Problem)]);
        }
        var lent = await LendAsync(account, request.LentToPool, ct);
        if (!lent.Succeeded)
        {
            db.ChangeTracker.Clear();
            return lent.Problem!;
        }
        account.HandleOrphans(request.RemoveOrphans);
        var secretsChanged = fields.Value.Secrets.Any(s =>
            request.Fields.TryGetValue(s.Key, out var v) && !string.IsNullOrEmpty(v)
        );
        Keep(account, fields.Value);
        var checkedAs = await CheckAsync(account, ct);
        if (!checkedAs.Succeeded)
        {
            db.ChangeTracker.Clear();
            return checkedAs.Problem!;
        }
        account.Checked(checkedAs.Value, Now);
        var actor = currentActor.Actor;
        audit.Record(actor, null, CloudAuditActions.AccountChanged, "cloud-account", account.Name, account.Regions);
        if (secretsChanged)
            audit.Record(actor, null, CloudAuditActions.AccountCredentialsReplaced, "cloud-account", account.Name);
        await db.SaveChangesAsync(ct);
        providers.Forget(account.Id);
        return Result.Ok();
    }

    /// <summary>Checks the saved credentials again and notes what the provider said.</summary>
    public async Task<Result<string>> RecheckAsync(string name, CancellationToken ct)
    {
        var account = await FindAsync(name, ct);
        if (account is null)
            return Problem.NotFound($"Cloud account '{name}'");
        var checkedAs = await CheckAsync(account, ct);
        if (!checkedAs.Succeeded)
            return checkedAs.Problem!;
        account.Checked(checkedAs.Value, Now);
        await db.SaveChangesAsync(ct);
        return checkedAs.Value;
    }

    /// <summary>Removes an account that no template uses and no host came from (or all its hosts are gone).</summary>
    public async Task<Result> DeleteAsync(string name, CancellationToken ct)
    {
        var account = await FindAsync(name, ct);
        if (account is null)
            return Problem.NotFound($"Cloud account '{name}'");
        var templates = await db
            .HostTemplates.Where(t => t.AccountId == account.Id)
            .Select(t => t.Name)
            .ToListAsync(ct);
        if (templates.Count > 0)
            return Problem.Conflict(
                $"Account '{name}' is used by the template(s) {string.Join(", ", templates)}; delete them first."
            );
        if (await db.CloudHosts.AnyAsync(h => h.AccountId == account.Id, ct))
            return Problem.Conflict(
                $"Hosts were provisioned from account '{name}'; it is kept so that their records stay whole."
            );
        db.CloudAccounts.Remove(account);
        audit.Record(currentActor.Actor, null, CloudAuditActions.AccountDeleted, "cloud-account", name);
        await db.SaveChangesAsync(ct);
        providers.Forget(account.Id);
        return Result.Ok();
    }

    /// <summary>What the provider offers in one of the account's regions.</summary>
    public async Task<Result<CloudCatalog>> CatalogAsync(string name, string? region, CancellationToken ct)
    {
        var account = await db.CloudAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Name == name, ct);
        if (account is null)
            return Problem.NotFound($"Cloud account '{name}'");
        var chosen = string.IsNullOrWhiteSpace(region) ? account.RegionList[0] : region.Trim();
        if (!account.Serves(chosen))
            return Problem.Invalid("Region", $"Account '{name}' serves {string.Join(", ", account.RegionList)}.");
        try
        {
            return await providers.CatalogAsync(account, chosen, ct);
        }
        catch (CloudRefusal refusal)
        {
            return Refused(refusal, "Account");
        }
    }

    internal static Problem Refused(CloudRefusal refusal, string field) =>
        refusal.Kind switch
        {
            CloudRefusalKind.Credentials or CloudRefusalKind.Invalid => Problem.Invalid(
                field,
                CloudProviders.Explain(refusal)
            ),
            CloudRefusalKind.Quota => Problem.Conflict(CloudProviders.Explain(refusal), field),
            _ => Problem.Unavailable(CloudProviders.Explain(refusal)),
        };

    private async Task<Result<string>> CheckAsync(CloudAccount account, CancellationToken ct)
    {
        var said = new List<string>();
        foreach (var region in account.RegionList)
        {
            try
            {
                said.Add(await providers.For(account.Kind).CheckAsync(providers.AccessFor(account, region), ct));
            }
            catch (CloudRefusal refusal)
            {
                var problem = Refused(refusal, refusal.Kind == CloudRefusalKind.Invalid ? "Regions" : "Credentials");
                return problem with { Message = $"Region '{region}': {problem.Message}" };
            }
            catch (HttpRequestException e)
            {
                return Problem.Invalid("Endpoint", $"The provider could not be reached in '{region}': {e.Message}");
            }
        }
        return string.Join("; ", said.Distinct(StringComparer.Ordinal));
    }

    private async Task<Result> LendAsync(CloudAccount account, string? poolName, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(poolName))
        {
            if (account.LentToPoolId is not null)
                audit.Record(
                    currentActor.Actor,
                    null,
                    CloudAuditActions.AccountLent,
                    "cloud-account",
                    account.Name,
                    "to no pool"
                );
            account.LendTo(null);
            return Result.Ok();
        }
        var poolId = await db
            .ResourcePools.Where(p => p.Name == poolName.Trim())
            .Select(p => (Guid?)p.Id)
            .FirstOrDefaultAsync(ct);
        if (poolId is null)
            return Problem.Invalid("LentToPool", $"There is no pool named '{poolName.Trim()}'.");
        if (account.LentToPoolId != poolId)
            audit.Record(
                currentActor.Actor,
                null,
                CloudAuditActions.AccountLent,
                "cloud-account",
                account.Name,
                $"to pool {poolName.Trim()}"
            );
        account.LendTo(poolId);
        return Result.Ok();
    }

    private sealed record FieldValues(Dictionary<string, string> Settings, Dictionary<string, string> Secrets);

    /// <summary>
    /// The fields of the kind from what was sent: required ones present (a required secret may be kept from
    /// <paramref name="kept"/>), every value at most 64 KiB, names not of the kind ignored.
    /// </summary>
    private Result<FieldValues> ReadFields(
        CloudKind kind,
        IReadOnlyDictionary<string, string?> sent,
        IReadOnlyDictionary<string, string>? kept
    )
    {
        var problems = new List<Problem>();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var secretValues = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in providers.For(kind).Fields)
        {
            var value = sent.TryGetValue(field.Name, out var v) ? v?.Trim() ?? "" : "";
            if (value.Length > 65_536)
            {
                problems.Add(Problem.Invalid(field.Name, $"{field.Label} has at most 64 KiB."));
                continue;
            }
            if (field.Secret)
            {
                if (value.Length == 0 && kept is not null && kept.TryGetValue(field.Name, out var old))
                    value = old;
                if (value.Length > 0)
                    secretValues[field.Name] = value;
            }
            else if (value.Length > 0)
                settings[field.Name] = value;
            if (field.Required && value.Length == 0)
                problems.Add(Problem.Invalid(field.Name, $"{field.Label} is required for {kind} accounts."));
        }
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new FieldValues(settings, secretValues);
    }

    private void Keep(CloudAccount account, FieldValues fields) =>
        account.Keep(JsonSerializer.Serialize(fields.Settings), secrets.Seal(fields.Secrets), fields.Secrets.Keys);

    private static IEnumerable<Problem> Causes(Problem? problem) =>
        problem is null ? []
        : problem.Causes.Count > 0 ? problem.Causes
        : [problem];
}

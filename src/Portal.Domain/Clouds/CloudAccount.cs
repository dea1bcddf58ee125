using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Clouds;

/// <summary>
/// A platform admin's account with a cloud (or a list of bare-metal machines): where to call and with what. Its secrets
/// are kept sealed, opened only to call the provider, and never shown back; its settings are shown. An account may be
/// lent to one pool, whose templates alone may then use it; an account lent to none serves every pool.
/// </summary>
public sealed class CloudAccount
{
    public const int RegionMaxLength = 64;
    public const int MaxRegions = 20;
    public const int EndpointMaxLength = 500;

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public CloudKind Kind { get; private set; }

    /// <summary>The regions the account serves, comma-separated, in the admin's order.</summary>
    public string Regions { get; private set; } = "";

    /// <summary>
    /// The provider's endpoint, replacing its public one (a private cloud, a proxy, the sandbox cloud).
    /// </summary>
    public string? Endpoint { get; private set; }

    /// <summary>The non-secret fields of its kind, as JSON.</summary>
    public string Settings { get; private set; } = "{}";

    /// <summary>The secret fields of its kind, as JSON sealed by the portal's data protection.</summary>
    public string SealedSecrets { get; private set; } = "";

    /// <summary>The names of the secret fields that are set, comma-separated: what the page may say of them.</summary>
    public string SecretsSet { get; private set; } = "";

    public Guid? LentToPoolId { get; private set; }

    /// <summary>Whether the orphan reconciler terminates the portal-tagged instances it finds no host for.</summary>
    public bool RemoveOrphans { get; private set; }

    /// <summary>
    /// What the provider said of the account when its credentials were last checked (its id, its project).
    /// </summary>
    public string? CheckedAs { get; private set; }
    public DateTime? CheckedAt { get; private set; }

    /// <summary>What the last orphan scan found, in words; null before the first.</summary>
    public string? OrphanReport { get; private set; }
    public DateTime? OrphansScannedAt { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";

    private CloudAccount() { }

    public static Result<CloudAccount> Create(
        string? name,
        string? displayName,
        CloudKind kind,
        string? regions,
        string? endpoint,
        DateTime now,
        string createdBy
    )
    {
        var problems = new List<Problem>();
        var validName = TenantSlug.Create(name, "Name");
        if (!validName.Succeeded)
            problems.Add(
                Problem.Invalid(
                    "Name",
                    validName.Problem!.Message.Replace("slug", "account name", StringComparison.Ordinal)
                )
            );
        var validDisplay = Tenancy.DisplayName.Create(string.IsNullOrWhiteSpace(displayName) ? name : displayName);
        if (!validDisplay.Succeeded)
            problems.Add(validDisplay.Problem!);
        if (!Enum.IsDefined(kind))
            problems.Add(
                Problem.Invalid("Kind", "Choose a kind: AWS, Alibaba, Huawei, OpenStack, vSphere or bare metal.")
            );
        var validRegions = ParseRegions(regions);
        if (!validRegions.Succeeded)
            problems.Add(validRegions.Problem!);
        var validEndpoint = ParseEndpoint(endpoint);
        if (!validEndpoint.Succeeded)
            problems.Add(validEndpoint.Problem!);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new CloudAccount
        {
            Id = Guid.NewGuid(),
            Name = validName.Value.Value,
            DisplayName = validDisplay.Value,
            Kind = kind,
            Regions = string.Join(",", validRegions.Value),
            Endpoint = validEndpoint.Value,
            CreatedAt = now,
            CreatedBy = createdBy,
        };
    }

    public IReadOnlyList<string> RegionList => Regions.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public bool Serves(string region) => RegionList.Contains(region, StringComparer.Ordinal);

    /// <summary>Keeps the fields of its kind: settings as JSON, secrets sealed, and which secrets are set.</summary>
    public void Keep(string settingsJson, string sealedSecrets, IEnumerable<string> secretNames)
    {
        Settings = settingsJson;
        SealedSecrets = sealedSecrets;
        SecretsSet = string.Join(",", secretNames.Order(StringComparer.Ordinal));
    }

    public Result Change(string? displayName, string? regions, string? endpoint)
    {
        var problems = new List<Problem>();
        var validDisplay = Tenancy.DisplayName.Create(string.IsNullOrWhiteSpace(displayName) ? Name : displayName);
        if (!validDisplay.Succeeded)
            problems.Add(validDisplay.Problem!);
        var validRegions = ParseRegions(regions);
        if (!validRegions.Succeeded)
            problems.Add(validRegions.Problem!);
        var validEndpoint = ParseEndpoint(endpoint);
        if (!validEndpoint.Succeeded)
            problems.Add(validEndpoint.Problem!);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        DisplayName = validDisplay.Value;
        Regions = string.Join(",", validRegions.Value);
        Endpoint = validEndpoint.Value;
        return Result.Ok();
    }

    public void LendTo(Guid? poolId) => LentToPoolId = poolId;

    public void HandleOrphans(bool remove) => RemoveOrphans = remove;

    /// <summary>Whether templates of this pool may use the account: lent to it, or lent to none.</summary>
    public bool ServesPool(Guid poolId) => LentToPoolId is null || LentToPoolId == poolId;

    public void Checked(string what, DateTime now)
    {
        CheckedAs = what.Length > 200 ? what[..200] : what;
        CheckedAt = now;
    }

    public void OrphansScanned(string report, DateTime now)
    {
        OrphanReport = report.Length > 2000 ? report[..1999] + "…" : report;
        OrphansScannedAt = now;
    }

    private static Result<IReadOnlyList<string>> ParseRegions(string? text)
    {
        var regions = (text ?? "")
            .Split([',', '\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (regions.Count == 0 || regions.Count > MaxRegions)
            return Problem.Invalid(
                "Regions",
                $"Name 1 to {MaxRegions} regions the account serves, separated by commas "
                    + "(e.g. 'cn-hangzhou, cn-beijing')."
            );
        var wrong = regions.FirstOrDefault(r =>
            r.Length > RegionMaxLength || !r.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
        );
        if (wrong is not null)
            return Problem.Invalid(
                "Regions",
                $"'{wrong}' is not a region name: letters, digits, '-', '_' and '.', "
                    + $"at most {RegionMaxLength} characters."
            );
        return regions;
    }

    private static Result<string?> ParseEndpoint(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
            return (string?)null;
        if (
            value.Length > EndpointMaxLength
            || !Uri.TryCreate(value, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || url.UserInfo.Length > 0
            || url.Query.Length > 0
            || url.Fragment.Length > 0
        )
            return Problem.Invalid(
                "Endpoint",
                "An endpoint is an http or https URL without credentials or query, such as "
                    + "'https://ecs.cn-hangzhou.aliyuncs.com' or 'https://keystone.example.com:5000/v3'; "
                    + "leave it empty for the provider's public endpoint."
            );
        return value.TrimEnd('/');
    }
}

using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers;

/// <summary>
/// The portal's way to one kind of cloud: a small typed client per kind (AWS through its SDK, the others by their
/// documented HTTP APIs), registered once and handed each call the account it acts for. Every call that the provider
/// refuses throws a <see cref="CloudRefusal"/> in the provider's own words.
/// </summary>
public interface ICloudProvider
{
    CloudKind Kind { get; }

    /// <summary>What an account of this kind is made of: its settings and its secrets, in form order.</summary>
    IReadOnlyList<CloudField> Fields { get; }

    /// <summary>
    /// Makes a call that needs the credentials (and the region, when it names one); returns what the provider says of
    /// the account, such as its account or project id.
    /// </summary>
    Task<string> CheckAsync(CloudAccess access, CancellationToken ct);

    /// <summary>What the provider offers in the account's region: zones, instance types, images, networks.</summary>
    Task<CloudCatalog> CatalogAsync(CloudAccess access, CancellationToken ct);

    /// <summary>
    /// How many instances and vCPUs the account may still start in the region, where the provider says.
    /// </summary>
    Task<CloudQuota> QuotaAsync(CloudAccess access, CancellationToken ct);

    /// <summary>
    /// Starts one instance tagged <see cref="CloudTags.Host"/> = <see cref="InstanceSpec.HostTag"/> and
    /// <see cref="CloudTags.ManagedBy"/> = <see cref="CloudTags.Portal"/>, with the spec's user data. Callers look for
    /// the tagged instance first (<see cref="FindByHostTagAsync"/>), so that a create repeated after a crash starts no
    /// second instance.
    /// </summary>
    Task<CloudInstance> CreateAsync(CloudAccess access, InstanceSpec spec, CancellationToken ct);

    /// <summary>The instance tagged for this host, if the provider has one that is not terminated.</summary>
    Task<CloudInstance?> FindByHostTagAsync(CloudAccess access, string hostTag, CancellationToken ct);

    /// <summary>
    /// The instance of this id, or null when the provider has none (terminated instances may be null).
    /// </summary>
    Task<CloudInstance?> GetAsync(CloudAccess access, string instanceId, CancellationToken ct);

    /// <summary>Terminates (deletes) the instance; an instance already gone is no error.</summary>
    Task TerminateAsync(CloudAccess access, string instanceId, CancellationToken ct);

    /// <summary>Every instance of the region tagged as managed by the portal, for the orphan reconciler.</summary>
    Task<IReadOnlyList<CloudInstance>> ListManagedAsync(CloudAccess access, CancellationToken ct);
}

/// <summary>
/// A provider whose machines do not read user data: the join script is run on them over SSH instead (bare metal).
/// </summary>
public interface IBootstrapsOverSsh
{
    /// <summary>
    /// Runs the script on the instance; throws a <see cref="CloudRefusal"/> with its output when it fails.
    /// </summary>
    Task RunScriptAsync(CloudAccess access, CloudInstance instance, string script, CancellationToken ct);
}

/// <summary>
/// One field of an account of some kind: a setting (shown back) or a secret (sealed, never shown back).
/// </summary>
public sealed record CloudField(
    string Name,
    string Label,
    bool Secret,
    bool Required,
    string Help,
    bool Multiline = false
);

/// <summary>An account as a provider client sees it: where to call, in which region, with which credentials.</summary>
/// <param name="AccountId">The portal's id of the account (bare metal pins SSH host keys per account).</param>
/// <param name="Endpoint">The endpoint override; null for the provider's public endpoint of the region.</param>
/// <param name="Settings">The non-secret fields, by <see cref="CloudField.Name"/>.</param>
/// <param name="Secrets">The secret fields, unsealed for this call only.</param>
public sealed record CloudAccess(
    Guid AccountId,
    CloudKind Kind,
    Uri? Endpoint,
    string Region,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyDictionary<string, string> Secrets
)
{
    public string Setting(string name) => Settings.TryGetValue(name, out var value) ? value : "";

    public string Secret(string name) => Secrets.TryGetValue(name, out var value) ? value : "";

    /// <summary>Never prints the secrets.</summary>
    public override string ToString() =>
        $"{Kind} account {AccountId} in {Region} at {Endpoint?.ToString() ?? "default"}";
}

/// <summary>The tags the portal puts on every instance it starts.</summary>
public static class CloudTags
{
    public const string ManagedBy = "managed-by";
    public const string Portal = "developer-center";
    public const string Host = "portal-host";
    public const string Pool = "portal-pool";
}

/// <summary>What a host template asks the provider for.</summary>
/// <param name="HostTag">The portal's id of the host, tagged on the instance so that it is found again.</param>
public sealed record InstanceSpec(
    string HostTag,
    string Name,
    string Zone,
    string InstanceType,
    string Image,
    int SystemDiskGiB,
    string Network,
    string Subnet,
    string SecurityGroup,
    string KeyPair,
    string UserData,
    IReadOnlyDictionary<string, string> Tags
);

public enum CloudInstanceState
{
    Pending = 1,
    Running = 2,
    Stopping = 3,
    Stopped = 4,
    Terminated = 5,
    Failed = 6,
}

/// <summary>An instance as the provider describes it.</summary>
public sealed record CloudInstance(
    string Id,
    string Name,
    CloudInstanceState State,
    string? PrivateAddress,
    string? PublicAddress,
    string InstanceType,
    string Zone,
    IReadOnlyDictionary<string, string> Tags,
    DateTime? CreatedAt,
    string? StateReason = null
)
{
    public string? HostTag => Tags.TryGetValue(CloudTags.Host, out var tag) ? tag : null;
}

public sealed record CloudInstanceType(string Name, int Cpus, int MemoryMiB);

public sealed record CloudImage(string Id, string Name);

/// <summary>
/// What the provider offers in a region. An empty list means the provider does not list that kind of thing, so a
/// template's value for it is taken as written.
/// </summary>
public sealed record CloudCatalog(
    IReadOnlyList<string> Zones,
    IReadOnlyList<CloudInstanceType> InstanceTypes,
    IReadOnlyList<CloudImage> Images,
    IReadOnlyList<string> Networks,
    IReadOnlyList<string> Subnets,
    IReadOnlyList<string> SecurityGroups,
    IReadOnlyList<string> KeyPairs
);

/// <summary>Null where the provider does not say.</summary>
public sealed record CloudQuota(int? InstancesLeft, int? CpusLeft);

public enum CloudRefusalKind
{
    /// <summary>The credentials are wrong, expired or lack a permission.</summary>
    Credentials = 1,

    /// <summary>The request named something the provider does not have (region, image, type, instance).</summary>
    Invalid = 2,

    /// <summary>The account's quota would be exceeded.</summary>
    Quota = 3,

    /// <summary>The provider throttled the call; retrying later works.</summary>
    Throttled = 4,

    /// <summary>The provider failed (5xx) or could not be reached; retrying later may work.</summary>
    Unavailable = 5,
}

/// <summary>A provider's refusal, in its own words, with its own error code.</summary>
public sealed class CloudRefusal(
    CloudRefusalKind kind,
    string message,
    string? providerCode = null,
    Exception? inner = null
) : Exception(message, inner)
{
    public CloudRefusalKind Kind { get; } = kind;
    public string? ProviderCode { get; } = providerCode;

    public bool Transient => Kind is CloudRefusalKind.Throttled or CloudRefusalKind.Unavailable;
}

/// <summary>
/// The SSH host keys pinned per account and address at first contact: a later contact that finds another key is
/// refused, as ssh's known_hosts does.
/// </summary>
public interface ISshHostKeyPins
{
    /// <summary>The pinned key's "SHA256:…" fingerprint, or null before the first contact.</summary>
    Task<string?> FindAsync(Guid accountId, string address, CancellationToken ct);

    Task PinAsync(Guid accountId, string address, string fingerprint, CancellationToken ct);
}

using System.Collections.Concurrent;
using System.Text.Json;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Clouds.Providers;

namespace Portal.Infrastructure.Clouds;

/// <summary>
/// The provider client of each kind, and the way to an account through it: its access (secrets opened for the call)
/// and its catalog per region, kept for a few minutes since templates are validated against it on every save.
/// </summary>
public sealed class CloudProviders(IEnumerable<ICloudProvider> providers, CloudSecrets secrets, TimeProvider clock)
{
    public static readonly TimeSpan CatalogKeptFor = TimeSpan.FromMinutes(5);

    private readonly IReadOnlyDictionary<CloudKind, ICloudProvider> _byKind = providers.ToDictionary(p => p.Kind);
    private readonly ConcurrentDictionary<(Guid, string), (DateTimeOffset At, CloudCatalog Catalog)> _catalogs = new();

    public IReadOnlyCollection<CloudKind> Kinds => [.. _byKind.Keys.Order()];

    public bool Knows(CloudKind kind) => _byKind.ContainsKey(kind);

    public ICloudProvider For(CloudKind kind) =>
        _byKind.TryGetValue(kind, out var provider)
            ? provider
            : throw new InvalidOperationException($"No provider client is registered for {kind}.");

    public CloudAccess AccessFor(CloudAccount account, string region) =>
        new(
            account.Id,
            account.Kind,
            account.Endpoint is null ? null : new Uri(account.Endpoint + "/"),
            region,
            JsonSerializer.Deserialize<Dictionary<string, string>>(account.Settings) ?? [],
            secrets.Open(account.SealedSecrets)
        );

    public async Task<CloudCatalog> CatalogAsync(CloudAccount account, string region, CancellationToken ct)
    {
        var key = (account.Id, region);
        if (_catalogs.TryGetValue(key, out var kept) && clock.GetUtcNow() - kept.At < CatalogKeptFor)
            return kept.Catalog;
        var catalog = await For(account.Kind).CatalogAsync(AccessFor(account, region), ct);
        _catalogs[key] = (clock.GetUtcNow(), catalog);
        return catalog;
    }

    /// <summary>Forgets what was kept of an account, whose credentials or endpoint changed.</summary>
    public void Forget(Guid accountId)
    {
        foreach (var key in _catalogs.Keys.Where(k => k.Item1 == accountId))
            _catalogs.TryRemove(key, out _);
    }

    /// <summary>
    /// A provider's refusal in words for a page: the kind of trouble, then the provider's own message.
    /// </summary>
    public static string Explain(CloudRefusal refusal) =>
        refusal.Kind switch
        {
            CloudRefusalKind.Credentials => $"The provider refused the credentials: {refusal.Message}",
            CloudRefusalKind.Invalid => $"The provider refused the request: {refusal.Message}",
            CloudRefusalKind.Quota => $"The provider's quota refused it: {refusal.Message}",
            CloudRefusalKind.Throttled => $"The provider is throttling calls; try again shortly ({refusal.Message})",
            _ => $"The provider could not be reached or failed: {refusal.Message}",
        };
}

using System.Collections.Concurrent;
using Portal.Infrastructure.Clouds.Providers;

namespace Portal.Infrastructure.Tests.Clouds.BareMetal;

/// <summary>The pins kept in memory for a test, in place of the portal's database.</summary>
public sealed class InMemoryHostKeyPins : ISshHostKeyPins
{
    private readonly ConcurrentDictionary<(Guid, string), string> _pins = new();

    public IReadOnlyDictionary<(Guid Account, string Address), string> Pins => _pins;

    public Task<string?> FindAsync(Guid accountId, string address, CancellationToken ct) =>
        Task.FromResult(_pins.TryGetValue((accountId, address), out var pin) ? pin : null);

    public Task PinAsync(Guid accountId, string address, string fingerprint, CancellationToken ct)
    {
        _pins[(accountId, address)] = fingerprint;
        return Task.CompletedTask;
    }
}

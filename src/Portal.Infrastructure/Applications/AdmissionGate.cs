using System.Collections.Concurrent;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Queues the admissions into one environment inside this process before they reach the database, so that a burst
/// waits here, holding no connection, rather than in the database behind the environment's row lock holding one
/// each (the row lock still orders admissions made by different replicas).
/// </summary>
public sealed class AdmissionGate
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(Guid tenantId, string? environment, CancellationToken ct)
    {
        var gate = _gates.GetOrAdd($"{tenantId:N}/{environment}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                gate.Release();
        }
    }
}

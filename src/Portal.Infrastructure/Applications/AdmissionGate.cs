namespace Portal.Infrastructure.Applications;

/// <summary>
/// Queues the admissions into one scope — an environment's share, or a tenant's quota in a pool — inside this process
/// before they reach the database, so that a burst waits here, holding no connection, rather than in the database
/// behind the scope's row lock holding one each (the row lock still orders admissions made by different replicas). A
/// scope is the id of a row that exists: names from a route never reach the gate. Its semaphore lives only while an
/// admission waits or runs in it, so the gate holds as many as there are scopes busy at this moment.
/// </summary>
public sealed class AdmissionGate
{
    private readonly Dictionary<Guid, Entry> _gates = [];
    private readonly Lock _lock = new();

    /// <summary>How many scopes have an admission waiting or running now.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
                return _gates.Count;
        }
    }

    public async Task<IDisposable> EnterAsync(Guid scope, CancellationToken ct)
    {
        Entry entry;
        lock (_lock)
        {
            if (!_gates.TryGetValue(scope, out entry!))
                _gates[scope] = entry = new Entry();
            entry.Users++;
        }
        try
        {
            await entry.Semaphore.WaitAsync(ct);
        }
        catch
        {
            Leave(scope, entry);
            throw;
        }
        return new Release(this, scope, entry);
    }

    private void Leave(Guid scope, Entry entry)
    {
        lock (_lock)
        {
            if (--entry.Users == 0)
                _gates.Remove(scope);
        }
    }

    /// <summary>A scope's semaphore and how many admissions wait for it or hold it.</summary>
    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        public int Users { get; set; }
    }

    private sealed class Release(AdmissionGate gate, Guid scope, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            entry.Semaphore.Release();
            gate.Leave(scope, entry);
        }
    }
}

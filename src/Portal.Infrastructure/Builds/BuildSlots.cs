namespace Portal.Infrastructure.Builds;

/// <summary>
/// How many builds run at once: at most <c>capacity</c> in all and <c>perKey</c> per key (a tenant), the others
/// waiting. Free slots go round the tenants: to the waiting tenant with the fewest builds running, of those the one
/// served longest ago (or never), and its builds in the order they came; so one tenant's ten queued builds cannot hold
/// up another's one, which runs when the next slot frees. A waiter whose tenant is at its own limit lets others by.
/// </summary>
public sealed class BuildSlots
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private readonly Dictionary<string, int> _runningPerKey = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly int _perKey;
    private readonly Dictionary<string, long> _lastServed = new(StringComparer.Ordinal);
    private long _served;
    private int _running;

    public BuildSlots(int capacity, int perKey = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perKey, 1);
        _capacity = capacity;
        _perKey = perKey;
    }

    public int Running
    {
        get
        {
            lock (_lock)
                return _running;
        }
    }

    public int Waiting
    {
        get
        {
            lock (_lock)
                return _waiting.Count;
        }
    }

    /// <summary>
    /// Waits for a slot and holds it until the returned value is disposed. <paramref name="queued"/> hears how many
    /// builds were ahead when this one had to wait. Cancelling while waiting leaves the queue as if it never came.
    /// </summary>
    public async Task<IDisposable> AcquireAsync(string key, CancellationToken ct, Action<int>? queued = null)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_waiting.Count == 0 && CanRun(key))
                return Take(key);
            waiter = new Waiter(key);
            waiter.Node = _waiting.AddLast(waiter);
            // Waiters whose tenants are at their limit may be ahead while a slot is free for this one.
            Grant();
            if (!waiter.Slot.Task.IsCompleted)
                queued?.Invoke(_waiting.Count - 1);
        }
        await using var registration = ct.Register(() => Abandon(waiter));
        return await waiter.Slot.Task;
    }

    private void Abandon(Waiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
                return;
            _waiting.Remove(waiter.Node);
        }
        waiter.Slot.TrySetCanceled();
    }

    private void Release(string key)
    {
        lock (_lock)
        {
            _running--;
            if (--_runningPerKey[key] == 0)
                _runningPerKey.Remove(key);
            Grant();
        }
    }

    /// <summary>
    /// Hands each free slot round the tenants: to the first waiter, in queue order, of the tenant with the fewest
    /// builds running and, among those, served longest ago.
    /// </summary>
    private void Grant()
    {
        while (_running < _capacity)
        {
            LinkedListNode<Waiter>? chosen = null;
            var best = (Running: int.MaxValue, Served: long.MaxValue);
            for (var node = _waiting.First; node is not null; node = node.Next)
            {
                var key = node.Value.Key;
                var rank = (Running: _runningPerKey.GetValueOrDefault(key), Served: _lastServed.GetValueOrDefault(key));
                if (rank.Running < _perKey && rank.CompareTo(best) < 0)
                    (chosen, best) = (node, rank);
            }
            if (chosen is null)
                return;
            _waiting.Remove(chosen);
            chosen.Value.Slot.TrySetResult(Take(chosen.Value.Key));
        }
    }

    private bool CanRun(string key) => _running < _capacity && _runningPerKey.GetValueOrDefault(key) < _perKey;

    private Slot Take(string key)
    {
        _running++;
        _runningPerKey[key] = _runningPerKey.GetValueOrDefault(key) + 1;
        _lastServed[key] = ++_served;
        return new Slot(this, key);
    }

    private sealed class Waiter(string key)
    {
        public string Key { get; } = key;
        public LinkedListNode<Waiter>? Node { get; set; }
        public TaskCompletionSource<IDisposable> Slot { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Slot(BuildSlots slots, string key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                slots.Release(key);
        }
    }
}

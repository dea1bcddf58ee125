namespace Portal.Infrastructure.Builds;

/// <summary>
/// How many builds run at once: at most <c>capacity</c> in all and <c>perKey</c> per key (a tenant), the others
/// waiting in the order they came. A waiter whose tenant is at its own limit lets the next one by, so that one tenant's
/// queue never holds up another's.
/// </summary>
public sealed class BuildSlots
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private readonly Dictionary<string, int> _runningPerKey = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly int _perKey;
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

    /// <summary>Hands free slots to the first waiters that may run, in order.</summary>
    private void Grant()
    {
        var node = _waiting.First;
        while (node is not null && _running < _capacity)
        {
            var next = node.Next;
            if (CanRun(node.Value.Key))
            {
                _waiting.Remove(node);
                node.Value.Slot.TrySetResult(Take(node.Value.Key));
            }
            node = next;
        }
    }

    private bool CanRun(string key) => _running < _capacity && _runningPerKey.GetValueOrDefault(key) < _perKey;

    private Slot Take(string key)
    {
        _running++;
        _runningPerKey[key] = _runningPerKey.GetValueOrDefault(key) + 1;
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

using System.Text.Json.Nodes;
using System.Threading.Channels;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;

namespace Portal.Sandbox.Storage;

/// <summary>
/// The in-memory equivalent of etcd: objects per kind, namespace and name, one global resourceVersion counter,
/// a bounded ring of past changes for resuming watches, and live subscriptions.
/// </summary>
public sealed class ResourceStore
{
    private readonly object _gate = new();
    private readonly Dictionary<ResourceKind, SeekableMap<SeekableMap<StoredObject>>> _tables = [];
    private readonly Dictionary<string, StoredObject> _byUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependentUids = new(StringComparer.Ordinal);
    private readonly ChangeEvent[] _history;
    private readonly List<ChangeSubscription> _subscriptions = [];
    private int _historyStart;
    private int _historyCount;
    private long _evictedThrough;
    private long _resourceVersion;

    public ResourceStore(int historySize)
    {
        _history = new ChangeEvent[Math.Max(16, historySize)];
        foreach (var kind in ResourceKinds.All)
        {
            _tables[kind] = new SeekableMap<SeekableMap<StoredObject>>();
        }
    }

    internal StringPool Strings { get; } = new();

    /// <summary>Held while admission decisions and the write they guard must be atomic. Reentrant.</summary>
    internal object SyncRoot => _gate;

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>The oldest resourceVersion a watch can still resume from.</summary>
    public long OldestResumableVersion
    {
        get
        {
            lock (_gate)
            {
                return _evictedThrough;
            }
        }
    }

    public StoredObject? Get(ResourceKind kind, string? ns, string name)
    {
        lock (_gate)
        {
            return _tables[kind].TryGetValue(ns ?? "", out var names) && names.TryGetValue(name, out var found)
                ? found
                : null;
        }
    }

    public StoredObject? GetByUid(string uid)
    {
        lock (_gate)
        {
            return _byUid.GetValueOrDefault(uid);
        }
    }

    public int Count(ResourceKind kind)
    {
        lock (_gate)
        {
            return _tables[kind].UnorderedValues.Sum(n => n.Count);
        }
    }

    /// <summary>A snapshot ordered by namespace then name; a null namespace lists across all namespaces.</summary>
    public List<StoredObject> List(ResourceKind kind, string? ns = null)
    {
        lock (_gate)
        {
            var table = _tables[kind];
            if (ns is not null)
            {
                return table.TryGetValue(ns, out var names) ? [.. names.Values] : [];
            }
            var all = new List<StoredObject>(table.UnorderedValues.Sum(n => n.Count));
            foreach (var names in table.Values)
            {
                all.AddRange(names.Values);
            }
            return all;
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> objects ordered by namespace then name, starting after <paramref name="after"/>
    /// (from the first when null); a null namespace lists across all namespaces. Seeks to the start instead of
    /// scanning to it, so paging through a table costs O(n) in all rather than O(n) per page.
    /// </summary>
    public List<StoredObject> ListAfter(ResourceKind kind, string? ns, ListPosition? after, int count)
    {
        lock (_gate)
        {
            var page = new List<StoredObject>(Math.Min(count, 1024));
            var table = _tables[kind];
            IEnumerable<KeyValuePair<string, SeekableMap<StoredObject>>> scopes =
                ns is null ? table.From(after?.Namespace, inclusive: true)
                : table.TryGetValue(ns, out var only) ? [new(ns, only)]
                : [];
            foreach (var (scope, names) in scopes)
            {
                if (after is { } position && string.CompareOrdinal(scope, position.Namespace) < 0)
                {
                    continue;
                }
                var start = after is { } same && same.Namespace == scope ? same.Name : null;
                foreach (var (_, item) in names.From(start))
                {
                    if (page.Count == count)
                    {
                        return page;
                    }
                    page.Add(item);
                }
            }
            return page;
        }
    }

    /// <summary>
    /// How many objects come after <paramref name="after"/> in the order <see cref="ListAfter"/> pages through: a
    /// paged list's remainingItemCount.
    /// </summary>
    public int CountAfter(ResourceKind kind, string? ns, ListPosition after)
    {
        lock (_gate)
        {
            var table = _tables[kind];
            if (ns is not null)
            {
                return table.TryGetValue(ns, out var only) ? only.CountAfter(after.Name) : 0;
            }
            var count = 0;
            foreach (var (scope, names) in table.From(after.Namespace, inclusive: true))
            {
                count += scope == after.Namespace ? names.CountAfter(after.Name) : names.Count;
            }
            return count;
        }
    }

    public List<StoredObject> Dependents(string ownerUid)
    {
        lock (_gate)
        {
            return _dependentUids.TryGetValue(ownerUid, out var uids)
                ? [.. uids.Select(u => _byUid.GetValueOrDefault(u)).OfType<StoredObject>()]
                : [];
        }
    }

    public IReadOnlyList<string> Namespaces()
    {
        lock (_gate)
        {
            return _tables[ResourceKinds.Namespace].TryGetValue("", out var names) ? [.. names.Keys] : [];
        }
    }

    internal StoredObject Add(ResourceKind kind, JsonObject obj)
    {
        lock (_gate)
        {
            var stored = Stamp(kind, obj);
            var names = Names(kind, stored.Namespace);
            names.Add(stored.Name, stored);
            Index(stored, null);
            Publish(new ChangeEvent(ChangeType.Added, stored, null));
            return stored;
        }
    }

    internal StoredObject Replace(ResourceKind kind, JsonObject obj)
    {
        lock (_gate)
        {
            var stored = Stamp(kind, obj);
            var names = Names(kind, stored.Namespace);
            var previous = names[stored.Name];
            names[stored.Name] = stored;
            Index(stored, previous);
            Publish(new ChangeEvent(ChangeType.Modified, stored, previous));
            return stored;
        }
    }

    /// <summary>
    /// Removes an object; the DELETED event carries its last state at a new resourceVersion, as etcd does.
    /// </summary>
    internal StoredObject Remove(StoredObject current)
    {
        lock (_gate)
        {
            if (!_tables[current.Kind].TryGetValue(current.Namespace, out var names) || !names.Remove(current.Name))
            {
                return current;
            }
            if (names.Count == 0)
            {
                _tables[current.Kind].Remove(current.Namespace);
            }
            var finalState = current.Parse();
            var deleted = Stamp(current.Kind, finalState);
            _byUid.Remove(current.Uid);
            foreach (var owner in current.OwnerUids)
            {
                if (_dependentUids.TryGetValue(owner, out var set))
                {
                    set.Remove(current.Uid);
                    if (set.Count == 0)
                    {
                        _dependentUids.Remove(owner);
                    }
                }
            }
            Publish(new ChangeEvent(ChangeType.Deleted, deleted, current));
            return deleted;
        }
    }

    /// <summary>
    /// Subscribes to changes of one kind (or all kinds), first returning the retained changes after
    /// <paramref name="afterResourceVersion"/> so that no event is missed between list and watch.
    /// </summary>
    public ChangeSubscription Subscribe(
        ResourceKind? kind,
        string? ns,
        long? afterResourceVersion,
        int capacity,
        out List<ChangeEvent> backlog
    )
    {
        lock (_gate)
        {
            backlog = [];
            if (afterResourceVersion is { } after)
            {
                if (after < _evictedThrough)
                {
                    throw new ResourceVersionTooOldException(after, _evictedThrough);
                }
                for (var i = 0; i < _historyCount; i++)
                {
                    var change = _history[(_historyStart + i) % _history.Length];
                    if (
                        change.ResourceVersion > after
                        && (kind is null || change.Object.Kind == kind)
                        && (ns is null || change.Object.Namespace == ns)
                    )
                    {
                        backlog.Add(change);
                    }
                }
            }
            var subscription = new ChangeSubscription(this, kind, ns, capacity);
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    internal void Unsubscribe(ChangeSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    private SeekableMap<StoredObject> Names(ResourceKind kind, string ns)
    {
        var table = _tables[kind];
        if (!table.TryGetValue(ns, out var names))
        {
            names = new SeekableMap<StoredObject>();
            table[ns] = names;
        }
        return names;
    }

    private StoredObject Stamp(ResourceKind kind, JsonObject obj)
    {
        var version = ++_resourceVersion;
        obj.Ensure("metadata")["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return StoredObject.FromJson(kind, obj, version, Strings);
    }

    private void Index(StoredObject stored, StoredObject? previous)
    {
        _byUid[stored.Uid] = stored;
        if (previous is not null)
        {
            foreach (var owner in previous.OwnerUids.Except(stored.OwnerUids))
            {
                if (_dependentUids.TryGetValue(owner, out var set))
                {
                    set.Remove(stored.Uid);
                }
            }
        }
        foreach (var owner in stored.OwnerUids)
        {
            if (!_dependentUids.TryGetValue(owner, out var set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                _dependentUids[owner] = set;
            }
            set.Add(stored.Uid);
        }
    }

    private void Publish(ChangeEvent change)
    {
        if (_historyCount == _history.Length)
        {
            _evictedThrough = _history[_historyStart].ResourceVersion;
            _historyStart = (_historyStart + 1) % _history.Length;
            _historyCount--;
        }
        _history[(_historyStart + _historyCount) % _history.Length] = change;
        _historyCount++;
        for (var i = _subscriptions.Count - 1; i >= 0; i--)
        {
            var subscription = _subscriptions[i];
            if (subscription.Matches(change) && !subscription.Offer(change))
            {
                _subscriptions.RemoveAt(i);
            }
        }
    }
}

/// <summary>A live feed of changes. Slow readers of a bounded feed are cut off, as the API server does.</summary>
public sealed class ChangeSubscription : IDisposable
{
    private readonly ResourceStore _store;
    private readonly ResourceKind? _kind;
    private readonly string? _namespace;
    private readonly Channel<ChangeEvent> _channel;

    internal ChangeSubscription(ResourceStore store, ResourceKind? kind, string? ns, int capacity)
    {
        _store = store;
        _kind = kind;
        _namespace = ns;
        _channel =
            capacity > 0
                ? Channel.CreateBounded<ChangeEvent>(
                    new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }
                )
                : Channel.CreateUnbounded<ChangeEvent>(new UnboundedChannelOptions { SingleReader = true });
    }

    public ChannelReader<ChangeEvent> Reader => _channel.Reader;

    internal bool Matches(ChangeEvent change) =>
        (_kind is null || change.Object.Kind == _kind) && (_namespace is null || change.Object.Namespace == _namespace);

    internal bool Offer(ChangeEvent change)
    {
        if (_channel.Writer.TryWrite(change))
        {
            return true;
        }
        _channel.Writer.TryComplete();
        return false;
    }

    public void Dispose()
    {
        _store.Unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}

/// <summary>
/// Where a list page ended: the (namespace, name) of its last object; empty namespace for cluster-scoped kinds.
/// </summary>
public readonly record struct ListPosition(string Namespace, string Name)
{
    public static ListPosition Of(StoredObject item) => new(item.Namespace, item.Name);
}

public sealed class ResourceVersionTooOldException(long requested, long oldest)
    : Exception($"too old resource version: {requested} ({oldest})")
{
    public long Requested { get; } = requested;

    public long Oldest { get; } = oldest;
}

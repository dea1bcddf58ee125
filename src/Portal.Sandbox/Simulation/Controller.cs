using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>
/// A simulated control-plane component: it notes relevant changes, then reconciles on the loop's thread.
/// </summary>
internal interface IController
{
    void Observe(ChangeEvent change, DateTimeOffset now);

    void Reconcile(DateTimeOffset now);
}

/// <summary>Keys to reconcile, deduplicated, with optional delays (like client-go's rate-limited work queue).</summary>
internal sealed class WorkQueue
{
    private readonly List<string> _ready = [];
    private readonly HashSet<string> _readySet = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _delayed = new();

    public int Count => _ready.Count + _delayed.Count;

    public void Add(string key)
    {
        if (_readySet.Add(key))
        {
            _ready.Add(key);
        }
    }

    public void AddAfter(string key, DateTimeOffset due) => _delayed.Enqueue(key, due);

    public List<string> TakeReady(DateTimeOffset now)
    {
        while (_delayed.TryPeek(out var key, out var due) && due <= now)
        {
            _delayed.Dequeue();
            Add(key);
        }
        var taken = new List<string>(_ready);
        _ready.Clear();
        _readySet.Clear();
        return taken;
    }
}

internal static class ObjectKeys
{
    public static string Of(StoredObject item) => item.Namespace + "/" + item.Name;

    public static (string Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
    }

    public static JsonObject OwnerReference(ResourceKind kind, string name, string uid) =>
        new()
        {
            ["apiVersion"] = kind.ApiVersion,
            ["kind"] = kind.Kind,
            ["name"] = name,
            ["uid"] = uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        };

    /// <summary>The controlling owner of an object, when it is of the given kind.</summary>
    public static StoredObject? ControllerOf(ResourceStore store, StoredObject item, ResourceKind ownerKind)
    {
        foreach (var uid in item.OwnerUids)
        {
            if (store.GetByUid(uid) is { } owner && owner.Kind == ownerKind)
            {
                return owner;
            }
        }
        return null;
    }

    public static string? OwnerKindOf(JsonObject obj) =>
        obj.Arr("metadata", "ownerReferences").Objects().FirstOrDefault(r => r.Bool("controller") == true)?.Str("kind");
}

using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;

namespace Portal.Web.Tenancy;

/// <summary>
/// The hub connections of this replica that hold something of a tenant — its groups, a log stream — by tenant and
/// caller. A hub takes <see cref="Mark"/> before it checks the caller's access and <see cref="Track"/>s the connection
/// after; ending a caller's connections aborts each one (its groups and streams end with it; a browser reconnects and
/// is checked again), and a connection tracked after an end that its access check may not have seen is aborted at once.
/// With several replicas, each knows only its own connections: the end must reach the others too (a backplane message).
/// </summary>
public sealed class LiveTenantConnections : ITenantConnections
{
    /// <summary>How long an end is remembered for connections whose access check began before it.</summary>
    private static readonly TimeSpan EndRemembered = TimeSpan.FromMinutes(1);

    private readonly Dictionary<(Guid Tenant, Caller Caller), Dictionary<string, HubCallerContext>> _connections = [];
    private readonly Dictionary<(Guid Tenant, Caller Caller), (long Mark, DateTime At)> _ended = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private long _marks;

    public LiveTenantConnections(TimeProvider clock) => _clock = clock;

    /// <summary>How many connections are tracked now, across tenants.</summary>
    public int Tracked
    {
        get
        {
            lock (_lock)
                return _connections.Values.Sum(c => c.Count);
        }
    }

    /// <summary>Taken before a hub checks access: ends after it are applied to what that check let in.</summary>
    public long Mark() => Interlocked.Read(ref _marks);

    /// <summary>
    /// Lets a hub call into a tenant: checks that the caller is a member (a <see cref="HubException"/> says it is not)
    /// and tracks the connection as one of theirs in it, so that losing the membership ends it.
    /// </summary>
    public async Task<TenantAccess> JoinAsync(
        HubCallerContext context,
        TenantAccessResolver access,
        string? tenant,
        CancellationToken ct
    )
    {
        var mark = Mark();
        var found = await access.ResolveAsync(tenant, context.User!.ToCaller(), ct)
            ?? throw new HubException("This tenant does not exist, or you are not a member of it.");
        Track(context, found.Tenant.Id, mark);
        return found;
    }

    /// <summary>
    /// Keeps the connection until it closes, as one that holds something of the tenant for its caller.
    /// </summary>
    public void Track(HubCallerContext context, Guid tenantId, long mark)
    {
        var key = (tenantId, context.User!.ToCaller());
        bool added,
            endedSince;
        lock (_lock)
        {
            if (!_connections.TryGetValue(key, out var connections))
                _connections[key] = connections = new Dictionary<string, HubCallerContext>(StringComparer.Ordinal);
            added = connections.TryAdd(context.ConnectionId, context);
            endedSince = _ended.TryGetValue(key, out var ended) && ended.Mark > mark;
        }
        if (added)
            context.ConnectionAborted.Register(() => Forget(key, context.ConnectionId));
        if (endedSince)
            context.Abort();
    }

    public Task EndAsync(Guid tenantId, Caller caller, CancellationToken ct)
    {
        var key = (tenantId, caller);
        List<HubCallerContext> ending;
        lock (_lock)
        {
            var now = _clock.GetUtcNow().UtcDateTime;
            foreach (var old in _ended.Where(e => now - e.Value.At > EndRemembered).Select(e => e.Key).ToList())
                _ended.Remove(old);
            _ended[key] = (Interlocked.Increment(ref _marks), now);
            ending = _connections.TryGetValue(key, out var connections) ? [.. connections.Values] : [];
        }
        foreach (var context in ending)
            context.Abort();
        return Task.CompletedTask;
    }

    private void Forget((Guid Tenant, Caller Caller) key, string connectionId)
    {
        lock (_lock)
        {
            if (
                _connections.TryGetValue(key, out var connections)
                && connections.Remove(connectionId)
                && connections.Count == 0
            )
                _connections.Remove(key);
        }
    }
}

using System.Collections.Concurrent;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Since when each followed rollout has seen each trouble of its new pods (an image that cannot be pulled, a crash
/// loop, no node with room): a trouble fails the rollout only once it lasted, and the looks at one rollout are jobs of
/// their own. Kept in this process: a look on another replica, or after a restart, starts the count again, which at
/// worst delays the failure by a count, never beyond the rollout's timeout.
/// </summary>
public sealed class RolloutTroubles
{
    private static readonly TimeSpan ForgottenAfter = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<Guid, Seen> _byOperation = new();

    /// <summary>The troubles seen so far of the operation's rollout, for one look to read and add to.</summary>
    internal Dictionary<string, DateTimeOffset> Of(Guid operationId, DateTimeOffset now)
    {
        // Rollouts whose operation ended elsewhere (another replica, a crash) are let go after a while.
        foreach (var (id, seen) in _byOperation.Where(e => now - e.Value.LookedAt > ForgottenAfter))
            _byOperation.TryRemove(new KeyValuePair<Guid, Seen>(id, seen));
        var entry = _byOperation.GetOrAdd(operationId, _ => new Seen());
        entry.LookedAt = now;
        return entry.Since;
    }

    internal void Forget(Guid operationId) => _byOperation.TryRemove(operationId, out _);

    private sealed class Seen
    {
        public Dictionary<string, DateTimeOffset> Since { get; } = new(StringComparer.Ordinal);
        public DateTimeOffset LookedAt { get; set; }
    }
}

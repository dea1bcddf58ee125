using System.Collections.Concurrent;
using System.Diagnostics;
using Portal.Sandbox.Hosting;

namespace Portal.Sandbox.Faults;

/// <summary>
/// Fault injection switches, read on every request so tests can turn them on and off while clients run.
/// Rates are shares of API requests in [0, 1].
/// </summary>
public sealed class SandboxFaults
{
    private long _latencyTicks;
    private double _errorRate;
    private double _throttleRate;
    private int _retryAfterSeconds = 1;
    private int _dropWatchAfterEvents;
    private long _dropWatchAfterTicks;
    private int _expireWatches;
    private int _credentialRefusals;
    private string _refusedPath = "/";
    private int _watchExpiries;
    private string _expiredPath = "/";
    private CancellationTokenSource _openWatches = new();
    private long _apiRequests;
    private long _throttled;
    private long _failed;
    private long _expiredWatches;
    private long _shortestRetryTicks = long.MaxValue;

    /// <summary>Each request answered 429 (method, path and query) and when, until the same one comes again.</summary>
    private readonly ConcurrentDictionary<string, long> _throttledAt = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Request, TimeSpan After)> _retries = new();

    internal SandboxFaults(FaultSettings initial)
    {
        Latency = initial.Latency;
        ErrorRate = initial.ErrorRate;
        ThrottleRate = initial.ThrottleRate;
        RetryAfterSeconds = initial.RetryAfterSeconds;
        DropWatchAfterEvents = initial.DropWatchAfterEvents;
        DropWatchAfter = initial.DropWatchAfter;
        ExpireWatches = initial.ExpireWatches;
    }

    /// <summary>Added before every API request is answered.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>Share of API requests answered 500 InternalError.</summary>
    public double ErrorRate
    {
        get => Volatile.Read(ref _errorRate);
        set => Volatile.Write(ref _errorRate, Math.Clamp(value, 0, 1));
    }

    /// <summary>Share of API requests answered 429 TooManyRequests with a Retry-After header.</summary>
    public double ThrottleRate
    {
        get => Volatile.Read(ref _throttleRate);
        set => Volatile.Write(ref _throttleRate, Math.Clamp(value, 0, 1));
    }

    public int RetryAfterSeconds
    {
        get => Volatile.Read(ref _retryAfterSeconds);
        set => Volatile.Write(ref _retryAfterSeconds, Math.Max(0, value));
    }

    /// <summary>Close every watch stream after this many events.</summary>
    public int? DropWatchAfterEvents
    {
        get => Volatile.Read(ref _dropWatchAfterEvents) is var n && n > 0 ? n : null;
        set => Volatile.Write(ref _dropWatchAfterEvents, value ?? 0);
    }

    /// <summary>Close every watch stream after this long.</summary>
    public TimeSpan? DropWatchAfter
    {
        get => Interlocked.Read(ref _dropWatchAfterTicks) is var t && t > 0 ? TimeSpan.FromTicks(t) : null;
        set => Interlocked.Exchange(ref _dropWatchAfterTicks, value?.Ticks ?? 0);
    }

    /// <summary>Answer every new watch with an ERROR event carrying 410 Expired.</summary>
    public bool ExpireWatches
    {
        get => Volatile.Read(ref _expireWatches) == 1;
        set => Volatile.Write(ref _expireWatches, value ? 1 : 0);
    }

    /// <summary>
    /// Answers the next <paramref name="times"/> watches whose path starts with <paramref name="pathStart"/> and that
    /// resume from a resource version with 410 Expired, as an API server whose watch history was compacted meanwhile:
    /// the client must list again, and a watch from the fresh list's version is served.
    /// </summary>
    public void ExpireNextWatches(int times, string pathStart = "/")
    {
        Volatile.Write(ref _expiredPath, pathStart);
        Volatile.Write(ref _watchExpiries, Math.Max(0, times));
    }

    /// <summary>Takes one of the expiries asked for, when this watch's path is one of those expired.</summary>
    internal bool TakeWatchExpiry(string path) => TakeOne(path, Volatile.Read(ref _expiredPath), ref _watchExpiries);

    /// <summary>Fires when the open watch streams are to be closed (<see cref="DropWatches"/>).</summary>
    internal CancellationToken WatchesDropped => Volatile.Read(ref _openWatches).Token;

    /// <summary>Closes every watch stream open now, as a connection lost between client and server.</summary>
    public void DropWatches()
    {
        // Not disposed: a watch starting now may still be linking to its token.
        Interlocked.Exchange(ref _openWatches, new CancellationTokenSource()).Cancel();
    }

    /// <summary>API requests received (those answered with an injected failure included).</summary>
    public long ApiRequests => Interlocked.Read(ref _apiRequests);

    /// <summary>API requests answered 429 TooManyRequests.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>API requests answered 500 InternalError by the fault settings.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Watches answered 410 Expired by the fault settings.</summary>
    public long ExpiredWatches => Interlocked.Read(ref _expiredWatches);

    /// <summary>
    /// The shortest time between a request answered 429 and the same request (method, path and query) again: what a
    /// client that honours Retry-After keeps at or above it. Null when no throttled request came again.
    /// </summary>
    public TimeSpan? ShortestRetryAfterThrottle =>
        Interlocked.Read(ref _shortestRetryTicks) is var ticks && ticks != long.MaxValue
            ? TimeSpan.FromTicks(ticks)
            : null;

    /// <summary>Each request answered 429 that came again (method, path and query), and how long after.</summary>
    public IReadOnlyCollection<(string Request, TimeSpan After)> RetriesAfterThrottle => _retries;

    /// <summary>Starts the counts over.</summary>
    public void ResetCounts()
    {
        Interlocked.Exchange(ref _apiRequests, 0);
        Interlocked.Exchange(ref _throttled, 0);
        Interlocked.Exchange(ref _failed, 0);
        Interlocked.Exchange(ref _expiredWatches, 0);
        Interlocked.Exchange(ref _shortestRetryTicks, long.MaxValue);
        _throttledAt.Clear();
        _retries.Clear();
    }

    /// <summary>Counts a request, and when it repeats one answered 429, how long after it came.</summary>
    internal void Received(string request)
    {
        Interlocked.Increment(ref _apiRequests);
        if (!_throttledAt.TryRemove(request, out var throttledAt))
            return;
        var gap = Stopwatch.GetElapsedTime(throttledAt).Ticks;
        _retries.Enqueue((request, TimeSpan.FromTicks(gap)));
        while (Interlocked.Read(ref _shortestRetryTicks) is var shortest && gap < shortest)
        {
            if (Interlocked.CompareExchange(ref _shortestRetryTicks, gap, shortest) == shortest)
                break;
        }
    }

    internal void Throttling(string request)
    {
        Interlocked.Increment(ref _throttled);
        _throttledAt[request] = Stopwatch.GetTimestamp();
    }

    internal void Failing() => Interlocked.Increment(ref _failed);

    internal void Expiring() => Interlocked.Increment(ref _expiredWatches);

    /// <summary>
    /// Answers the next <paramref name="times"/> API requests whose path starts with <paramref name="pathStart"/> with
    /// 401 Unauthorized, as a server whose credentials were rotated under its clients, then accepts them again.
    /// </summary>
    public void RefuseCredentials(int times, string pathStart = "/")
    {
        Volatile.Write(ref _refusedPath, pathStart);
        Volatile.Write(ref _credentialRefusals, Math.Max(0, times));
    }

    /// <summary>Takes one of the refusals asked for, when this request's path is one of those refused.</summary>
    internal bool TakeCredentialRefusal(string path) =>
        TakeOne(path, Volatile.Read(ref _refusedPath), ref _credentialRefusals);

    /// <summary>Takes one of the faults <paramref name="left"/> counts, when the path is one it is for.</summary>
    private static bool TakeOne(string path, string pathStart, ref int left)
    {
        if (!path.StartsWith(pathStart, StringComparison.Ordinal))
            return false;
        while (Volatile.Read(ref left) is var now && now > 0)
        {
            if (Interlocked.CompareExchange(ref left, now - 1, now) == now)
                return true;
        }
        return false;
    }

    public void Reset()
    {
        RefuseCredentials(0);
        Latency = TimeSpan.Zero;
        ErrorRate = 0;
        ThrottleRate = 0;
        RetryAfterSeconds = 1;
        DropWatchAfterEvents = null;
        DropWatchAfter = null;
        ExpireWatches = false;
        ExpireNextWatches(0);
    }

    internal static bool Roll(double rate) => rate > 0 && (rate >= 1 || Random.Shared.NextDouble() < rate);
}

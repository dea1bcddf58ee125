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
    /// Answers the next <paramref name="times"/> API requests whose path starts with <paramref name="pathStart"/> with
    /// 401 Unauthorized, as a server whose credentials were rotated under its clients, then accepts them again.
    /// </summary>
    public void RefuseCredentials(int times, string pathStart = "/")
    {
        Volatile.Write(ref _refusedPath, pathStart);
        Volatile.Write(ref _credentialRefusals, Math.Max(0, times));
    }

    /// <summary>Takes one of the refusals asked for, when this request's path is one of those refused.</summary>
    internal bool TakeCredentialRefusal(string path)
    {
        if (!path.StartsWith(Volatile.Read(ref _refusedPath), StringComparison.Ordinal))
            return false;
        while (Volatile.Read(ref _credentialRefusals) is var left && left > 0)
        {
            if (Interlocked.CompareExchange(ref _credentialRefusals, left - 1, left) == left)
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
    }

    internal static bool Roll(double rate) => rate > 0 && (rate >= 1 || Random.Shared.NextDouble() < rate);
}

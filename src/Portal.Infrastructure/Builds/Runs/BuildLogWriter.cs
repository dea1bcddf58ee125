using System.Text;
using Portal.Domain.Builds;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Builds.Runs;

/// <summary>Tells no one: the default until the web host registers its SignalR sink.</summary>
internal sealed class SilentBuildLogSink : IBuildLogSink
{
    public Task AppendedAsync(BuildLogChunk chunk, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// A build's log on its way to the <c>BuildLogChunks</c> table: lines are gathered from any thread (the builder's
/// output) with every secret replaced by "***", and written in batches by <see cref="FlushAsync"/> on the run's own
/// thread. Past <see cref="MaxBytes"/> in all, one line says the log was cut and the rest is dropped.
/// </summary>
internal sealed class BuildLogWriter(
    PortalDbContext db,
    IBuildLogSink sink,
    TimeProvider clock,
    Build build,
    int firstSequence,
    IReadOnlyList<string> secrets
)
{
    public const int MaxBytes = 20 * 1024 * 1024;
    public const int BatchBytes = 64 * 1024;

    private readonly Lock _lock = new();
    private readonly StringBuilder _pending = new();
    private long _written;
    private bool _cut;
    private int _sequence = firstSequence;

    /// <summary>Whether enough is pending to write a batch now rather than at the next tick.</summary>
    public bool Full
    {
        get
        {
            lock (_lock)
                return _pending.Length >= BatchBytes;
        }
    }

    public void Line(string text)
    {
        foreach (var secret in secrets)
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        lock (_lock)
        {
            if (_cut)
                return;
            var size = Encoding.UTF8.GetByteCount(text) + 1;
            if (_written + _pending.Length + size > MaxBytes)
            {
                _pending
                    .Append("[the log was cut here: it reached ")
                    .Append(MaxBytes / (1024 * 1024))
                    .Append(" MiB]\n");
                _cut = true;
                return;
            }
            _pending.Append(text).Append('\n');
        }
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        string text;
        lock (_lock)
        {
            if (_pending.Length == 0)
                return;
            text = _pending.ToString();
            _pending.Clear();
            _written += Encoding.UTF8.GetByteCount(text);
        }
        var chunk = new BuildLogChunk(build.TenantId, build.Id, _sequence++, text, clock.GetUtcNow().UtcDateTime);
        db.BuildLogChunks.Add(chunk);
        await db.SaveChangesAsync(ct);
        db.Entry(chunk).State = Microsoft.EntityFrameworkCore.EntityState.Detached;
        await sink.AppendedAsync(chunk, ct);
    }
}

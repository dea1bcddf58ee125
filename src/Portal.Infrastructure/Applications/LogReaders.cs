using Microsoft.Extensions.Options;
using Portal.Domain.Common;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Counts the logs being read on this replica — live tails and downloads — per user (or service account) and per
/// tenant, and refuses one more beyond <see cref="LogOptions.StreamsPerUser"/> or
/// <see cref="LogOptions.StreamsPerTenant"/>: each holds a connection to a cluster and a worker of the portal while it
/// lasts.
/// </summary>
public sealed class LogReaders(IOptions<LogOptions> options)
{
    private readonly Dictionary<string, int> _perReader = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, int> _perTenant = [];
    private readonly Lock _lock = new();

    /// <summary>
    /// A place for one more log read by <paramref name="caller"/> in the tenant, to dispose when it ends; or why not.
    /// </summary>
    public Result<IDisposable> TryOpen(Caller caller, Guid tenantId)
    {
        var reader = caller.ServiceAccountId is { } account
            ? $"service-account:{account:N}"
            : $"user:{caller.UserId:N}";
        var limits = options.Value;
        lock (_lock)
        {
            var byReader = _perReader.GetValueOrDefault(reader);
            if (byReader >= limits.StreamsPerUser)
            {
                return Problem.TooMany(
                    $"You are reading {byReader} logs already, the most one user may read at once; "
                        + "close a live tail (another tab or window) or wait for a download to end, then try again."
                );
            }

            var byTenant = _perTenant.GetValueOrDefault(tenantId);
            if (byTenant >= limits.StreamsPerTenant)
            {
                return Problem.TooMany(
                    $"The members of this tenant are reading {byTenant} logs already, the "
                        + "most a tenant may read at once; "
                        + "try again when one of them is closed."
                );
            }

            _perReader[reader] = byReader + 1;
            _perTenant[tenantId] = byTenant + 1;
        }
        return new Slot(this, reader, tenantId);
    }

    private void Close(string reader, Guid tenantId)
    {
        lock (_lock)
        {
            Decrement(_perReader, reader);
            Decrement(_perTenant, tenantId);
        }
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        if (counts.TryGetValue(key, out var count) && count > 1)
            counts[key] = count - 1;
        else
            counts.Remove(key);
    }

    private sealed class Slot(LogReaders readers, string reader, Guid tenantId) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
                readers.Close(reader, tenantId);
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// One Kubernetes client per registered cluster, made from its kubeconfig on first use. Every client
/// retries 429 and 5xx answers with exponential backoff and jitter (honouring Retry-After) and gives up
/// on a request after a timeout; watches are long requests and are not cut by it once they have answered.
/// A client handed out for longer than <see cref="CredentialsRecheck"/> is checked against the cluster's row (one small
/// read): a kubeconfig replaced since — on any replica — makes a new client, so that old credentials are not kept.
/// </summary>
public sealed class KubernetesClients(
    IServiceScopeFactory scopes,
    KubeconfigVault vault,
    ILoggerFactory logs,
    TimeProvider clock
) : IDisposable
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a client is handed out before the cluster's row is asked whether its kubeconfig was replaced meanwhile.
    /// </summary>
    public static readonly TimeSpan CredentialsRecheck = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<Guid, Entry> _clients = new();

    public async Task<IKubernetes> ForAsync(Guid clusterId, CancellationToken ct)
    {
        var entry = _clients.GetOrAdd(clusterId, id => new Entry(
            new Lazy<Task<Made>>(() => CreateAsync(id)),
            clock.GetUtcNow()
        ));
        Made made;
        try
        {
            made = await entry.Made.Value.WaitAsync(ct);
        }
        catch
        {
            _clients.TryRemove(new KeyValuePair<Guid, Entry>(clusterId, entry));
            throw;
        }
        if (clock.GetUtcNow() - entry.CheckedAt < CredentialsRecheck)
            return made.Client;
        if (await KubeconfigVersionAsync(clusterId, ct) == made.KubeconfigVersion)
        {
            entry.CheckedAt = clock.GetUtcNow();
            return made.Client;
        }
        // Replaced (or removed) since this client was made, perhaps by another replica: make it again from the row.
        if (_clients.TryRemove(new KeyValuePair<Guid, Entry>(clusterId, entry)))
            made.Client.Dispose();
        return await ForAsync(clusterId, ct);
    }

    /// <summary>
    /// A client for one user only, such as a watch that must be able to end its own requests; the caller disposes it.
    /// </summary>
    public async Task<IKubernetes> CreateDedicatedAsync(Guid clusterId, CancellationToken ct) =>
        (await CreateAsync(clusterId).WaitAsync(ct)).Client;

    /// <summary>Forgets a cluster's client, after the cluster was removed or its kubeconfig replaced.</summary>
    public void Forget(Guid clusterId)
    {
        if (
            _clients.TryRemove(clusterId, out var entry)
            && entry.Made.IsValueCreated
            && entry.Made.Value.IsCompletedSuccessfully
        )
            entry.Made.Value.Result.Client.Dispose();
    }

    public IKubernetes Create(KubernetesClientConfiguration config) =>
        new Kubernetes(config, new ResilienceHandler(Pipeline(logs.CreateLogger<KubernetesClients>())));

    private async Task<Made> CreateAsync(Guid clusterId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var row = await db
            .Clusters.AsNoTracking()
            .Where(c => c.Id == clusterId)
            .Select(c => new { c.ProtectedKubeconfig, c.KubeconfigVersion })
            .FirstOrDefaultAsync()
            ?? throw new InvalidOperationException($"Cluster {clusterId} is not registered.");
        var config = KubeconfigReader.Read(vault.Unprotect(row.ProtectedKubeconfig));
        return config.Succeeded
            ? new Made(Create(config.Value), row.KubeconfigVersion)
            : throw new InvalidOperationException(config.Problem!.Message);
    }

    /// <summary>The version of the cluster's kubeconfig now, or null when it is no longer registered.</summary>
    private async Task<int?> KubeconfigVersionAsync(Guid clusterId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return await db
            .Clusters.AsNoTracking()
            .Where(c => c.Id == clusterId)
            .Select(c => (int?)c.KubeconfigVersion)
            .FirstOrDefaultAsync(ct);
    }

    private sealed record Made(IKubernetes Client, int KubeconfigVersion);

    /// <summary>
    /// A cluster's client (made once, by whoever asks first) and when its kubeconfig's version was last compared with
    /// the row's.
    /// </summary>
    private sealed class Entry(Lazy<Task<Made>> made, DateTimeOffset checkedAt)
    {
        private long _checkedAtTicks = checkedAt.UtcTicks;

        public Lazy<Task<Made>> Made { get; } = made;

        public DateTimeOffset CheckedAt
        {
            get => new(Interlocked.Read(ref _checkedAtTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _checkedAtTicks, value.UtcTicks);
        }
    }

    private static ResiliencePipeline<HttpResponseMessage> Pipeline(ILogger logger) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(
                new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 4,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(200),
                    MaxDelay = TimeSpan.FromSeconds(5),
                    ShouldRetryAfterHeader = true,
                    ShouldHandle = args =>
                        ValueTask.FromResult(
                            args.Outcome switch
                            {
                                { Exception: HttpRequestException } => true,
                                { Exception: TimeoutException or Polly.Timeout.TimeoutRejectedException } => true,
                                { Result.StatusCode: HttpStatusCode.TooManyRequests } => true,
                                { Result.StatusCode: >= HttpStatusCode.InternalServerError } => true,
                                _ => false,
                            }
                        ),
                    OnRetry = args =>
                    {
                        logger.LogDebug(
                            "Retrying a Kubernetes request after {Outcome} (attempt {Attempt})",
                            args.Outcome.Result?.StatusCode.ToString() ?? args.Outcome.Exception?.GetType().Name,
                            args.AttemptNumber + 1
                        );
                        return ValueTask.CompletedTask;
                    },
                }
            )
            .AddTimeout(AttemptTimeout)
            .Build();

    public void Dispose()
    {
        foreach (var id in _clients.Keys)
            Forget(id);
    }
}

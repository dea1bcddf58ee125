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
/// </summary>
public sealed class KubernetesClients(IServiceScopeFactory scopes, KubeconfigVault vault, ILoggerFactory logs) : IDisposable
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<Guid, Lazy<Task<IKubernetes>>> _clients = new();

    public async Task<IKubernetes> ForAsync(Guid clusterId, CancellationToken ct)
    {
        var lazy = _clients.GetOrAdd(clusterId, id => new Lazy<Task<IKubernetes>>(() => CreateAsync(id)));
        try
        {
            return await lazy.Value.WaitAsync(ct);
        }
        catch
        {
            _clients.TryRemove(new KeyValuePair<Guid, Lazy<Task<IKubernetes>>>(clusterId, lazy));
            throw;
        }
    }

    /// <summary>A client for one user only, such as a watch that must be able to end its own requests; the caller disposes it.</summary>
    public Task<IKubernetes> CreateDedicatedAsync(Guid clusterId, CancellationToken ct) => CreateAsync(clusterId).WaitAsync(ct);

    /// <summary>Forgets a cluster's client, after the cluster was removed or its kubeconfig replaced.</summary>
    public void Forget(Guid clusterId)
    {
        if (_clients.TryRemove(clusterId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            lazy.Value.Result.Dispose();
    }

    public IKubernetes Create(KubernetesClientConfiguration config) =>
        new Kubernetes(config, new ResilienceHandler(Pipeline(logs.CreateLogger<KubernetesClients>())));

    private async Task<IKubernetes> CreateAsync(Guid clusterId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var kubeconfig = await db.Clusters.AsNoTracking().Where(c => c.Id == clusterId).Select(c => c.ProtectedKubeconfig).FirstOrDefaultAsync()
            ?? throw new InvalidOperationException($"Cluster {clusterId} is not registered.");
        var config = KubeconfigReader.Read(vault.Unprotect(kubeconfig));
        return config.Succeeded
            ? Create(config.Value)
            : throw new InvalidOperationException(config.Problem!.Message);
    }

    private static ResiliencePipeline<HttpResponseMessage> Pipeline(ILogger logger) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException } => true,
                    { Exception: TimeoutException or Polly.Timeout.TimeoutRejectedException } => true,
                    { Result.StatusCode: HttpStatusCode.TooManyRequests } => true,
                    { Result.StatusCode: >= HttpStatusCode.InternalServerError } => true,
                    _ => false,
                }),
                OnRetry = args =>
                {
                    logger.LogDebug("Retrying a Kubernetes request after {Outcome} (attempt {Attempt})",
                        args.Outcome.Result?.StatusCode.ToString() ?? args.Outcome.Exception?.GetType().Name, args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(AttemptTimeout)
            .Build();

    public void Dispose()
    {
        foreach (var id in _clients.Keys)
            Forget(id);
    }
}

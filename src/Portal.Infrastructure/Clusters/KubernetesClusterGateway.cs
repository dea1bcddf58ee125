using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;
using Portal.Domain.Clusters;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// The cluster gateway on KubernetesClient. Failures come back as sentences a platform admin can act on.
/// </summary>
public sealed class KubernetesClusterGateway(KubernetesClients clients, IOptions<ClusterOptions> options)
    : IClusterGateway
{
    private TimeSpan ProbeDeadline => options.Value.ProbeTimeout;

    public async Task<Result<ClusterProbe>> ProbeAsync(string kubeconfig, CancellationToken ct)
    {
        var config = KubeconfigReader.Read(kubeconfig);
        if (!config.Succeeded)
            return config.Problem!;
        using var client = clients.Create(config.Value);
        return await VersionAsync(client, config.Value.Host, ct);
    }

    public async Task<Result<ClusterProbe>> CheckAsync(Guid clusterId, CancellationToken ct)
    {
        IKubernetes client;
        try
        {
            client = await clients.ForAsync(clusterId, ct);
        }
        catch (InvalidOperationException e)
        {
            return Problem.Invalid("Kubeconfig", e.Message);
        }
        return await VersionAsync(client, client.BaseUri.ToString(), ct);
    }

    public async Task<Result> SetUnschedulableAsync(
        Guid clusterId,
        string nodeName,
        bool unschedulable,
        CancellationToken ct
    )
    {
        try
        {
            var client = await clients.ForAsync(clusterId, ct);
            var body = new { spec = new { unschedulable } };
            var patch = new V1Patch(System.Text.Json.JsonSerializer.Serialize(body), V1Patch.PatchType.MergePatch);
            await client.CoreV1.PatchNodeAsync(patch, nodeName, cancellationToken: ct);
            return Result.Ok();
        }
        catch (Exception e) when (Explain(e, "the cluster") is { } problem)
        {
            return problem;
        }
    }

    public async Task<Result<IReadOnlyList<WorkloadCount>>> CountWorkloadsAsync(
        Guid clusterId,
        string @namespace,
        int firstOfEach,
        CancellationToken ct
    )
    {
        try
        {
            var client = await clients.ForAsync(clusterId, ct);
            // One page of each kind: the API server says how many are left (remainingItemCount), so a namespace of
            // thousands of pods costs what a few of them do, and the count is still the cluster's, not a cache's.
            var deployments = client.AppsV1.ListNamespacedDeploymentAsync(
                @namespace,
                limit: firstOfEach,
                cancellationToken: ct
            );
            var statefulSets = client.AppsV1.ListNamespacedStatefulSetAsync(
                @namespace,
                limit: firstOfEach,
                cancellationToken: ct
            );
            var jobs = client.BatchV1.ListNamespacedJobAsync(@namespace, limit: firstOfEach, cancellationToken: ct);
            var pods = client.CoreV1.ListNamespacedPodAsync(@namespace, limit: firstOfEach, cancellationToken: ct);
            await Task.WhenAll(deployments, statefulSets, jobs, pods);
            return new List<WorkloadCount>
            {
                Counted(
                    "Deployment",
                    (await deployments).Metadata,
                    (await deployments).Items.Select(d => new RunningWorkload(
                        "Deployment",
                        d.Metadata.Name,
                        d.Status?.ReadyReplicas ?? 0,
                        d.Spec?.Replicas ?? 1
                    ))
                ),
                Counted(
                    "StatefulSet",
                    (await statefulSets).Metadata,
                    (await statefulSets).Items.Select(s => new RunningWorkload(
                        "StatefulSet",
                        s.Metadata.Name,
                        s.Status?.ReadyReplicas ?? 0,
                        s.Spec?.Replicas ?? 1
                    ))
                ),
                Counted(
                    "Job",
                    (await jobs).Metadata,
                    (await jobs).Items.Select(j => new RunningWorkload(
                        "Job",
                        j.Metadata.Name,
                        j.Status?.Active ?? 0,
                        j.Spec?.Parallelism ?? 1,
                        j.Status?.CompletionTime is not null
                            || (j.Status?.Conditions ?? []).Any(c =>
                                c.Type is "Complete" or "Failed" && c.Status == "True"
                            )
                    ))
                ),
                Counted(
                    "Pod",
                    (await pods).Metadata,
                    (await pods).Items.Select(p => new RunningWorkload(
                        "Pod",
                        p.Metadata.Name,
                        (p.Status?.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True") ? 1 : 0,
                        1,
                        p.Status?.Phase is "Succeeded" or "Failed"
                    ))
                ),
            };
        }
        catch (Exception e) when (Explain(e, "the cluster") is { } problem)
        {
            return problem;
        }
    }

    /// <summary>
    /// A kind's first page and what the API server says is left; a server that does not count (selectors, versions
    /// before 1.15) leaves a floor.
    /// </summary>
    private static WorkloadCount Counted(string kind, V1ListMeta? list, IEnumerable<RunningWorkload> first)
    {
        var named = first.ToList();
        var remaining = list?.RemainingItemCount;
        var more = !string.IsNullOrEmpty(list?.ContinueProperty);
        var total = (int)Math.Min(int.MaxValue, named.Count + (remaining ?? 0));
        return new WorkloadCount(kind, total, more && remaining is null, named);
    }

    public async Task<Result<ClusterNamespace?>> FindNamespaceAsync(Guid clusterId, string name, CancellationToken ct)
    {
        IKubernetes client;
        try
        {
            client = await clients.ForAsync(clusterId, ct);
        }
        catch (InvalidOperationException e)
        {
            return Problem.Invalid("Kubeconfig", e.Message);
        }
        try
        {
            var found = await client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct);
            return new ClusterNamespace(
                found.Metadata.Name,
                new Dictionary<string, string>(found.Metadata.Labels ?? new Dictionary<string, string>()),
                found.Metadata.CreationTimestamp,
                found.Metadata.DeletionTimestamp is not null
            );
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return (ClusterNamespace?)null;
        }
        catch (Exception e) when (Explain(e, "the cluster") is { } problem)
        {
            return problem;
        }
    }

    public async Task<Result<IReadOnlyList<ClusterEvent>>> ListEventsAsync(
        Guid clusterId,
        string @namespace,
        CancellationToken ct
    )
    {
        try
        {
            var client = await clients.ForAsync(clusterId, ct);
            var events = await client.CoreV1.ListNamespacedEventAsync(@namespace, cancellationToken: ct);
            return events
                .Items.Select(e => new ClusterEvent(
                    e.Type ?? "Normal",
                    e.Reason ?? "",
                    e.Message ?? "",
                    e.InvolvedObject?.Kind ?? "",
                    e.InvolvedObject?.Name ?? "",
                    e.Count ?? 1,
                    e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp
                ))
                .OrderByDescending(e => e.LastSeen ?? DateTime.MinValue)
                .ToList();
        }
        catch (InvalidOperationException e)
        {
            return Problem.Invalid("Kubeconfig", e.Message);
        }
        catch (Exception e) when (Explain(e, "the cluster") is { } problem)
        {
            return problem;
        }
    }

    private async Task<Result<ClusterProbe>> VersionAsync(IKubernetes client, string server, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(ProbeDeadline);
        try
        {
            var version = await client.Version.GetCodeAsync(deadline.Token);
            return new ClusterProbe(server, version.GitVersion);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Problem.Invalid(
                "Kubeconfig",
                $"The API server at {server} did not answer within {ProbeDeadline.TotalSeconds:0} seconds."
            );
        }
        catch (Exception e) when (Explain(e, server) is { } problem)
        {
            return problem;
        }
    }

    /// <summary>
    /// Turns what went wrong on the way to an API server into a sentence; null for what is not about that.
    /// </summary>
    public static Problem? Explain(Exception e, string server) =>
        e switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } => Problem.Invalid(
                "Kubeconfig",
                $"The API server at {server} refused the kubeconfig's credentials (401 Unauthorized)."
            ),
            HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } => Problem.Invalid(
                "Kubeconfig",
                $"The kubeconfig's user may not do this on {server} (403 Forbidden)."
            ),
            HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } => Problem.NotFound(
                $"The object on {server}"
            ),
            HttpOperationException http => Problem.Invalid(
                "Kubeconfig",
                $"The API server at {server} answered {(int)http.Response.StatusCode} {http.Response.ReasonPhrase}."
            ),
            HttpRequestException { InnerException: AuthenticationException } => Problem.Invalid(
                "Kubeconfig",
                $"The certificate of {server} is not trusted by the kubeconfig's certificate authority."
            ),
            HttpRequestException { InnerException: SocketException socket } => Problem.Invalid(
                "Kubeconfig",
                $"The API server at {server} cannot be reached: {socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "the connection was refused",
                SocketError.HostNotFound or SocketError.NoData => "its host name is unknown",
                SocketError.TimedOut => "the connection timed out",
                _ => socket.Message,
            }}."
            ),
            HttpRequestException request => Problem.Invalid(
                "Kubeconfig",
                $"The API server at {server} cannot be reached: {request.Message}"
            ),
            Polly.Timeout.TimeoutRejectedException => Problem.Invalid(
                "Kubeconfig",
                $"The API server at {server} did not answer in time."
            ),
            _ => null,
        };
}

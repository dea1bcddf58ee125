using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Common;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Which log: a container of a pod of an application in an environment, its current instance or the one before a
/// restart.
/// </summary>
public sealed record PodLogRequest(
    string App,
    string Environment,
    string Pod,
    string? Container = null,
    bool Previous = false
);

/// <summary>
/// The logs of the tenant's pods, read from their cluster. A pod is reached only through an application of the tenant
/// in scope, deployed to one of its environments, and only when the watch saw it there with that application's name: a
/// pod of another application or tenant is "not found", whatever its name. Whatever a container prints, a read stays
/// within
/// <see cref="LogOptions"/>: so many bytes, lines of so many characters, and so many logs read at once per user and
/// tenant.
/// </summary>
public sealed class PodLogs(
    PortalDbContext db,
    KubernetesClients clients,
    TenantScope scope,
    LogReaders readers,
    IOptions<LogOptions> options
)
{
    public const int MaxLines = 5000;
    public const int DefaultLines = 500;

    private sealed record Target(Guid ClusterId, string Namespace, string Pod, string Container);

    /// <summary>
    /// The last lines of the log (at most <see cref="MaxLines"/>), as text: at most
    /// <see cref="LogOptions.MaxDownloadBytes"/>
    /// read, then a line says the log was cut.
    /// </summary>
    public async Task<Result<string>> TailAsync(PodLogRequest request, int lines, Caller reader, CancellationToken ct)
    {
        var target = await LocateAsync(request, ct);
        if (!target.Succeeded)
            return target.Problem!;
        var slot = readers.TryOpen(reader, scope.TenantId);
        if (!slot.Succeeded)
            return slot.Problem!;
        using var held = slot.Value;
        var (clusterId, ns, pod, container) = target.Value;
        var limits = options.Value;
        try
        {
            var client = await clients.ForAsync(clusterId, ct);
            var stream = await client.CoreV1.ReadNamespacedPodLogAsync(
                pod,
                ns,
                container: container,
                previous: request.Previous,
                tailLines: Math.Clamp(lines, 1, MaxLines),
                limitBytes: limits.MaxDownloadBytes,
                cancellationToken: ct
            );
            using var log = new LogLineReader(stream, limits.MaxDownloadBytes, limits.MaxLineLength);
            var text = new StringBuilder();
            while (await log.ReadLineAsync(ct) is { } line)
                text.Append(line).Append('\n');
            if (log.Exhausted)
                text.Append(
                    "[…log cut: the portal read at most "
                        + $"{Quantity.FormatBytes(limits.MaxDownloadBytes)} of it; ask for fewer "
                        + "lines to see its end]\n"
                );
            return text.ToString();
        }
        catch (Exception e) when (Explain(e, target.Value, request.Previous) is { } problem)
        {
            return problem;
        }
    }

    /// <summary>
    /// The log line by line: the last <paramref name="tailLines"/>, then each new one as the container writes it, until
    /// the caller stops, the container ends or <see cref="LogOptions.MaxStreamBytes"/> were read (a last line says so).
    /// The previous instance's log is finished, so it is read to its end. The request is made before answering, so that
    /// a refusal (no previous instance, a container not started yet, too many logs read at once) comes back as a
    /// problem rather than as a broken stream. The caller disposes the stream, which frees its place among the logs
    /// read at once.
    /// </summary>
    public async Task<Result<LogStream>> FollowAsync(
        PodLogRequest request,
        int tailLines,
        Caller reader,
        CancellationToken ct
    )
    {
        var target = await LocateAsync(request, ct);
        if (!target.Succeeded)
            return target.Problem!;
        var slot = readers.TryOpen(reader, scope.TenantId);
        if (!slot.Succeeded)
            return slot.Problem!;
        var (clusterId, ns, pod, container) = target.Value;
        var limits = options.Value;
        try
        {
            var client = await clients.ForAsync(clusterId, ct);
            var response = await client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync(
                pod,
                ns,
                container: container,
                follow: !request.Previous,
                previous: request.Previous,
                tailLines: Math.Clamp(tailLines, 0, MaxLines),
                limitBytes: limits.MaxStreamBytes,
                cancellationToken: ct
            );
            return new LogStream(response, slot.Value, limits);
        }
        catch (Exception e) when (Explain(e, target.Value, request.Previous) is { } problem)
        {
            slot.Value.Dispose();
            return problem;
        }
        catch
        {
            slot.Value.Dispose();
            throw;
        }
    }

    private async Task<Result<Target>> LocateAsync(PodLogRequest request, CancellationToken ct)
    {
        // Through the tenant's own rows: the workload (an application deployed to the environment, or a middleware
        // instance in it), the environment's pool, and the pod the watch saw in that namespace under the workload's
        // name.
        var applications =
            from a in db.Applications
            where a.Name == request.App
            join d in db.AppDeployments on a.Id equals d.ApplicationId
            select new { Name = a.Name, d.EnvironmentId };
        var instances =
            from i in db.MiddlewareInstances
            where i.Name == request.App
            select new { Name = i.Name, i.EnvironmentId };
        var found = await (
            from x in applications.Concat(instances)
            join e in db.Environments on x.EnvironmentId equals e.Id
            where e.Name == request.Environment
            join p in db.ResourcePools on e.PoolId equals p.Id
            join w in db.WorkloadPods
                on new
                {
                    p.ClusterId,
                    e.Namespace,
                    App = x.Name,
                } equals new
                {
                    w.ClusterId,
                    w.Namespace,
                    w.App,
                }
            where w.Name == request.Pod
            select new
            {
                p.ClusterId,
                e.Namespace,
                w.Containers,
            }
        )
            .AsNoTracking()
            .FirstOrDefaultAsync(ct);
        if (found is null)
            return Problem.NotFound($"Pod '{request.Pod}' of '{request.App}' in environment '{request.Environment}'");
        var containers = found.Containers.Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (string.IsNullOrEmpty(request.Container))
        {
            return containers.Length == 0
                ? Problem.Conflict($"Pod '{request.Pod}' has no container yet.")
                : new Target(found.ClusterId, found.Namespace, request.Pod, containers[0]);
        }

        return containers.Contains(request.Container, StringComparer.Ordinal)
            ? new Target(found.ClusterId, found.Namespace, request.Pod, request.Container)
            : Problem.Invalid(
                "Container",
                $"Pod '{request.Pod}' has no container '{request.Container}'; it has {string.Join(", ", containers)}."
            );
    }

    /// <summary>
    /// What the kubelet says when it has no log to give, in words; null for what is not about the log.
    /// </summary>
    private static Problem? Explain(Exception e, Target target, bool previous)
    {
        if (e is HttpOperationException { Response.StatusCode: HttpStatusCode.BadRequest } refused)
        {
            var said = StatusMessage(refused.Response.Content);
            if (previous && said?.Contains("previous terminated container", StringComparison.Ordinal) != false)
            {
                return Problem.Conflict(
                    $"Container '{target.Container}' of pod '{target.Pod}' has no previous "
                        + "instance: it has not restarted since the pod started."
                );
            }

            return Problem.Conflict(
                $"The log of container '{target.Container}' of pod '{target.Pod}' cannot "
                    + $"be read now: {said ?? "the cluster refused"}."
            );
        }
        if (e is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound })
            return Problem.NotFound($"Pod '{target.Pod}' (it is gone from the cluster)");
        if (e is InvalidOperationException)
            return Problem.Conflict($"The cluster of pod '{target.Pod}' cannot be reached: {e.Message}");
        return KubernetesClusterGateway.Explain(e, "the cluster");
    }

    /// <summary>The message of a Kubernetes <c>Status</c> body, when the answer is one.</summary>
    private static string? StatusMessage(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
            return null;
        try
        {
            using var status = JsonDocument.Parse(content);
            return
                status.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                ? message.GetString()?.TrimEnd('.')
                : null;
        }
        catch (JsonException)
        {
            return content.Length > 300 ? content[..300] : content;
        }
    }
}

/// <summary>
/// A log being followed, line by line within <see cref="LogOptions"/>; disposing it ends the request to the cluster and
/// frees its place among the logs read at once.
/// </summary>
public sealed class LogStream(HttpOperationResponse<Stream> response, IDisposable slot, LogOptions limits)
    : IAsyncEnumerable<string>,
        IAsyncDisposable
{
    private int _disposed;

    public async IAsyncEnumerator<string> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        using var log = new LogLineReader(response.Body, limits.MaxStreamBytes, limits.MaxLineLength);
        while (await ReadLineAsync(log, cancellationToken) is { } line)
            yield return line;
        if (log.Exhausted)
            yield return "[…the portal stopped this live tail after "
                + $"{Quantity.FormatBytes(limits.MaxStreamBytes)}; start it again to go "
                + "on]";
    }

    // Stopping (the browser left, the caller cancelled) ends the lines; it is not an error.
    private static async Task<string?> ReadLineAsync(LogLineReader log, CancellationToken ct)
    {
        try
        {
            return await log.ReadLineAsync(ct);
        }
        catch (Exception e)
            when (ct.IsCancellationRequested
                && e is OperationCanceledException or IOException or ObjectDisposedException
            )
        {
            return null;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            response.Dispose();
            slot.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}

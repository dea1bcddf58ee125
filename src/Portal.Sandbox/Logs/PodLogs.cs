using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Hosting;
using Portal.Sandbox.Metrics;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Logs;

/// <summary>
/// Generated container logs: one deterministic line per <see cref="SandboxOptions.LogLineInterval"/> since the
/// container started, so tail, follow and timestamps behave like the kubelet's log endpoint.
/// </summary>
internal sealed class PodLogs(ResourceStore store, SandboxOptions options, TimeProvider time)
{
    private const int MaxLines = 5000;

    private static readonly string[] Paths = ["/api/orders", "/api/customers", "/api/items", "/healthz", "/metrics", "/api/cart", "/api/search"];
    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];

    public async Task WriteAsync(HttpContext context, StoredObject podObject)
    {
        var query = context.Request.Query;
        var pod = podObject.Parse();
        var containers = pod.Arr("spec", "containers").Objects().Select(c => c.Str("name")!).ToList();
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            if (containers.Count != 1)
            {
                throw ApiException.BadRequest($"a container name must be specified for pod {podObject.Name}, choose one of: [{string.Join(" ", containers)}]");
            }
            container = containers[0];
        }
        if (!containers.Contains(container))
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {podObject.Name}");
        }
        var previous = query["previous"] == "true";
        var timestamps = query["timestamps"] == "true";
        var follow = query["follow"] == "true" && !previous;
        int? tail = int.TryParse(query["tailLines"], out var t) && t >= 0 ? t : null;
        var status = pod.Arr("status", "containerStatuses").Objects().FirstOrDefault(s => s.Str("name") == container);

        DateTimeOffset start;
        DateTimeOffset? end = null;
        var crashes = false;
        if (previous)
        {
            var last = status.Obj("lastState", "terminated")
                ?? throw ApiException.BadRequest($"previous terminated container \"{container}\" in pod \"{podObject.Name}\" not found");
            start = Clock.Parse(last.Str("startedAt")) ?? time.GetUtcNow();
            end = Clock.Parse(last.Str("finishedAt")) ?? time.GetUtcNow();
            crashes = last.Long("exitCode") is not 0;
        }
        else if (status.Obj("state", "running") is { } running)
        {
            start = Clock.Parse(running.Str("startedAt")) ?? time.GetUtcNow();
        }
        else if (status.Obj("state", "terminated") is { } terminated)
        {
            start = Clock.Parse(terminated.Str("startedAt")) ?? time.GetUtcNow();
            end = Clock.Parse(terminated.Str("finishedAt"));
            crashes = terminated.Long("exitCode") is not 0;
            follow = false;
        }
        else if (status.Obj("state", "waiting") is { } waiting && waiting.Str("reason") == "CrashLoopBackOff" && status.Obj("lastState", "terminated") is { } crashed)
        {
            start = Clock.Parse(crashed.Str("startedAt")) ?? time.GetUtcNow();
            end = Clock.Parse(crashed.Str("finishedAt"));
            crashes = true;
            follow = false;
        }
        else
        {
            var reason = status.Str("state", "waiting", "reason") ?? "ContainerCreating";
            var message = reason is "ErrImagePull" or "ImagePullBackOff"
                ? $"container \"{container}\" in pod \"{podObject.Name}\" is waiting to start: trying and failing to pull image"
                : $"container \"{container}\" in pod \"{podObject.Name}\" is waiting to start: {reason}";
            throw ApiException.BadRequest(message);
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        var seed = UsageModel.StableHash(podObject.Uid + "/" + container);
        var interval = options.LogLineInterval <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : options.LogLineInterval;
        var now = end ?? time.GetUtcNow();
        var count = (int)Math.Min(MaxLines, Math.Max(1, (now - start) / interval + 1));
        var first = tail is { } tailLines ? Math.Max(0, count - tailLines) : 0;
        var builder = new StringBuilder();
        for (var i = first; i < count; i++)
        {
            builder.Append(Line(start, interval, seed, i, timestamps, podObject.Name, container));
        }
        if (crashes && (tail is null || tail > 0))
        {
            builder.Append(Prefix(end ?? now, timestamps)).Append("FATAL unable to connect to database at db:5432: connection refused\n");
        }
        await context.Response.WriteAsync(builder.ToString(), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        if (!follow)
        {
            return;
        }
        var next = count;
        try
        {
            while (!context.RequestAborted.IsCancellationRequested)
            {
                var due = start + interval * next;
                var wait = due - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, context.RequestAborted);
                }
                var current = store.Get(ResourceKinds.Pod, podObject.Namespace, podObject.Name);
                if (current is null || current.Uid != podObject.Uid || current.Phase is "Succeeded" or "Failed")
                {
                    return;
                }
                await context.Response.WriteAsync(Line(start, interval, seed, next, timestamps, podObject.Name, container), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                next++;
            }
        }
        catch (OperationCanceledException)
        {
            // The client stopped following.
        }
    }

    private static string Prefix(DateTimeOffset at, bool timestamps) =>
        timestamps ? Clock.Nano(at) + " " : "";

    private static string Line(DateTimeOffset start, TimeSpan interval, uint seed, int index, bool timestamps, string pod, string container)
    {
        var at = start + interval * index;
        var appTime = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var h = UsageModel.StableHash($"{seed}:{index}");
        var text = index switch
        {
            0 => $"INFO  starting {container} (pod {pod}) version 1.{seed % 9}.{seed % 23}",
            1 => "INFO  listening on :8080",
            2 => "INFO  connected to database db:5432",
            _ when h % 17 == 0 => $"WARN  slow request {Paths[h % (uint)Paths.Length]} took {300 + h % 900}ms",
            _ when h % 11 == 0 => $"INFO  cache refreshed in {5 + h % 40}ms ({100 + h % 5000} entries)",
            _ => $"INFO  {Methods[h % (uint)Methods.Length]} {Paths[(h >> 3) % (uint)Paths.Length]} {(h % 29 == 0 ? 500 : h % 7 == 0 ? 404 : 200)} {1 + h % 120}ms",
        };
        return $"{Prefix(at, timestamps)}{appTime} {text}\n";
    }
}

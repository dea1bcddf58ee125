using System.Globalization;
using System.Text;
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

    private static readonly string[] Paths =
    [
        "/api/orders",
        "/api/customers",
        "/api/items",
        "/healthz",
        "/metrics",
        "/api/cart",
        "/api/search",
    ];
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
                throw ApiException.BadRequest(
                    $"a container name must be specified for pod {podObject.Name}, choose "
                        + $"one of: [{string.Join(" ", containers)}]"
                );
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
                ?? throw ApiException.BadRequest(
                    $"previous terminated container \"{container}\" in pod \"{podObject.Name}\" not found"
                );
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
        else if (
            status.Obj("state", "waiting") is { } waiting
            && waiting.Str("reason") == "CrashLoopBackOff"
            && status.Obj("lastState", "terminated") is { } crashed
        )
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
                ? $"container \"{container}\" in pod \"{podObject.Name}\" is waiting to "
                    + "start: trying and failing to pull image"
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
        var image = pod.Arr("spec", "containers").Objects().FirstOrDefault(c => c.Str("name") == container).Str("image")
            ?? "";
        var output = new LogOutput(
            context,
            long.TryParse(query["limitBytes"], out var limit) && limit > 0 ? limit : long.MaxValue,
            HugeLineBytes(image)
        );
        try
        {
            for (var i = first; i < count && !output.Full; i++)
            {
                await output.WriteLineAsync(start, interval, seed, i, timestamps, podObject.Name, container);
            }
            if (crashes && (tail is null || tail > 0))
            {
                await output.WriteAsync(
                    Prefix(end ?? now, timestamps)
                        + "FATAL unable to connect to database at db:5432: connection refused\n"
                );
            }
            await output.FlushAsync();
            if (!follow)
            {
                return;
            }
            for (var next = count; !context.RequestAborted.IsCancellationRequested && !output.Full; next++)
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
                await output.WriteLineAsync(start, interval, seed, next, timestamps, podObject.Name, container);
                await output.FlushAsync();
            }
        }
        catch (Exception e)
            when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            // The client stopped reading or following.
        }
    }

    /// <summary>
    /// How long the one huge line of a container whose image names "hugeline" is: the image's tag read as a quantity
    /// ("hugeline:64Mi"), else 1 GiB; 0 for other images.
    /// </summary>
    private static long HugeLineBytes(string image)
    {
        if (!image.Contains("hugeline", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }
        var name = image[(image.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon >= 0 && Quantity.TryParse(name[(colon + 1)..], out var size) && size.IntegerValue > 0
            ? size.IntegerValue
            : 1L << 30;
    }

    /// <summary>
    /// Writes a log to the response as the kubelet does: no more than <c>limitBytes</c> when asked, and a container's
    /// second line of <c>hugeBytes</c> written piece by piece, as a process printing without a line break would.
    /// </summary>
    private sealed class LogOutput(HttpContext context, long limit, long hugeBytes)
    {
        private const int Chunk = 64 * 1024;
        private readonly MemoryStream _pending = new();
        private long _written;

        public bool Full => _written >= limit;

        public async Task WriteLineAsync(
            DateTimeOffset start,
            TimeSpan interval,
            uint seed,
            int index,
            bool timestamps,
            string pod,
            string container
        )
        {
            if (hugeBytes == 0 || index != 1)
            {
                await WriteAsync(Line(start, interval, seed, index, timestamps, pod, container));
                return;
            }
            await WriteAsync(Prefix(start + interval, timestamps) + "DEBUG dump ");
            var piece = new string('x', Chunk);
            for (var left = hugeBytes; left > 0 && !Full; left -= Chunk)
            {
                await WriteAsync(left >= Chunk ? piece : piece[..(int)left]);
            }
            await WriteAsync("\n");
        }

        public async Task WriteAsync(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var count = (int)Math.Min(bytes.Length, limit - _written);
            if (count <= 0)
            {
                return;
            }
            _pending.Write(bytes, 0, count);
            _written += count;
            if (_pending.Length >= Chunk)
            {
                await FlushAsync();
            }
        }

        public async Task FlushAsync()
        {
            if (_pending.Length > 0)
            {
                await context.Response.Body.WriteAsync(
                    _pending.GetBuffer().AsMemory(0, (int)_pending.Length),
                    context.RequestAborted
                );
                _pending.SetLength(0);
            }
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static string Prefix(DateTimeOffset at, bool timestamps) => timestamps ? Clock.Nano(at) + " " : "";

    private static string Line(
        DateTimeOffset start,
        TimeSpan interval,
        uint seed,
        int index,
        bool timestamps,
        string pod,
        string container
    )
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
            _ => $"INFO  {Methods[h % (uint)Methods.Length]} "
                + $"{Paths[(h >> 3) % (uint)Paths.Length]} "
                + $"{(h % 29 == 0 ? 500 : h % 7 == 0 ? 404 : 200)} {1 + h % 120}ms",
        };
        return $"{Prefix(at, timestamps)}{appTime} {text}\n";
    }
}

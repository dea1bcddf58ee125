using System.Text.Json.Nodes;
using Portal.Sandbox.Common;

namespace Portal.Sandbox.Metrics;

/// <summary>
/// Simulated resource usage: a share of each container's requests that drifts slowly over ten minutes, so
/// metrics look alive and the HPA has something to act on. The pod annotation
/// <see cref="CpuUtilizationAnnotation"/> pins the CPU share (percent of requests) for tests and demos.
/// </summary>
public sealed class UsageModel(TimeProvider time)
{
    public const string CpuUtilizationAnnotation = "sandbox.portal.dev/cpu-utilization";

    private const long DefaultCpuRequestMilli = 100;
    private const long DefaultMemoryRequestBytes = 128L * 1024 * 1024;

    public IEnumerable<(string Container, long CpuNano, long MemoryBytes)> Containers(JsonObject pod)
    {
        var uid = pod.Str("metadata", "uid") ?? "";
        var pinned = PinnedUtilization(pod.Obj("metadata", "annotations"));
        var minutes = time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000.0;
        foreach (var container in pod.Arr("spec", "containers").Objects())
        {
            var name = container.Str("name") ?? "";
            var phase = (StableHash(uid + "/" + name) % 1000) / 1000.0 * 2 * Math.PI;
            var cpuRequest = Quantity.TryParse(container.Str("resources", "requests", "cpu"), out var c)
                ? c.MilliValue
                : DefaultCpuRequestMilli;
            var memoryRequest = Quantity.TryParse(container.Str("resources", "requests", "memory"), out var m)
                ? m.IntegerValue
                : DefaultMemoryRequestBytes;
            var cpuShare = pinned ?? 0.35 + 0.2 * Math.Sin(2 * Math.PI * minutes / 10 + phase);
            var memoryShare = 0.55 + 0.1 * Math.Sin(2 * Math.PI * minutes / 30 + phase);
            yield return (name, (long)(cpuRequest * 1_000_000 * cpuShare), (long)(memoryRequest * memoryShare));
        }
    }

    /// <summary>CPU usage as a percentage of requests, the figure an HPA with averageUtilization compares.</summary>
    public double CpuUtilizationPercent(JsonObject pod)
    {
        var requested = pod.Arr("spec", "containers")
            .Objects()
            .Sum(c =>
                Quantity.TryParse(c.Str("resources", "requests", "cpu"), out var q)
                    ? q.MilliValue
                    : DefaultCpuRequestMilli
            );
        var used = Containers(pod).Sum(c => c.CpuNano) / 1_000_000.0;
        return requested == 0 ? 0 : used * 100 / requested;
    }

    public static double? PinnedUtilization(JsonObject? annotations) =>
        double.TryParse(
            annotations.Str(CpuUtilizationAnnotation),
            System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture,
            out var percent
        )
            ? percent / 100
            : null;

    internal static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var ch in text)
        {
            hash = (hash ^ ch) * 16777619u;
        }
        return hash;
    }
}

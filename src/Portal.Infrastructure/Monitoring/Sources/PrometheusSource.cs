using System.Globalization;
using System.Text.Json;

namespace Portal.Infrastructure.Monitoring.Sources;

/// <summary>
/// Usage from a Prometheus that scrapes the cluster, through its instant-query HTTP API. The queries use the metric
/// names cAdvisor (built into every kubelet) exports, so any Prometheus that scrapes the kubelets' /metrics/cadvisor
/// answers them.
/// </summary>
public sealed class PrometheusSource(HttpClient http, string baseUrl) : IMetricsSource
{
    /// <summary>
    /// The named <see cref="HttpClient"/> of <see cref="IHttpClientFactory"/> that Prometheus is asked through.
    /// </summary>
    public const string HttpClientName = "prometheus";

    // cAdvisor: the root cgroup (id="/") is the whole node, so its usage is the node's.
    public const string NodeCpuMillisQuery =
        """sum by (node) (rate(container_cpu_usage_seconds_total{id="/"}[5m])) * 1000""";

    // cAdvisor: working set is what the kubelet evicts on and what metrics-server reports as memory usage.
    public const string NodeMemoryBytesQuery = """sum by (node) (container_memory_working_set_bytes{id="/"})""";

    // cAdvisor: per-container series (container!="") leave out the pod's sandbox and its cgroup total, which would
    // count twice.
    public const string PodCpuMillisQuery =
        """sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",pod!=""}[5m])) * 1000""";

    // cAdvisor: as for CPU, the containers' series only.
    public const string PodMemoryBytesQuery =
        """sum by (namespace, pod) (container_memory_working_set_bytes{container!="",pod!=""})""";

    public string BaseUrl { get; } = baseUrl.TrimEnd('/');

    public async Task<UsageReading> ReadAsync(Guid clusterId, CancellationToken ct)
    {
        var nodeCpu = QueryAsync(NodeCpuMillisQuery, ct);
        var nodeMemory = QueryAsync(NodeMemoryBytesQuery, ct);
        var podCpu = QueryAsync(PodCpuMillisQuery, ct);
        var podMemory = QueryAsync(PodMemoryBytesQuery, ct);
        await Task.WhenAll(nodeCpu, nodeMemory, podCpu, podMemory);

        var nodes = Join(await nodeCpu, await nodeMemory, sample => sample.Label("node"))
            .Select(n => new NodeUsage(n.Key, n.Cpu, n.Memory));
        var pods = Join(await podCpu, await podMemory, sample =>
                sample.Label("namespace") is { } ns && sample.Label("pod") is { } pod ? new PodName(ns, pod) : null
            )
            .Select(p => new PodUsage(p.Key.Namespace, p.Key.Pod, p.Cpu, p.Memory));
        return new UsageReading(
            nodes.OrderBy(n => n.Node, StringComparer.Ordinal).ToList(),
            pods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Pod, StringComparer.Ordinal).ToList()
        );
    }

    /// <summary>
    /// CPU and memory of the same node or pod side by side; one that only one query knows gets 0 for the other.
    /// </summary>
    private static IEnumerable<(TKey Key, long Cpu, long Memory)> Join<TKey>(
        IReadOnlyList<Sample> cpu,
        IReadOnlyList<Sample> memory,
        Func<Sample, TKey?> key
    )
        where TKey : class
    {
        var joined = new Dictionary<TKey, (long Cpu, long Memory)>();
        foreach (var sample in cpu)
        {
            if (key(sample) is { } k)
                joined[k] = (sample.Whole, joined.GetValueOrDefault(k).Memory);
        }
        foreach (var sample in memory)
        {
            if (key(sample) is { } k)
                joined[k] = (joined.GetValueOrDefault(k).Cpu, sample.Whole);
        }
        return joined.Select(j => (j.Key, j.Value.Cpu, j.Value.Memory));
    }

    private async Task<IReadOnlyList<Sample>> QueryAsync(string query, CancellationToken ct)
    {
        var url = $"{BaseUrl}/api/v1/query?query={Uri.EscapeDataString(query)}";
        HttpResponseMessage response;
        string body;
        try
        {
            response = await http.GetAsync(url, ct);
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception e)
            when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // A timed-out request is cancelled too; it is the source failing, not the caller giving up.
            throw new MetricsSourceException(
                $"Prometheus at {BaseUrl} did not answer the query '{query}': {e.Message}",
                e
            );
        }
        using (response)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                // The body is not repeated: whatever answered may not be a Prometheus, and its page is not ours to
                // show.
                throw new MetricsSourceException(
                    $"Prometheus at {BaseUrl} answered the query '{query}' with HTTP "
                        + $"{(int)response.StatusCode} and no Prometheus API response."
                );
            }
            using (document)
            {
                var root = document.RootElement;
                if (!response.IsSuccessStatusCode || Text(root, "status") != "success")
                    throw new MetricsSourceException(
                        $"Prometheus at {BaseUrl} refused the query '{query}' (HTTP "
                            + $"{(int)response.StatusCode}, {ErrorOf(root)}"
                    );
                if (
                    !root.TryGetProperty("data", out var data)
                    || Text(data, "resultType") != "vector"
                    || !data.TryGetProperty("result", out var result)
                    || result.ValueKind != JsonValueKind.Array
                )
                {
                    throw new MetricsSourceException(
                        $"Prometheus at {BaseUrl} answered the query '{query}' with something "
                            + "other than an instant vector."
                    );
                }

                return result.EnumerateArray().Select(Sample.Read).OfType<Sample>().ToList();
            }
        }
    }

    private sealed record PodName(string Namespace, string Pod);

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(property, out var value)
        && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>
    /// The error type and error of a Prometheus API error response ("status": "error"), the error shortened; of any
    /// other answer, nothing: its body is not repeated.
    /// </summary>
    private static string ErrorOf(JsonElement root) =>
        Text(root, "status") == "error" && Text(root, "errorType") is { } type
            ? $"{type}): "
                + (
                    Text(root, "error") is { } error
                        ? error.Length <= 200
                            ? error
                            : error[..200] + "…"
                        : "no error given"
                )
            : "not a Prometheus API error).";

    /// <summary>
    /// One series of an instant vector: its labels and its value, which is finite (NaN and ±Inf are left out).
    /// </summary>
    private sealed record Sample(IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public long Whole => (long)Math.Round(Value, MidpointRounding.AwayFromZero);

        public string? Label(string name) => Labels.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

        public static Sample? Read(JsonElement series)
        {
            if (
                !series.TryGetProperty("value", out var pair)
                || pair.ValueKind != JsonValueKind.Array
                || pair.GetArrayLength() != 2
                || pair[1].ValueKind != JsonValueKind.String
                || !double.TryParse(
                    pair[1].GetString(),
                    NumberStyles.Float,
                    CultureInfo.InvariantCulture,
                    out var value
                )
                || !double.IsFinite(value)
            )
            {
                return null;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (series.TryGetProperty("metric", out var metric) && metric.ValueKind == JsonValueKind.Object)
            {
                foreach (var label in metric.EnumerateObject())
                {
                    if (label.Value.ValueKind == JsonValueKind.String)
                        labels[label.Name] = label.Value.GetString()!;
                }
            }
            return new Sample(labels, value);
        }
    }
}

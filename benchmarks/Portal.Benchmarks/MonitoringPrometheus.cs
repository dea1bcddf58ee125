using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Infrastructure.Monitoring.Sources;

namespace Portal.Benchmarks;

/// <summary>
/// A Prometheus stand-in on loopback (Kestrel) answering the instant queries <see cref="PrometheusSource"/> sends, at
/// <c>/c{cluster}/api/v1/query</c>, for the nodes and running pods of each cluster; the values move with
/// <see cref="Tick"/>
/// so that every sampling sees new usage, as it would in a real cluster.
/// </summary>
internal sealed class MonitoringPrometheus : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(List<string> Nodes, List<(string Namespace, string Pod)> Pods)> _clusters;

    private MonitoringPrometheus(
        WebApplication app,
        List<(List<string> Nodes, List<(string Namespace, string Pod)> Pods)> clusters
    )
    {
        _app = app;
        _clusters = clusters;
    }

    public string BaseUrl { get; private set; } = "";

    public int Tick { get; set; }

    private long _queries;

    public long Queries => Interlocked.Read(ref _queries);

    public string UrlOf(int cluster) => $"{BaseUrl}/c{cluster}";

    public static async Task<MonitoringPrometheus> StartAsync(
        List<(List<string> Nodes, List<(string Namespace, string Pod)> Pods)> clusters,
        CancellationToken ct
    )
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var prometheus = new MonitoringPrometheus(app, clusters);
        app.MapGet("/c{cluster:int}/api/v1/query", (int cluster, string query) => prometheus.Answer(cluster, query));
        await app.StartAsync(ct);
        prometheus.BaseUrl = app
            .Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.First()
            .TrimEnd('/');
        return prometheus;
    }

    private IResult Answer(int cluster, string query)
    {
        Interlocked.Increment(ref _queries);
        if (cluster < 0 || cluster >= _clusters.Count)
            return Results.NotFound();
        var (nodes, pods) = _clusters[cluster];
        var json = new StringBuilder(pods.Count * 120);
        json.Append("""{"status":"success","data":{"resultType":"vector","result":[""");
        var time = (1_700_000_000 + Tick * 60).ToString(CultureInfo.InvariantCulture);
        var first = true;
        void Series(string labels, double value)
        {
            if (!first)
                json.Append(',');
            first = false;
            json.Append("{\"metric\":{")
                .Append(labels)
                .Append("},\"value\":[")
                .Append(time)
                .Append(",\"")
                .Append(value.ToString("R", CultureInfo.InvariantCulture))
                .Append("\"]}");
        }
        switch (query)
        {
            case PrometheusSource.NodeCpuMillisQuery:
                for (var i = 0; i < nodes.Count; i++)
                    Series($"\"node\":\"{nodes[i]}\"", 4000 + (i * 37 + Tick * 11) % 20000 + 0.25);
                break;
            case PrometheusSource.NodeMemoryBytesQuery:
                for (var i = 0; i < nodes.Count; i++)
                    Series($"\"node\":\"{nodes[i]}\"", (16L << 30) + (i * 7919L + Tick * 104729L) % (64L << 30));
                break;
            case PrometheusSource.PodCpuMillisQuery:
                for (var i = 0; i < pods.Count; i++)
                    Series(
                        $"\"namespace\":\"{pods[i].Namespace}\",\"pod\":\"{pods[i].Pod}\"",
                        5 + (i * 13 + Tick * 7) % 90 + 0.4
                    );
                break;
            case PrometheusSource.PodMemoryBytesQuery:
                for (var i = 0; i < pods.Count; i++)
                    Series(
                        $"\"namespace\":\"{pods[i].Namespace}\",\"pod\":\"{pods[i].Pod}\"",
                        (40L << 20) + (i * 7919L + Tick * 65537L) % (80L << 20)
                    );
                break;
            default:
                return Results.Json(
                    new
                    {
                        status = "error",
                        errorType = "bad_data",
                        error = "unknown query",
                    },
                    statusCode: 400
                );
        }
        json.Append("]}}");
        return Results.Text(json.ToString(), "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

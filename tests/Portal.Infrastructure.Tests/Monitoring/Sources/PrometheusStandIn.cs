using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Infrastructure.Tests.Monitoring.Sources;

/// <summary>
/// A Prometheus on loopback that answers instant queries from canned vectors, one per exact query text. Any other query
/// is answered as Prometheus answers a query it cannot parse (400, bad_data), so a changed query fails the test that
/// asks it.
/// </summary>
public sealed class PrometheusStandIn : IAsyncDisposable
{
    // The queries the portal is meant to ask, written out here rather than taken from PrometheusSource, so that
    // changing one there fails the tests until it is changed here too, on purpose.
    public const string NodeCpuMillis =
        """sum by (node) (rate(container_cpu_usage_seconds_total{id="/"}[5m])) * 1000""";
    public const string NodeMemoryBytes = """sum by (node) (container_memory_working_set_bytes{id="/"})""";
    public const string PodCpuMillis =
        """sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",pod!=""}[5m])) * 1000""";
    public const string PodMemoryBytes =
        """sum by (namespace, pod) (container_memory_working_set_bytes{container!="",pod!=""})""";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _answers = new(StringComparer.Ordinal);

    public string Address { get; private set; } = "";

    /// <summary>The query texts asked, in order of arrival.</summary>
    public ConcurrentQueue<string> Asked { get; } = new();

    private PrometheusStandIn(WebApplication app) => _app = app;

    public static async Task<PrometheusStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var prometheus = new PrometheusStandIn(app);
        app.MapGet("/api/v1/query", prometheus.AnswerAsync);
        await app.StartAsync();
        prometheus.Address = app
            .Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        return prometheus;
    }

    /// <summary>
    /// Answers the query with an instant vector of these series: their labels and the value as Prometheus writes it
    /// ("1.5", "NaN").
    /// </summary>
    public PrometheusStandIn Answer(string query, params (Dictionary<string, string> Labels, string Value)[] series)
    {
        var result = new JsonArray([
            .. series.Select(s => new JsonObject
            {
                ["metric"] = new JsonObject([.. s.Labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]),
                ["value"] = new JsonArray(1764093600.123, s.Value),
            }),
        ]);
        _answers[query] = context =>
            Write(
                context,
                200,
                new JsonObject
                {
                    ["status"] = "success",
                    ["data"] = new JsonObject { ["resultType"] = "vector", ["result"] = result },
                }
            );
        return this;
    }

    /// <summary>Refuses the query the way Prometheus refuses one that fails to run.</summary>
    public PrometheusStandIn Refuse(string query, int status, string errorType, string error)
    {
        _answers[query] = context => Write(context, status, Error(errorType, error));
        return this;
    }

    /// <summary>Answers the query some other way, such as slowly or with a proxy's error page.</summary>
    public PrometheusStandIn Answer(string query, Func<HttpContext, Task> answer)
    {
        _answers[query] = answer;
        return this;
    }

    private Task AnswerAsync(HttpContext context)
    {
        var query = context.Request.Query["query"].ToString();
        Asked.Enqueue(query);
        if (query.Length == 0)
            return Write(
                context,
                400,
                Error(
                    "bad_data",
                    "invalid parameter \"query\": unknown position: parse error: no expression found in input"
                )
            );
        return _answers.TryGetValue(query, out var answer)
            ? answer(context)
            : Write(
                context,
                400,
                Error("bad_data", $"invalid parameter \"query\": the stand-in has no answer for: {query}")
            );
    }

    private static JsonObject Error(string errorType, string error) =>
        new()
        {
            ["status"] = "error",
            ["errorType"] = errorType,
            ["error"] = error,
        };

    private static Task Write(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

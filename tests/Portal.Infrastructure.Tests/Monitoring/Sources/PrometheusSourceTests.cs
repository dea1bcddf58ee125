using Microsoft.AspNetCore.Http;
using Portal.Infrastructure.Monitoring.Sources;

namespace Portal.Infrastructure.Tests.Monitoring.Sources;

/// <summary>
/// Usage read from a Prometheus's instant-query API, against a stand-in that knows only the queries it was given.
/// </summary>
public sealed class PrometheusSourceTests : IAsyncLifetime
{
    private PrometheusStandIn _prometheus = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync() => _prometheus = await PrometheusStandIn.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _prometheus.DisposeAsync();
    }

    private PrometheusSource Source(HttpClient? http = null) => new(http ?? _http, _prometheus.Address + "/");

    private static Dictionary<string, string> Node(string name) => new() { ["node"] = name };

    private static Dictionary<string, string> Pod(string ns, string name) =>
        new() { ["namespace"] = ns, ["pod"] = name };

    private PrometheusStandIn AnswerAllFourWithNothing() =>
        _prometheus
            .Answer(PrometheusStandIn.NodeCpuMillis)
            .Answer(PrometheusStandIn.NodeMemoryBytes)
            .Answer(PrometheusStandIn.PodCpuMillis)
            .Answer(PrometheusStandIn.PodMemoryBytes);

    [Fact]
    public async Task Nodes_and_pods_get_their_cpu_in_millicores_and_memory_in_bytes()
    {
        _prometheus
            .Answer(PrometheusStandIn.NodeCpuMillis, (Node("node-a"), "412.6"), (Node("node-b"), "150"))
            .Answer(
                PrometheusStandIn.NodeMemoryBytes,
                (Node("node-a"), "2147483648"),
                (Node("node-b"), "1.073741824e+09")
            )
            .Answer(PrometheusStandIn.PodCpuMillis, (Pod("shop", "web-1"), "249.5"), (Pod("kube-system", "dns-0"), "3"))
            .Answer(
                PrometheusStandIn.PodMemoryBytes,
                (Pod("shop", "web-1"), "268435456"),
                (Pod("kube-system", "dns-0"), "20971520")
            );

        var reading = await Source().ReadAsync(Guid.NewGuid(), default);

        Assert.Equal([new NodeUsage("node-a", 413, 2L << 30), new NodeUsage("node-b", 150, 1L << 30)], reading.Nodes);
        Assert.Equal(
            [new PodUsage("kube-system", "dns-0", 3, 20L << 20), new PodUsage("shop", "web-1", 250, 256L << 20)],
            reading.Pods
        );
    }

    [Fact]
    public async Task The_four_queries_are_asked_at_once()
    {
        var arrived = 0;
        var allArrived = new TaskCompletionSource();
        Func<HttpContext, Task> holdUntilAllArrive = async context =>
        {
            if (Interlocked.Increment(ref arrived) == 4)
                allArrived.SetResult();
            await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(5));
            await context.Response.WriteAsync("""{"status":"success","data":{"resultType":"vector","result":[]}}""");
        };
        _prometheus
            .Answer(PrometheusStandIn.NodeCpuMillis, holdUntilAllArrive)
            .Answer(PrometheusStandIn.NodeMemoryBytes, holdUntilAllArrive)
            .Answer(PrometheusStandIn.PodCpuMillis, holdUntilAllArrive)
            .Answer(PrometheusStandIn.PodMemoryBytes, holdUntilAllArrive);

        var reading = await Source().ReadAsync(Guid.NewGuid(), default);

        Assert.Empty(reading.Nodes);
        Assert.Equal(4, arrived);
    }

    [Fact]
    public async Task Values_that_are_not_numbers_are_left_out()
    {
        AnswerAllFourWithNothing()
            .Answer(
                PrometheusStandIn.NodeCpuMillis,
                (Node("node-a"), "NaN"),
                (Node("node-b"), "+Inf"),
                (Node("node-c"), "75")
            )
            .Answer(PrometheusStandIn.PodMemoryBytes, (Pod("shop", "web-1"), "-Inf"));

        var reading = await Source().ReadAsync(Guid.NewGuid(), default);

        Assert.Equal([new NodeUsage("node-c", 75, 0)], reading.Nodes);
        Assert.Empty(reading.Pods);
    }

    [Fact]
    public async Task A_query_prometheus_refuses_fails_the_reading_with_its_error()
    {
        AnswerAllFourWithNothing()
            .Refuse(
                PrometheusStandIn.PodCpuMillis,
                422,
                "execution",
                "query processing would load too many samples into memory"
            );

        var failure = await Assert.ThrowsAsync<MetricsSourceException>(() =>
            Source().ReadAsync(Guid.NewGuid(), default)
        );

        Assert.Contains(_prometheus.Address, failure.Message);
        Assert.Contains("HTTP 422, execution", failure.Message);
        Assert.Contains("too many samples", failure.Message);
        Assert.Contains(PrometheusStandIn.PodCpuMillis, failure.Message);
    }

    [Fact]
    public async Task An_answer_that_is_not_prometheus_fails_the_reading_with_its_status_and_without_its_body()
    {
        AnswerAllFourWithNothing()
            .Answer(PrometheusStandIn.NodeMemoryBytes, context =>
            {
                context.Response.StatusCode = 502;
                return context.Response.WriteAsync("<html>Bad Gateway: internal-secret-token</html>");
            })
            .Answer(PrometheusStandIn.PodMemoryBytes, context =>
                context.Response.WriteAsync("""{"status":"ok","secret":"internal-secret-token"}""")
            );

        var failure = await Assert.ThrowsAsync<MetricsSourceException>(() =>
            Source().ReadAsync(Guid.NewGuid(), default)
        );

        Assert.Contains("HTTP 502", failure.Message);
        Assert.DoesNotContain("internal-secret-token", failure.Message);
        Assert.DoesNotContain("Bad Gateway", failure.Message);
    }

    [Fact]
    public async Task A_json_answer_that_is_not_a_prometheus_error_is_not_echoed_either()
    {
        AnswerAllFourWithNothing()
            .Answer(PrometheusStandIn.NodeCpuMillis, context =>
            {
                context.Response.StatusCode = 401;
                return context.Response.WriteAsync("""{"message":"internal-secret-token"}""");
            });

        var failure = await Assert.ThrowsAsync<MetricsSourceException>(() =>
            Source().ReadAsync(Guid.NewGuid(), default)
        );

        Assert.Contains("HTTP 401", failure.Message);
        Assert.DoesNotContain("internal-secret-token", failure.Message);
    }

    [Fact]
    public async Task A_prometheus_that_does_not_answer_in_time_fails_the_reading_rather_than_looking_cancelled()
    {
        AnswerAllFourWithNothing()
            .Answer(PrometheusStandIn.NodeCpuMillis, context =>
                Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted)
            );
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };

        var failure = await Assert.ThrowsAsync<MetricsSourceException>(() =>
            Source(impatient).ReadAsync(Guid.NewGuid(), default)
        );

        Assert.Contains("did not answer", failure.Message);
    }

    [Fact]
    public async Task The_caller_giving_up_is_a_cancellation()
    {
        AnswerAllFourWithNothing()
            .Answer(PrometheusStandIn.NodeCpuMillis, context =>
                Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted)
            );
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().ReadAsync(Guid.NewGuid(), giveUp.Token));
    }
}

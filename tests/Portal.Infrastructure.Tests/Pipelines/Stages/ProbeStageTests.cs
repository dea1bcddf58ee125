using Microsoft.AspNetCore.Http;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Infrastructure.Tests.Clusters;

namespace Portal.Infrastructure.Tests.Pipelines.Stages;

/// <summary>
/// A test stage's HTTP probe against a real server on loopback (allowed by the settings, as an operator would list a
/// lab's addresses): one GET per look, until it answers 2xx or its time passes.
/// </summary>
public sealed class ProbeStageTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Loopback = new()
    {
        ["Portal:Pipelines:Stages:AllowedProbeTargets:0"] = "127.0.0.1",
        ["Portal:Pipelines:Stages:ProbeTimeout"] = "00:00:02",
        ["Portal:Pipelines:Stages:ProbeInterval"] = "00:00:00.100",
    };

    private StageWorld? _world;
    private StandInApiServer? _server;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
        if (_server is not null)
            await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_probe_answered_503_goes_on_and_passes_when_the_server_answers_200()
    {
        _server = await StandInApiServer.StartAsync(Answer(503, 200));
        var world = await WorldAsync(new Uri(_server.Address, "/health"), TimeSpan.FromMinutes(1), Loopback);

        var first = await world.AdvanceAsync<TestStageExecutor>();
        var second = await world.AdvanceAsync<TestStageExecutor>();

        var going = Assert.IsType<StageStatus.Going>(first);
        Assert.Contains("answered 503 Service Unavailable", going.Outcome);
        Assert.True(going.CheckAgainIn <= TimeSpan.FromSeconds(1), $"Looked again after {going.CheckAgainIn}.");
        Assert.Contains("answered 200 OK", Assert.IsType<StageStatus.Succeeded>(second).Outcome);
        Assert.Equal(2, _server.Requests);
        Assert.Contains(await world.LogAsync(), l => l.StartsWith($"GET {_server.Address}health answered 503"));
    }

    [Fact]
    public async Task A_probe_that_never_answers_2xx_fails_once_its_time_passed_with_the_last_answer()
    {
        _server = await StandInApiServer.StartAsync(Answer(503));
        var world = await WorldAsync(new Uri(_server.Address, "/health"), TimeSpan.FromSeconds(1), Loopback);

        Assert.IsType<StageStatus.Going>(await world.AdvanceAsync<TestStageExecutor>());
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var ended = await world.AdvanceAsync<TestStageExecutor>();

        var failed = Assert.IsType<StageStatus.Failed>(ended);
        Assert.Contains("did not answer 2xx within 1s: it last answered 503 Service Unavailable", failed.Reason);
    }

    [Fact]
    public async Task A_probe_of_the_cloud_metadata_address_is_refused_and_fails_at_once()
    {
        var world = await WorldAsync(
            new Uri("http://169.254.169.254/latest/meta-data/"),
            TimeSpan.FromMinutes(5),
            new Dictionary<string, string?>()
        );

        var status = await world.AdvanceAsync<TestStageExecutor>();

        var failed = Assert.IsType<StageStatus.Failed>(status);
        Assert.Contains("the cloud metadata address", failed.Reason);
        Assert.Contains("Portal:Pipelines:Stages:AllowedProbeTargets", failed.Reason);
    }

    [Fact]
    public async Task A_probe_of_a_loopback_server_is_refused_unless_the_settings_allow_it()
    {
        _server = await StandInApiServer.StartAsync(Answer(200));
        var world = await WorldAsync(
            new Uri(_server.Address, "/health"),
            TimeSpan.FromMinutes(5),
            new Dictionary<string, string?>()
        );

        var status = await world.AdvanceAsync<TestStageExecutor>();

        Assert.Contains("a loopback address", Assert.IsType<StageStatus.Failed>(status).Reason);
        Assert.Equal(0, _server.Requests);
    }

    [Fact]
    public async Task A_probe_of_an_environment_the_app_is_not_deployed_to_says_so()
    {
        _world = await StageWorld.CreateAsync(
            new TestStage("smoke", null, new HttpProbe("staging", "/health", null, TimeSpan.FromMinutes(1))),
            image: null
        );

        var status = await _world.AdvanceAsync<TestStageExecutor>();

        Assert.Equal(
            "'shop' is not deployed to environment 'staging': there is nothing to probe there.",
            Assert.IsType<StageStatus.Failed>(status).Reason
        );
    }

    private async Task<StageWorld> WorldAsync(Uri url, TimeSpan within, Dictionary<string, string?> settings)
    {
        _world = await StageWorld.CreateAsync(
            new TestStage("smoke", null, new HttpProbe(null, null, url.ToString(), within)),
            image: null,
            settings: settings
        );
        return _world;
    }

    private static Func<HttpContext, int, Task> Answer(params int[] statuses) =>
        (context, request) =>
        {
            context.Response.StatusCode = statuses[Math.Min(request, statuses.Length) - 1];
            return Task.CompletedTask;
        };
}

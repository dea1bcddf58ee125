using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Operations;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Infrastructure.Tests.Builds;

namespace Portal.Infrastructure.Tests.Pipelines.Stages;

/// <summary>
/// A test stage's command run for real: the executor queues its operation, whose job runs the command with buildah in
/// the tiny image of the real registry, pinned by digest and pulled with the registry's credentials into the tenant's
/// own build storage.
/// </summary>
[Collection(LocalRegistryCollection.Name)]
public sealed class TestCommandStageTests(LocalRegistry registry) : IAsyncLifetime
{
    private readonly DirectoryInfo _storage = Directory.CreateTempSubdirectory("portal-test-stage-");
    private StageWorld? _world;

    public Task InitializeAsync()
    {
        _ = registry.Process;
        PipelineTestRunner.PollEvery = TimeSpan.FromMilliseconds(200);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
        PrivateFiles.DeleteQuietly(_storage.FullName);
    }

    [SkippableFact]
    public async Task A_command_that_exits_0_passes_the_stage_and_its_output_is_in_the_runs_log()
    {
        var world = await WorldAsync("echo hello from the image && test -x /bin/sh");

        var queued = await world.AdvanceAsync<TestStageExecutor>();
        await world.RunQueuedAsync();
        var ended = await world.AdvanceAsync<TestStageExecutor>();

        Assert.IsType<StageStatus.Going>(queued);
        var operation = Assert.Single(world.Queued);
        Assert.Equal(OperationKinds.PipelineTest, operation.Kind);
        Assert.Equal("shop/1/unit", operation.TargetId);
        Assert.Equal(operation.Id, (await world.StageAsync()).OperationId);
        Assert.Equal("The test command exited with 0.", Assert.IsType<StageStatus.Succeeded>(ended).Outcome);
        Assert.Contains("hello from the image", await world.LogAsync());
    }

    [SkippableFact]
    public async Task A_command_that_exits_3_fails_the_stage_with_its_exit_code_and_last_lines()
    {
        var world = await WorldAsync("echo checking; echo 2 tests failed >&2; exit 3");

        await world.AdvanceAsync<TestStageExecutor>();
        await world.RunQueuedAsync();
        var ended = await world.AdvanceAsync<TestStageExecutor>();

        var failed = Assert.IsType<StageStatus.Failed>(ended);
        Assert.StartsWith("The test command exited with 3. Its last lines: ", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("checking | 2 tests failed", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(OperationState.Failed, (await world.OperationAsync(world.Queued[0].Id)).State);
        var log = await world.LogAsync();
        Assert.Contains("checking", log);
        Assert.Contains("2 tests failed", log);
    }

    [SkippableFact]
    public async Task A_huge_output_keeps_its_first_and_last_lines_in_the_log_and_says_how_many_were_left_out()
    {
        var world = await WorldAsync(
            "seq 1 2000",
            new Dictionary<string, string?>
            {
                ["Portal:Pipelines:Stages:LogLines"] = "50",
                ["Portal:Pipelines:Stages:LogTailLines"] = "10",
            }
        );

        await world.AdvanceAsync<TestStageExecutor>();
        await world.RunQueuedAsync();
        Assert.IsType<StageStatus.Succeeded>(await world.AdvanceAsync<TestStageExecutor>());

        var output = (await world.LogAsync()).Where(l => l.Length > 0 && !l.StartsWith("Running in")).ToList();
        Assert.Equal(
            [
                .. Enumerable.Range(1, 50).Select(n => n.ToString()),
                "… 1940 lines left out; the last 10 follow …",
                .. Enumerable.Range(1991, 10).Select(n => n.ToString()),
                "The test command exited with 0.",
            ],
            output
        );
    }

    [SkippableFact]
    public async Task A_command_is_stopped_when_its_run_is_cancelled_and_leaves_no_container_behind()
    {
        var world = await WorldAsync("echo started; sleep 60");
        await world.AdvanceAsync<TestStageExecutor>();
        var running = world.RunQueuedAsync();
        await SpinUntilAsync(async () => (await world.LogAsync()).Contains("started"));

        await world.ReadAsync(async db =>
        {
            var run = await db.PipelineRuns.IgnoreQueryFilters().SingleAsync(r => r.Id == world.RunId);
            run.Cancel("ada@shop.example", DateTime.UtcNow);
            return await db.SaveChangesAsync();
        });
        var stopped = await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.Same(running, stopped);
        var operation = await world.OperationAsync(world.Queued[0].Id);
        Assert.Equal(OperationState.Failed, operation.State);
        Assert.Equal("The run stopped waiting for the test, so the command was stopped.", operation.Error);
        var storage = new BuildStorage(_storage.FullName).ForTenant("acme");
        Assert.Empty(await registry.Buildah(storage).ContainersAsync(default));
    }

    private static async Task SpinUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the command to start.");
            await Task.Delay(100);
        }
    }

    [SkippableFact]
    public async Task A_run_without_an_image_fails_the_stage_before_anything_is_queued()
    {
        _world = await StageWorld.CreateAsync(new TestStage("unit", "true", null), image: null);

        var status = await _world.AdvanceAsync<TestStageExecutor>();

        Assert.Contains("has no image to test", Assert.IsType<StageStatus.Failed>(status).Reason);
        Assert.Empty(_world.Queued);
    }

    private async Task<StageWorld> WorldAsync(string command, Dictionary<string, string?>? settings = null)
    {
        using var client = new OciRegistryClient(registry.Endpoint);
        var digest = (
            await client.GetManifestAsync(
                Domain.Builds.ImageRepository.Parse(LocalRegistry.TinyBase).Value,
                LocalRegistry.TinyTag,
                default
            )
        )
            .Value
            .Digest;
        _world = await StageWorld.CreateAsync(
            new TestStage("unit", command, null) { Timeout = TimeSpan.FromMinutes(2) },
            $"{registry.Endpoint.Host}/{LocalRegistry.TinyBase}@{digest}",
            services => services.AddSingleton(registry.Connection()).AddSingleton(new BuildStorage(_storage.FullName)),
            settings
        );
        return _world;
    }
}

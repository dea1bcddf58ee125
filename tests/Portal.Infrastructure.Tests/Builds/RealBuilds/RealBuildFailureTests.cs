using Portal.Domain.Builds;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Builds.Runs;

namespace Portal.Infrastructure.Tests.Builds.RealBuilds;

/// <summary>
/// Builds on the real Debian base images that fail, or pass their test, in words: a compile error with the compiler's
/// last lines, the recipe's test command deciding the push by its exit code, a base image the registry does not have.
/// A failed build pushes nothing and leaves no working container and no build folder.
/// </summary>
[Collection(DebianBaseImagesCollection.Name)]
public sealed class RealBuildFailureTests(DebianBaseImages images) : IAsyncLifetime
{
    private RealBuildWorld? _world;

    private RealBuildWorld World => _world!;

    public async Task InitializeAsync()
    {
        DebianBaseImages.RequireRealBuilds();
        _world = await images.WorldAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task A_go_commit_that_does_not_compile_fails_with_the_compilers_last_lines_and_pushes_nothing()
    {
        await images.EnsureAsync("go", "debian");
        var (tenant, folder) = await World.ConnectAsync(FixtureApps.Go, "go-broken");
        RealBuildWorld.Write(
            folder,
            "main.go",
            FixtureApps.Go.Files["main.go"].Replace("port := os.Getenv", "port := missingPort + os.Getenv")
        );
        RealBuildWorld.Commit(folder, "Read the port from nowhere");

        var build = await World.RunAsync(tenant, await World.QueueAsync(tenant, new QueueBuild("go-broken")));

        Assert.Equal((BuildState.Failed, BuildFailure.Compile), (build.State, build.Failure));
        Assert.Contains("undefined: missingPort", build.Reason, StringComparison.Ordinal);
        Assert.Contains("main.go:", build.Reason, StringComparison.Ordinal);
        await AssertNothingPushedOrLeftAsync(tenant, "go-broken");
    }

    [SkippableFact]
    public async Task A_passing_test_command_lets_the_image_be_pushed()
    {
        await images.EnsureAsync("node");
        var (tenant, _) = await World.ConnectAsync(FixtureApps.NodeWithDependency, "node-tested");

        var build = await World.RunAsync(
            tenant,
            await World.QueueAsync(
                tenant,
                new QueueBuild(
                    "node-tested",
                    Recipe: "node",
                    Values: new Dictionary<string, string?>
                    {
                        ["install_command"] = "npm install --no-audit --no-fund",
                        ["test_command"] = "npm test",
                    }
                )
            )
        );

        Assert.True(build.State == BuildState.Succeeded, build.Reason);
        Assert.Contains("> node -e", await World.LogAsync(build), StringComparison.Ordinal);
        using var client = new OciRegistryClient(images.Registry.Endpoint);
        Assert.Contains(
            build.Commit!.ShortSha,
            (await client.ListTagsAsync(ImageRepository.For(tenant.Slug, "node-tested").Value, default)).Value
        );
    }

    [SkippableFact]
    public async Task A_failing_test_command_stops_the_push_and_says_its_exit_code()
    {
        await images.EnsureAsync("python");
        var (tenant, _) = await World.ConnectAsync(FixtureApps.Python, "python-tested");

        var build = await World.RunAsync(
            tenant,
            await World.QueueAsync(
                tenant,
                new QueueBuild(
                    "python-tested",
                    Recipe: "python",
                    Values: new Dictionary<string, string?>
                    {
                        ["dependencies"] = "none",
                        ["server"] = "command",
                        ["start_command"] = "python app.py",
                        ["test_command"] = "python -c 'raise SystemExit(3)'",
                    }
                )
            )
        );

        Assert.Equal((BuildState.Failed, BuildFailure.Test), (build.State, build.Failure));
        Assert.Contains("The test command exited with 3", build.Reason, StringComparison.Ordinal);
        await AssertNothingPushedOrLeftAsync(tenant, "python-tested");
    }

    [SkippableFact]
    public async Task A_base_image_the_registry_does_not_have_fails_the_build_saying_so()
    {
        var host = images.Registry.Endpoint.Host;
        var app = FixtureApps.Dockerfile(host) with
        {
            Files = new Dictionary<string, string> { ["Dockerfile"] = $"FROM {host}/base/node:99\nCMD [\"node\"]\n" },
        };
        var (tenant, _) = await World.ConnectAsync(app, "missing-base");

        var build = await World.RunAsync(tenant, await World.QueueAsync(tenant, new QueueBuild("missing-base")));

        Assert.Equal((BuildState.Failed, BuildFailure.BaseImage), (build.State, build.Failure));
        Assert.Contains("base image missing", build.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"{host}/base/node:99", build.Reason, StringComparison.Ordinal);
        await AssertNothingPushedOrLeftAsync(tenant, "missing-base");
    }

    private async Task AssertNothingPushedOrLeftAsync(Domain.Tenancy.Tenant tenant, string app)
    {
        using var client = new OciRegistryClient(images.Registry.Endpoint);
        Assert.Empty((await client.ListTagsAsync(ImageRepository.For(tenant.Slug, app).Value, default)).Value);
        Assert.Empty(World.WorkFolders());
        Assert.Empty(await World.ContainersAsync(tenant.Slug));
    }
}

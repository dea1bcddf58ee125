using Portal.Domain.Builds;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Builds.Runs;

namespace Portal.Infrastructure.Tests.Builds.RealBuilds;

/// <summary>
/// Each fixture application built for real on the Debian base images: the inspector proposes its recipe, buildah
/// builds it, the image is pushed as {registry}/{tenant}/{app}:{short-sha} and :main with its digest recorded, and the
/// registry's copy of its config says how it runs (the recipe's port, a user other than root, its entrypoint).
/// </summary>
[Collection(DebianBaseImagesCollection.Name)]
public sealed class RealBuildTests(DebianBaseImages images) : IAsyncLifetime
{
    private RealBuildWorld? _world;

    private RealBuildWorld World => _world!;

    public async Task InitializeAsync()
    {
        DebianBaseImages.RequireRealBuilds();
        _world = await images.WorldAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string> Apps => ["go", "node", "node-ms", "python", "static", "dockerfile", "java"];

    public static FixtureApp App(string name, string registry) =>
        name switch
        {
            "go" => FixtureApps.Go,
            "node" => FixtureApps.Node,
            "node-ms" => FixtureApps.NodeWithDependency,
            "python" => FixtureApps.Python,
            "static" => FixtureApps.Static,
            "dockerfile" => FixtureApps.Dockerfile(registry),
            "java" => FixtureApps.Java,
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

    [SkippableTheory]
    [MemberData(nameof(Apps))]
    public async Task A_fixture_app_is_detected_built_pushed_and_its_image_runs_as_its_recipe_says(string name)
    {
        var app = App(name, images.Registry.Endpoint.Host);
        await images.EnsureAsync([.. app.BaseImages]);
        var (tenant, _) = await World.ConnectAsync(app);

        var build = await World.RunAsync(tenant, await World.QueueAsync(tenant, new QueueBuild(app.Name)));

        Assert.True(build.State == BuildState.Succeeded, $"{build.Reason}\n{await World.LogAsync(build)}");
        Assert.Equal(app.Recipe, build.Recipe);
        var repository = ImageRepository.For(tenant.Slug, app.Name).Value;
        Assert.Equal($"{images.Registry.Endpoint.Host}/{repository}", build.Image!.Repository);
        Assert.Equal(build.Commit!.ShortSha, build.Image.Tag);
        using var client = new OciRegistryClient(images.Registry.Endpoint);
        Assert.Equal(
            new[] { build.Commit.ShortSha, "main" }.Order(StringComparer.Ordinal),
            (await client.ListTagsAsync(repository, default)).Value
        );
        Assert.Equal(build.Image.Digest, (await client.GetManifestAsync(repository, "main", default)).Value.Digest);
        var facts = await client.GetImageFactsAsync(repository, build.Image.Digest, default);
        Assert.True(facts.Succeeded, facts.Problem?.Message);
        Assert.Equal([$"{app.Port}/tcp"], facts.Value.ExposedPorts);
        Assert.False(string.IsNullOrEmpty(facts.Value.User), "The image runs as root.");
        Assert.DoesNotMatch("^(0|root)(:|$)", facts.Value.User!);
        Assert.Equal(app.Entrypoint, facts.Value.Entrypoint);
        if (app.Command.Count > 0)
            Assert.Equal(app.Command, facts.Value.Command);
        Assert.Empty(World.WorkFolders());
        Assert.Empty(await World.ContainersAsync(tenant.Slug));
    }
}

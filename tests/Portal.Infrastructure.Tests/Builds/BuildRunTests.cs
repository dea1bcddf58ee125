using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Operations;
using BuildsUseCase = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// A build carried out end to end by its operation's job: real git fetching a repository the test made, the shipped
/// recipes rendered on the tiny base of the real registry, buildah building, and the registry holding the result.
/// The source is connected as "https://git.example.com/…"; the Git client reaches the test's repository instead.
/// </summary>
[Collection(LocalRegistryCollection.Name)]
public sealed class BuildRunTests(LocalRegistry registry) : IAsyncLifetime
{
    private readonly DirectoryInfo _storage = Directory.CreateTempSubdirectory("portal-build-run-");
    private readonly string _repository = Directory.CreateTempSubdirectory("portal-build-repo-").FullName;
    private SourcesWorld? _world;

    private SourcesWorld World => _world!;

    public async Task InitializeAsync()
    {
        GitTool.Require();
        _ = registry.Process;
        BuildApplicationRunner.PollEvery = TimeSpan.FromMilliseconds(300);
        var images = BaseImageSet.Public.With(
            new Dictionary<string, BaseImageSetting>
            {
                ["node"] = new() { Image = registry.TinyBaseReference },
                ["busybox"] = new() { Image = registry.TinyBaseReference },
            }
        );
        _world = await SourcesWorld.CreateAsync(DatabaseKind.Sqlite, services =>
            services
                .AddSingleton<IGitClient>(
                    new RedirectingGitClient(new GitClient(Options.Create(new GitOptions())), _repository)
                )
                .AddSingleton(registry.Connection())
                .AddSingleton(new BuildStorage(_storage.FullName))
                .AddSingleton(Recipes.Catalog(images))
        );
    }

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
        PrivateFiles.DeleteQuietly(_storage.FullName);
        PrivateFiles.DeleteQuietly(_repository);
    }

    [SkippableFact]
    public async Task A_static_site_is_fetched_detected_built_and_pushed_with_the_digest_the_registry_lists()
    {
        var tenant = await RepositoryWithAsync(("index.html", "<h1>hello</h1>\n"));
        var queued = await QueueAsync(tenant);

        await RunAsync(queued);

        var build = await World.ReadAsync(db => db.Builds.IgnoreQueryFilters().SingleAsync());
        Assert.True(build.State == BuildState.Succeeded, build.Reason);
        Assert.Equal("static", build.Recipe);
        Assert.Equal("Add the site", build.Commit!.Subject);
        using var client = new OciRegistryClient(registry.Endpoint);
        var repository = ImageRepository.For(tenant.Slug, "shop").Value;
        Assert.Equal(
            new[] { build.Commit.ShortSha, "main" }.Order(),
            (await client.ListTagsAsync(repository, default)).Value
        );
        var manifest = (await client.GetManifestAsync(repository, build.Commit.ShortSha, default)).Value;
        Assert.Equal(manifest.Digest, build.Image!.Digest);
        Assert.Equal(manifest.Size, build.Image.SizeBytes);
        var operation = await World.ReadAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == build.OperationId)
        );
        Assert.Equal(OperationState.Succeeded, operation.State);
        Assert.Equal(["fetch", "detect", "build", "push"], operation.Steps.Select(s => s.Name));
        var log = string.Concat(
            await World.ReadAsync(db =>
                db.BuildLogChunks.IgnoreQueryFilters().OrderBy(c => c.Sequence).Select(c => c.Text).ToListAsync()
            )
        );
        Assert.Contains("Recipe: static.", log, StringComparison.Ordinal);
        Assert.Contains("STEP 1/", log, StringComparison.Ordinal);
        Assert.Empty(WorkFolders());
    }

    [SkippableFact]
    public async Task A_dockerfile_that_does_not_build_fails_the_build_with_the_builders_words()
    {
        var tenant = await RepositoryWithAsync(("Dockerfile", $"FROM {registry.TinyBaseReference}\nRUNN echo hi\n"));
        var queued = await QueueAsync(tenant);

        await RunAsync(queued);

        var build = await World.ReadAsync(db => db.Builds.IgnoreQueryFilters().SingleAsync());
        Assert.Equal((BuildState.Failed, BuildFailure.Compile), (build.State, build.Failure));
        Assert.Contains("Unknown instruction", build.Reason, StringComparison.Ordinal);
        var operation = await World.ReadAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == build.OperationId)
        );
        Assert.Equal(OperationState.Failed, operation.State);
        Assert.Empty(WorkFolders());
    }

    [SkippableFact]
    public async Task A_build_cancelled_while_building_stops_and_leaves_no_process_and_no_folder()
    {
        var marker = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var tenant = await RepositoryWithAsync(
            ("Dockerfile", $"FROM {registry.TinyBaseReference}\nRUN sleep {marker}\n")
        );
        var queued = await QueueAsync(tenant);

        var running = RunAsync(queued);
        var clock = Stopwatch.StartNew();
        while (ProcessesMentioning(marker).Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(200);
        var cancelled = await World.AsDeveloperOfAsync<BuildsUseCase, Result>(tenant, builds =>
            builds.CancelAsync("shop", 1, default)
        );
        await running;

        Assert.True(cancelled.Succeeded, cancelled.Problem?.Message);
        var build = await World.ReadAsync(db => db.Builds.IgnoreQueryFilters().SingleAsync());
        Assert.Equal(BuildState.Cancelled, build.State);
        Assert.Empty(ProcessesMentioning(marker));
        Assert.Empty(WorkFolders());
    }

    private async Task<Domain.Tenancy.Tenant> RepositoryWithAsync(params (string Path, string Text)[] files)
    {
        GitTool.Run(_repository, ["init", "-q", "-b", "main"]);
        foreach (var (path, text) in files)
            await File.WriteAllTextAsync(Path.Combine(_repository, path), text);
        GitTool.Run(_repository, ["add", "-A"]);
        GitTool.Run(_repository, ["commit", "-q", "-m", "Add the site"]);
        var slug = $"t{Guid.NewGuid():N}"[..12];
        var tenant = await World.AddTenantWithAppAsync(slug);
        var connected = await World.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(
                new ConnectAppSource(
                    "shop",
                    "https://git.example.com/acme/shop.git",
                    "main",
                    null,
                    GitCredentialKind.None,
                    null,
                    null
                ),
                default
            )
        );
        Assert.True(connected.Succeeded, connected.Problem?.Message);
        return tenant;
    }

    private async Task<Build> QueueAsync(Domain.Tenancy.Tenant tenant)
    {
        var queued = await World.AsDeveloperOfAsync<BuildsUseCase, Result<Build>>(tenant, builds =>
            builds.QueueAsync(new QueueBuild("shop"), default)
        );
        Assert.True(queued.Succeeded, queued.Problem?.Message);
        return queued.Value;
    }

    /// <summary>The build's job, run in a scope of its own as Hangfire runs it: no tenant or actor is bound.</summary>
    private Task RunAsync(Build build) =>
        World.AsJobAsync<OperationJob, bool>(async job =>
        {
            await job.RunAsync(build.OperationId!.Value, default);
            return true;
        });

    private string[] WorkFolders()
    {
        var work = Path.Combine(_storage.FullName, "work");
        return Directory.Exists(work) ? Directory.GetFileSystemEntries(work) : [];
    }

    private static List<int> ProcessesMentioning(string marker) =>
        [
            .. Directory
                .GetDirectories("/proc")
                .Select(d => Path.GetFileName(d))
                .Where(name => int.TryParse(name, out _))
                .Where(pid =>
                {
                    try
                    {
                        return File.ReadAllText($"/proc/{pid}/cmdline").Contains(marker, StringComparison.Ordinal);
                    }
                    catch (IOException)
                    {
                        return false;
                    }
                    catch (UnauthorizedAccessException)
                    {
                        return false;
                    }
                })
                .Select(int.Parse),
        ];

    /// <summary>The real Git client, sent to the test's repository whatever URL the source names.</summary>
    private sealed class RedirectingGitClient(IGitClient git, string folder) : IGitClient
    {
        private GitRemote Local(GitRemote remote) => remote with { Url = new Uri(folder).AbsoluteUri };

        public Task<Result<GitConnection>> TestConnectionAsync(
            GitRemote remote,
            string refName,
            CancellationToken ct
        ) => git.TestConnectionAsync(Local(remote), refName, ct);

        public Task<Result<GitCheckout>> FetchAsync(
            GitRemote remote,
            string refOrCommit,
            SourceSubDirectory subDirectory,
            string directory,
            CancellationToken ct
        ) => git.FetchAsync(Local(remote), refOrCommit, subDirectory, directory, ct);
    }
}

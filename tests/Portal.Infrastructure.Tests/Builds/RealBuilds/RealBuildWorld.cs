using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Operations;
using BuildsUseCase = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Infrastructure.Tests.Builds.RealBuilds;

/// <summary>
/// The portal's build path on the real Debian base images: sources connected as
/// "https://git.example.com/fixtures/{app}.git" and fetched by the real Git client from repositories the test made
/// with git, recipes rendered with <c>Portal:Builds:BaseImages:Source=Local</c> in the fixture's registry, buildah
/// building and pushing, each build run by its operation's job.
/// </summary>
public sealed class RealBuildWorld : IAsyncDisposable
{
    /// <summary>
    /// The tenant whose applications the fixture builds are: new each run, since a developer's registry is kept
    /// between runs.
    /// </summary>
    public string TenantSlug { get; } = $"fx{Guid.NewGuid():N}"[..12];

    private readonly SourcesWorld _world;
    private readonly HashSet<string> _tenants = [];

    public DebianBaseImages Images { get; }
    public string Repositories { get; }
    public string Storage { get; }

    private RealBuildWorld(SourcesWorld world, DebianBaseImages images, string repositories, string storage)
    {
        _world = world;
        Images = images;
        Repositories = repositories;
        Storage = storage;
    }

    public SourcesWorld World => _world;

    public static async Task<RealBuildWorld> CreateAsync(DebianBaseImages images, int slots = 2)
    {
        GitTool.Require();
        var registry = images.Registry;
        BuildApplicationRunner.PollEvery = TimeSpan.FromMilliseconds(300);
        var repositories = Directory.CreateTempSubdirectory("portal-real-build-repos-").FullName;
        var storage = Directory.CreateTempSubdirectory("portal-real-build-storage-").FullName;
        var local = new BaseImageOptions
        {
            Source = BaseImageSource.Local,
            Registry = registry.Endpoint.Host,
            LocalImagesFile = Path.Combine(Recipes.CatalogDirectory(), "base-images", "bookworm.yaml"),
        }.Resolve(Recipes.CatalogDirectory());
        Assert.True(local.Succeeded, local.Problem?.Message);
        var world = await SourcesWorld.CreateAsync(DatabaseKind.Sqlite, services =>
            services
                .AddSingleton<IGitClient>(
                    new FolderGitClient(new GitClient(Options.Create(new GitOptions())), repositories)
                )
                .AddSingleton(registry.Connection())
                .AddSingleton(new BuildStorage(storage))
                .AddSingleton(new BuildSlots(slots))
                .AddSingleton(Recipes.Catalog(local.Value))
        );
        return new RealBuildWorld(world, images, repositories, storage);
    }

    /// <summary>
    /// A repository of the app's files on main, and an application of the fixtures tenant connected to it, named
    /// <paramref name="appName"/> (the fixture's name by default), of <paramref name="tenantSlug"/> (made if new:
    /// a tenant of its own has a build storage and cache of its own).
    /// </summary>
    public async Task<(Domain.Tenancy.Tenant Tenant, string Folder)> ConnectAsync(
        FixtureApp app,
        string? appName = null,
        string? tenantSlug = null
    )
    {
        tenantSlug ??= TenantSlug;
        var name = appName ?? app.Name;
        var folder = Path.Combine(Repositories, $"{tenantSlug}-{name}");
        Directory.CreateDirectory(folder);
        GitTool.Run(folder, ["init", "-q", "-b", "main"]);
        foreach (var (path, text) in app.Files)
            Write(folder, path, text);
        Commit(folder, $"Add the {app.Name} app");
        var tenant = _tenants.Add(tenantSlug)
            ? await _world.AddTenantWithAppAsync(tenantSlug, name)
            : await _world.AddAppAsync(tenantSlug, name);
        var connected = await _world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(
                new ConnectAppSource(
                    name,
                    $"https://git.example.com/fixtures/{tenantSlug}-{name}.git",
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
        return (tenant, folder);
    }

    public static void Write(string folder, string path, string text)
    {
        var full = Path.Combine(folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    public static string Commit(string folder, string message)
    {
        GitTool.Run(folder, ["add", "-A"]);
        GitTool.Run(folder, ["commit", "-q", "-m", message]);
        return GitTool.Run(folder, ["rev-parse", "HEAD"]);
    }

    public async Task<Build> QueueAsync(Domain.Tenancy.Tenant tenant, QueueBuild request)
    {
        var queued = await _world.AsDeveloperOfAsync<BuildsUseCase, Result<Build>>(tenant, builds =>
            builds.QueueAsync(request, default)
        );
        Assert.True(queued.Succeeded, queued.Problem?.Message);
        return queued.Value;
    }

    /// <summary>Runs the build's operation as the job scheduler would, and answers the build as it ended.</summary>
    public async Task<Build> RunAsync(Domain.Tenancy.Tenant tenant, Build build)
    {
        await _world.AsDeveloperOfAsync<OperationJob, bool>(tenant, async job =>
        {
            await job.RunAsync(build.OperationId!.Value, default);
            return true;
        });
        return await _world.ReadAsync(db =>
            db.Builds.IgnoreQueryFilters().AsNoTracking().SingleAsync(b => b.Id == build.Id)
        );
    }

    public Task<string> LogAsync(Build build) =>
        _world.ReadAsync(async db =>
            string.Concat(
                await db
                    .BuildLogChunks.IgnoreQueryFilters()
                    .Where(c => c.BuildId == build.Id)
                    .OrderBy(c => c.Sequence)
                    .Select(c => c.Text)
                    .ToListAsync()
            )
        );

    /// <summary>The working containers left in a tenant's buildah storage.</summary>
    public Task<IReadOnlySet<string>> ContainersAsync(string tenant) =>
        Images.Registry.Buildah(new BuildStorage(Storage).ForTenant(tenant)).ContainersAsync(default);

    public string[] WorkFolders()
    {
        var work = Path.Combine(Storage, "work");
        return Directory.Exists(work) ? Directory.GetFileSystemEntries(work) : [];
    }

    public async ValueTask DisposeAsync()
    {
        await _world.DisposeAsync();
        PrivateFiles.DeleteQuietly(Storage);
        PrivateFiles.DeleteQuietly(Repositories);
    }

    /// <summary>
    /// The real Git client, sent to the test's repository named by the last part of the source's URL.
    /// </summary>
    private sealed class FolderGitClient(IGitClient git, string root) : IGitClient
    {
        private GitRemote Local(GitRemote remote)
        {
            var name = Path.GetFileNameWithoutExtension(new Uri(remote.Url).AbsolutePath);
            return remote with { Url = new Uri(Path.Combine(root, name)).AbsoluteUri };
        }

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

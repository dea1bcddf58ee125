using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using BuildsUseCase = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// An uploaded archive built for real (extracted by the run, built by buildah, pushed to the real registry), and the
/// retention rule deleting old images from that registry through its API while keeping the newest and the deployed.
/// </summary>
[Collection(LocalRegistryCollection.Name)]
public sealed class ArchiveRunAndRetentionTests(LocalRegistry registry) : IAsyncLifetime
{
    private readonly DirectoryInfo _storage = Directory.CreateTempSubdirectory("portal-archive-run-");
    private SourcesWorld? _world;

    private SourcesWorld World => _world!;

    public async Task InitializeAsync()
    {
        _ = registry.Process;
        BuildApplicationRunner.PollEvery = TimeSpan.FromMilliseconds(300);
        _world = await SourcesWorld.CreateAsync(DatabaseKind.Sqlite, services =>
            services
                .AddSingleton(registry.Connection())
                .AddSingleton(new BuildStorage(_storage.FullName))
                .AddSingleton(Recipes.Catalog(BaseImageSet.Public))
        );
    }

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
        PrivateFiles.DeleteQuietly(_storage.FullName);
    }

    [SkippableFact]
    public async Task An_uploaded_dockerfile_app_is_extracted_built_and_pushed_under_its_archive_tag_then_deleted()
    {
        var tenant = await World.AddTenantWithAppAsync($"a{Guid.NewGuid():N}"[..12]);
        var archive = TestArchives.TarGz(
            ("shop-1.0/Dockerfile", $"FROM {registry.TinyBaseReference}\nCOPY hello.txt /hello.txt\n"),
            ("shop-1.0/hello.txt", "hello from an archive\n")
        );
        var queued = await World.AsDeveloperOfAsync<BuildsUseCase, Result<Build>>(tenant, builds =>
            builds.QueueArchiveAsync(
                new QueueArchiveBuild("shop", "shop-1.0.tar.gz", new MemoryStream(archive)),
                default
            )
        );
        Assert.True(queued.Succeeded, queued.Problem?.Message);

        await RunAsync(tenant, queued.Value);

        var build = await World.ReadAsync(db => db.Builds.IgnoreQueryFilters().SingleAsync());
        Assert.True(build.State == BuildState.Succeeded, build.Reason);
        Assert.Equal("dockerfile", build.Recipe);
        Assert.Equal(build.Archive!.ImageTag, build.Image!.Tag);
        using var client = new OciRegistryClient(registry.Endpoint);
        var repository = ImageRepository.For(tenant.Slug, "shop").Value;
        Assert.Equal([build.Archive.ImageTag], (await client.ListTagsAsync(repository, default)).Value);
        Assert.Equal(
            build.Image.Digest,
            (await client.GetManifestAsync(repository, build.Archive.ImageTag, default)).Value.Digest
        );
        var log = string.Concat(
            await World.ReadAsync(db =>
                db.BuildLogChunks.IgnoreQueryFilters().OrderBy(c => c.Sequence).Select(c => c.Text).ToListAsync()
            )
        );
        Assert.Contains("from its folder shop-1.0/", log, StringComparison.Ordinal);
        Assert.Empty(Entries("archives"));
        Assert.Empty(Entries("work"));
    }

    [SkippableFact]
    public async Task After_a_build_the_retention_rule_deletes_the_images_beyond_the_newest()
    {
        var tenant = await World.AddTenantWithAppAsync($"r{Guid.NewGuid():N}"[..12]);
        var repository = ImageRepository.For(tenant.Slug, "shop").Value;
        await RegistryUploads.PushAsync(registry.Endpoint, repository, "pushed before", "old");
        await SetRetentionAsync(tenant, 1);
        var archive = TestArchives.TarGz(("Dockerfile", $"FROM {registry.TinyBaseReference}\n"));
        var queued = await World.AsDeveloperOfAsync<BuildsUseCase, Result<Build>>(tenant, builds =>
            builds.QueueArchiveAsync(new QueueArchiveBuild("shop", "app.tar.gz", new MemoryStream(archive)), default)
        );

        await RunAsync(tenant, queued.Value);

        var build = await World.ReadAsync(db => db.Builds.IgnoreQueryFilters().SingleAsync());
        Assert.True(build.State == BuildState.Succeeded, build.Reason);
        using var client = new OciRegistryClient(registry.Endpoint);
        Assert.Equal([build.Archive!.ImageTag], (await client.ListTagsAsync(repository, default)).Value);
        var audit = await World.ReadAsync(db =>
            db.AuditEvents.IgnoreQueryFilters().SingleAsync(e => e.Action == BuildAuditActions.ImagesDeleted)
        );
        Assert.Equal(("system", "shop"), (audit.ActorName, audit.TargetId));
        Assert.Contains("old (sha256:", audit.Summary, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_rule_keeps_the_newest_images_with_all_their_tags_and_an_old_image_an_environment_runs()
    {
        var tenant = await World.AddTenantWithAppAsync($"k{Guid.NewGuid():N}"[..12]);
        var repository = ImageRepository.For(tenant.Slug, "shop").Value;
        var digests = new List<string>();
        for (var i = 1; i <= 4; i++)
        {
            var tags = i == 4 ? new[] { $"c{i}", "main" } : [$"c{i}"];
            digests.Add(await RegistryUploads.PushAsync(registry.Endpoint, repository, $"image {i}", tags));
            await AddBuildAsync(tenant, i, $"c{i}", digests[^1]);
        }
        await DeployAsync(tenant, $"{registry.Endpoint.Host}/{repository}@{digests[0]}");

        var outcome = await SetRetentionAsync(tenant, 2);

        Assert.Null(outcome.NotApplied);
        Assert.Equal([digests[1]], outcome.Deleted.Select(i => i.Digest));
        using var client = new OciRegistryClient(registry.Endpoint);
        Assert.Equal(["c1", "c3", "c4", "main"], (await client.ListTagsAsync(repository, default)).Value);
        Assert.Equal(
            ProblemKind.NotFound,
            (await client.GetManifestAsync(repository, digests[1], default)).Problem?.Kind
        );
    }

    [SkippableFact]
    public async Task A_rule_turned_off_keeps_every_image()
    {
        var tenant = await World.AddTenantWithAppAsync($"o{Guid.NewGuid():N}"[..12]);
        var repository = ImageRepository.For(tenant.Slug, "shop").Value;
        await RegistryUploads.PushAsync(registry.Endpoint, repository, "one", "one");
        await RegistryUploads.PushAsync(registry.Endpoint, repository, "two", "two");
        await SetRetentionAsync(tenant, 5);

        var off = await SetRetentionAsync(tenant, null);
        var applied = await World.AsDeveloperOfAsync<ImageRetentions, Result<IReadOnlyList<RetainedImage>>>(
            tenant,
            async retentions =>
            {
                var app = await World.ReadAsync(db =>
                    db.Applications.IgnoreQueryFilters().SingleAsync(a => a.TenantId == tenant.Id)
                );
                return await retentions.ApplyAsync(app.Id, "shop", Actor.System, default);
            }
        );

        Assert.Null(off.Rule.KeepLast);
        Assert.Empty(applied.Value);
        using var client = new OciRegistryClient(registry.Endpoint);
        Assert.Equal(["one", "two"], (await client.ListTagsAsync(repository, default)).Value);
    }

    private async Task<ImageRetentionOutcome> SetRetentionAsync(Domain.Tenancy.Tenant tenant, int? keep)
    {
        var set = await World.AsDeveloperOfAsync<ImageRetentions, Result<ImageRetentionOutcome>>(tenant, retentions =>
            retentions.SetAsync("shop", keep, default)
        );
        Assert.True(set.Succeeded, set.Problem?.Message);
        return set.Value;
    }

    /// <summary>A build that pushed <paramref name="tag"/>, finished <paramref name="n"/> hours in.</summary>
    private Task AddBuildAsync(Domain.Tenancy.Tenant tenant, int n, string tag, string digest) =>
        World.InScopeAsync(async provider =>
        {
            var db = provider.GetRequiredService<PortalDbContext>();
            var app = await db.Applications.IgnoreQueryFilters().SingleAsync(a => a.TenantId == tenant.Id);
            var at = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(n);
            var build = Build.Queue(tenant.Id, app.Id, n - 1, "main", "dev", at).Value;
            build.Start(at);
            build.Fetched(new SourceCommit(new string((char)('a' + n), 40), "change", "dev", at));
            build.Succeed(new PushedImage($"{registry.Endpoint.Host}/{tenant.Slug}/shop", tag, digest, 1), at);
            db.Builds.Add(build);
            await db.SaveChangesAsync();
        });

    /// <summary>An environment running <paramref name="image"/> as the application's current revision.</summary>
    private Task DeployAsync(Domain.Tenancy.Tenant tenant, string image) =>
        World.InScopeAsync(async provider =>
        {
            var db = provider.GetRequiredService<PortalDbContext>();
            var now = DateTime.UtcNow;
            var cluster = Domain
                .Clusters.Cluster.Register(
                    $"c-{Guid.NewGuid():N}"[..12],
                    null,
                    "https://127.0.0.1:1",
                    provider.GetRequiredService<KubeconfigVault>().Protect("apiVersion: v1\nkind: Config\n"),
                    "v1.31.0",
                    "test",
                    now
                )
                .Value;
            var pool = ResourcePool.Create($"p-{Guid.NewGuid():N}"[..12], null, cluster.Id, null, "bj", 1m, 1m, now);
            var stored = await db.Tenants.SingleAsync(t => t.Id == tenant.Id);
            var environment = TenantEnvironment
                .Create(stored, pool.Value.Id, "prod", new ResourceAmounts(1000, 1000, 1 << 30, 1 << 30, 0, 10, 0), now)
                .Value;
            var app = await db.Applications.IgnoreQueryFilters().SingleAsync(a => a.TenantId == tenant.Id);
            var vault = provider.GetRequiredService<SpecVault>();
            var spec = new DeploymentSpec { Image = image, Resources = new(100, 200, 64L << 20, 128L << 20) };
            var revision = app.NewRevision(spec, vault.Seal, "prod", "dev", null, "deploy", now).Value;
            var deployment = new AppDeployment(app, environment.Id, now);
            deployment.Deploy(revision, spec, false, now);
            db.Clusters.Add(cluster);
            db.ResourcePools.Add(pool.Value);
            db.Environments.Add(environment);
            db.Revisions.Add(revision);
            db.AppDeployments.Add(deployment);
            await db.SaveChangesAsync();
        });

    private Task RunAsync(Domain.Tenancy.Tenant tenant, Build build) =>
        World.AsDeveloperOfAsync<OperationJob, bool>(tenant, async job =>
        {
            await job.RunAsync(build.OperationId!.Value, default);
            return true;
        });

    private string[] Entries(string folder)
    {
        var path = Path.Combine(_storage.FullName, folder);
        return Directory.Exists(path) ? Directory.GetFileSystemEntries(path) : [];
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Runs;
using BuildsUseCase = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class ArchiveBuildsOnSqlite() : ArchiveBuildsScenarios(DatabaseKind.Sqlite);

public sealed class ArchiveBuildsOnPostgres() : ArchiveBuildsScenarios(DatabaseKind.Postgres);

/// <summary>
/// Builds of uploaded archives queued on both databases: the archive kept for its build under the data folder, and
/// every refusal (not an archive, '..', a link out, an absolute path, too large, no recipe) keeping nothing.
/// </summary>
public abstract class ArchiveBuildsScenarios(DatabaseKind kind) : IAsyncLifetime
{
    private const long Limit = 64 * 1024;
    private readonly DirectoryInfo _storage = Directory.CreateTempSubdirectory("portal-archive-builds-");
    private SourcesWorld? _world;
    private string? _skipped;

    public async Task InitializeAsync()
    {
        _skipped = SourcesWorld.Unavailable(kind);
        if (_skipped is null)
            _world = await SourcesWorld.CreateAsync(kind, services =>
                services
                    .AddSingleton(new BuildStorage(_storage.FullName))
                    .Configure<ArchiveOptions>(o => o.MaxArchiveBytes = Limit)
            );
    }

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
        _storage.Delete(recursive: true);
    }

    private SourcesWorld Started()
    {
        Skip.If(_skipped is not null, _skipped);
        return _world!;
    }

    private string ArchivesFolder => Path.Combine(_storage.FullName, "archives");

    private string[] StoredFiles() =>
        Directory.Exists(ArchivesFolder) ? Directory.GetFileSystemEntries(ArchivesFolder) : [];

    private static Task<Result<Build>> UploadAsync(
        SourcesWorld world,
        Domain.Tenancy.Tenant tenant,
        byte[] archive,
        string? recipe = null,
        string fileName = "shop.tar.gz"
    ) =>
        world.AsDeveloperOfAsync<BuildsUseCase, Result<Build>>(tenant, builds =>
            builds.QueueArchiveAsync(
                new QueueArchiveBuild("shop", fileName, new MemoryStream(archive), recipe),
                default
            )
        );

    [SkippableFact]
    public async Task An_archive_is_kept_for_its_build_which_records_its_name_size_and_sha256_and_is_audited()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("uploads");
        var archive = TestArchives.Site();

        var queued = await UploadAsync(world, tenant, archive, fileName: "C:\\work\\site.tar.gz");

        Assert.True(queued.Succeeded, queued.Problem?.Message);
        var build = await world.ReadAsync(db => db.Builds.IgnoreQueryFilters().SingleAsync());
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(archive));
        Assert.Equal(
            ("site.tar.gz", (long)archive.Length, sha),
            (build.Ref, build.Archive!.SizeBytes, build.Archive.Sha256)
        );
        Assert.Equal($"archive-{sha[..12]}", build.Archive.ImageTag);
        Assert.Null(build.Commit);
        Assert.Equal([Path.Combine(ArchivesFolder, $"{build.Id:N}.archive")], StoredFiles());
        Assert.Equal(archive, await File.ReadAllBytesAsync(StoredFiles()[0]));
        Assert.Equal([build.OperationId!.Value], world.Queued.Select(o => o.Id));
        var audit = await world.ReadAsync(db =>
            db.AuditEvents.IgnoreQueryFilters().SingleAsync(e => e.Action == BuildAuditActions.ArchiveBuildQueued)
        );
        Assert.Contains(sha, audit.Summary, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_recipe_chosen_for_an_archive_is_kept_with_its_build()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("chosen");

        var queued = await UploadAsync(world, tenant, TestArchives.RefusedArchive("no-recipe"), "static");

        Assert.True(queued.Succeeded, queued.Problem?.Message);
        Assert.Equal("static", queued.Value.RequestedRecipe?.Recipe);
    }

    [SkippableTheory]
    [MemberData(nameof(TestArchives.Refused), MemberType = typeof(TestArchives))]
    public async Task A_refused_archive_saves_no_build_and_leaves_no_file(string archiveKind, string words)
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("refused");

        var queued = await UploadAsync(world, tenant, TestArchives.RefusedArchive(archiveKind));

        Assert.Equal(ProblemKind.Invalid, queued.Problem?.Kind);
        Assert.Contains(words, queued.Problem!.Message, StringComparison.Ordinal);
        await AssertNothingSavedAsync(world);
    }

    [SkippableFact]
    public async Task An_archive_over_the_limit_is_refused_at_the_limit_and_leaves_no_file()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("toolarge");
        var upload = new EndlessZeros();

        var queued = await world.AsDeveloperOfAsync<BuildsUseCase, Result<Build>>(tenant, builds =>
            builds.QueueArchiveAsync(new QueueArchiveBuild("shop", "zeros.tar.gz", upload), default)
        );

        Assert.Equal("The archive is larger than 64 KiB, the most allowed.", queued.Problem?.Message);
        Assert.InRange(upload.Consumed, Limit, Limit + 81920);
        await AssertNothingSavedAsync(world);
    }

    [SkippableFact]
    public async Task A_queued_archives_build_cancelled_deletes_its_archive_and_cannot_be_rebuilt()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("cancelarc");
        await UploadAsync(world, tenant, TestArchives.Site());

        var cancelled = await world.AsDeveloperOfAsync<BuildsUseCase, Result>(tenant, builds =>
            builds.CancelAsync("shop", 1, default)
        );
        var rebuilt = await world.AsDeveloperOfAsync<BuildsUseCase, Result<Build>>(tenant, builds =>
            builds.RebuildAsync("shop", 1, default)
        );

        Assert.True(cancelled.Succeeded, cancelled.Problem?.Message);
        Assert.Empty(StoredFiles());
        Assert.Equal(ProblemKind.Conflict, rebuilt.Problem?.Kind);
        Assert.Contains("upload the archive again", rebuilt.Problem!.Message, StringComparison.Ordinal);
    }

    private async Task AssertNothingSavedAsync(SourcesWorld world)
    {
        Assert.Equal(0, await world.ReadAsync(db => db.Builds.IgnoreQueryFilters().CountAsync()));
        Assert.Equal(0, await world.ReadAsync(db => db.Operations.IgnoreQueryFilters().CountAsync()));
        Assert.Empty(world.Queued);
        Assert.Empty(StoredFiles());
    }

    /// <summary>An upload that never ends, as a client streaming gigabytes of zeros; counts what was read.</summary>
    private sealed class EndlessZeros : Stream
    {
        public long Consumed { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            Consumed += count;
            return count;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using Microsoft.EntityFrameworkCore;
using Portal.Domain.Builds;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class BuildStorageOnSqlite() : BuildStorageScenarios(DatabaseKind.Sqlite);

public sealed class BuildStorageOnPostgres() : BuildStorageScenarios(DatabaseKind.Postgres);

/// <summary>A build as the builds table keeps it, on each database provider.</summary>
public abstract class BuildStorageScenarios(DatabaseKind kind) : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 12, 6, 10, 0, 0, DateTimeKind.Utc);
    private SourcesWorld? _world;
    private string? _skipped;

    public async Task InitializeAsync()
    {
        _skipped = SourcesWorld.Unavailable(kind);
        if (_skipped is null)
            _world = await SourcesWorld.CreateAsync(kind);
    }

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
    }

    private SourcesWorld Started()
    {
        Skip.If(_skipped is not null, _skipped);
        return _world!;
    }

    [SkippableFact]
    public async Task A_finished_build_is_read_back_with_its_commit_image_and_times()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("built");
        var appId = await world.ReadAsync(db =>
            db.Applications.IgnoreQueryFilters().Where(a => a.TenantId == tenant.Id).Select(a => a.Id).SingleAsync()
        );
        var build = Build.Queue(tenant.Id, appId, 0, "main", "ada@shop.example", T0).Value;
        build.Start(T0.AddSeconds(2));
        build.Fetched(new SourceCommit(new string('d', 40), new string('s', 600), "Ada <ada@shop.example>", T0));
        build.Detected(new RecipeChoice("node", new Dictionary<string, string> { ["port"] = "3000" }));
        build.Succeed(
            new PushedImage("127.0.0.1:5000/built/shop", "dddddddddddd", "sha256:" + new string('e', 64), 42_000_000),
            T0.AddSeconds(62)
        );
        await world.ReadAsync(async db =>
        {
            db.Builds.Add(build);
            return await db.SaveChangesAsync();
        });

        var read = await world.ReadAsync(db => db.Builds.IgnoreQueryFilters().AsNoTracking().SingleAsync());

        Assert.Equal(1, read.Number);
        Assert.Equal(BuildState.Succeeded, read.State);
        Assert.Equal("node", read.Recipe);
        Assert.Equal(new string('d', 40), read.Commit!.Sha);
        Assert.Equal(SourceCommit.SubjectMaxLength, read.Commit.Subject.Length);
        Assert.Equal(build.Image, read.Image);
        Assert.Equal(TimeSpan.FromMinutes(1), read.Duration);
        Assert.Null(read.Failure);
    }

    [SkippableFact]
    public async Task A_queued_build_has_no_commit_or_image_and_two_builds_of_one_app_cannot_share_a_number()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("numbered");
        var appId = await world.ReadAsync(db =>
            db.Applications.IgnoreQueryFilters().Where(a => a.TenantId == tenant.Id).Select(a => a.Id).SingleAsync()
        );
        await world.ReadAsync(async db =>
        {
            db.Builds.Add(Build.Queue(tenant.Id, appId, 0, "main", "ada@shop.example", T0).Value);
            return await db.SaveChangesAsync();
        });

        var read = await world.ReadAsync(db => db.Builds.IgnoreQueryFilters().AsNoTracking().SingleAsync());
        var twin = world.ReadAsync(async db =>
        {
            db.Builds.Add(Build.Queue(tenant.Id, appId, 0, "dev", "bob@shop.example", T0).Value);
            return await db.SaveChangesAsync();
        });

        Assert.Equal(BuildState.Queued, read.State);
        Assert.Null(read.Commit);
        Assert.Null(read.Image);
        await Assert.ThrowsAsync<DbUpdateException>(() => twin);
    }
}

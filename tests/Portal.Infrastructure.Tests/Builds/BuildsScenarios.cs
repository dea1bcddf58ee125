using Microsoft.EntityFrameworkCore;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Common;
using BuildsUseCase = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class BuildsOnSqlite() : BuildsScenarios(DatabaseKind.Sqlite);

public sealed class BuildsOnPostgres() : BuildsScenarios(DatabaseKind.Postgres);

/// <summary>The builds use case on both databases: queueing, cancelling, the list's filters and paging.</summary>
public abstract class BuildsScenarios(DatabaseKind kind) : IAsyncLifetime
{
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

    private static async Task<Domain.Tenancy.Tenant> WithSourceAsync(SourcesWorld world, string slug)
    {
        var tenant = await world.AddTenantWithAppAsync(slug);
        var connected = await world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(
                new ConnectAppSource(
                    "shop",
                    "https://github.com/acme/shop.git",
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

    private static Task<Result<Build>> QueueAsync(SourcesWorld world, Domain.Tenancy.Tenant tenant, string? gitRef) =>
        world.AsDeveloperOfAsync<BuildsUseCase, Result<Build>>(tenant, builds =>
            builds.QueueAsync(new QueueBuild("shop", gitRef), default)
        );

    [SkippableFact]
    public async Task A_build_of_an_application_without_a_source_is_refused_and_saves_nothing()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("nosource");

        var queued = await QueueAsync(world, tenant, "main");

        Assert.Equal(ProblemKind.Invalid, queued.Problem?.Kind);
        Assert.Equal("'shop' has no source to build: connect a Git repository to it first.", queued.Problem!.Message);
        Assert.Equal(0, await world.ReadAsync(db => db.Builds.IgnoreQueryFilters().CountAsync()));
        Assert.Empty(world.Queued);
    }

    [SkippableFact]
    public async Task Builds_are_numbered_per_application_saved_with_their_operation_audited_and_queued()
    {
        var world = Started();
        var tenant = await WithSourceAsync(world, "numbered");

        var first = await QueueAsync(world, tenant, null);
        var second = await QueueAsync(world, tenant, "feature");

        Assert.Equal([1, 2], new[] { first.Value.Number, second.Value.Number });
        Assert.Equal("main", first.Value.Ref);
        Assert.Equal([first.Value.OperationId!.Value, second.Value.OperationId!.Value], world.Queued.Select(o => o.Id));
        var operation = await world.ReadAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == second.Value.OperationId)
        );
        Assert.Equal((OperationKinds.BuildApplication, "shop/2"), (operation.Kind, operation.TargetId));
        Assert.Equal(
            2,
            await world.ReadAsync(db =>
                db.AuditEvents.IgnoreQueryFilters().CountAsync(e => e.Action == BuildAuditActions.BuildQueued)
            )
        );
    }

    [SkippableFact]
    public async Task A_queued_build_cancelled_ends_at_once_and_a_second_cancel_is_refused()
    {
        var world = Started();
        var tenant = await WithSourceAsync(world, "cancelling");
        await QueueAsync(world, tenant, "main");

        var cancelled = await world.AsDeveloperOfAsync<BuildsUseCase, Result>(tenant, builds =>
            builds.CancelAsync("shop", 1, default)
        );
        var again = await world.AsDeveloperOfAsync<BuildsUseCase, Result>(tenant, builds =>
            builds.CancelAsync("shop", 1, default)
        );

        Assert.True(cancelled.Succeeded, cancelled.Problem?.Message);
        Assert.Equal(ProblemKind.Conflict, again.Problem?.Kind);
        var build = await world.ReadAsync(db => db.Builds.IgnoreQueryFilters().SingleAsync());
        Assert.Equal(BuildState.Cancelled, build.State);
    }

    [SkippableFact]
    public async Task The_list_filters_by_state_and_ref_pages_on_the_server_and_shows_no_other_tenants_builds()
    {
        var world = Started();
        var tenant = await WithSourceAsync(world, "listed");
        var other = await WithSourceAsync(world, "other");
        for (var i = 0; i < 5; i++)
            await QueueAsync(world, tenant, i % 2 == 0 ? "main" : "feature");
        await QueueAsync(world, other, "main");
        await world.AsDeveloperOfAsync<BuildsUseCase, Result>(tenant, builds => builds.CancelAsync("shop", 5, default));

        var page2 = await world.AsDeveloperOfAsync<BuildsUseCase, Page<BuildRow>>(tenant, builds =>
            builds.ListAsync(new BuildQuery(Page: 2, PageSize: 2), default)
        );
        var mainQueued = await world.AsDeveloperOfAsync<BuildsUseCase, Page<BuildRow>>(tenant, builds =>
            builds.ListAsync(new BuildQuery("shop", BuildState.Queued, "main"), default)
        );
        var otherList = await world.AsDeveloperOfAsync<BuildsUseCase, Page<BuildRow>>(other, builds =>
            builds.ListAsync(new BuildQuery(), default)
        );

        Assert.Equal(5, page2.Total);
        Assert.Equal([3, 2], page2.Items.Select(r => r.Number));
        Assert.Equal([3, 1], mainQueued.Items.Select(r => r.Number));
        Assert.Equal([1], otherList.Items.Select(r => r.Number));
        Assert.All(otherList.Items, r => Assert.Equal("main", r.Ref));
    }
}

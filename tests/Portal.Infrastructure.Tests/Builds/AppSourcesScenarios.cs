using Microsoft.EntityFrameworkCore;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class AppSourcesOnSqlite() : AppSourcesScenarios(DatabaseKind.Sqlite);

public sealed class AppSourcesOnPostgres() : AppSourcesScenarios(DatabaseKind.Postgres);

public abstract class AppSourcesScenarios(DatabaseKind kind) : IAsyncLifetime
{
    private const string Token = "ghp_Never-Stored-In-Clear-1234";
    private SourcesWorld? _world;

    private SourcesWorld World => _world ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _skipped = SourcesWorld.Unavailable(kind);
        if (_skipped is null)
            _world = await SourcesWorld.CreateAsync(kind);
    }

    private string? _skipped;

    private SourcesWorld Started()
    {
        Skip.If(_skipped is not null, _skipped);
        return World;
    }

    private static ConnectAppSource Connect(
        string url = "https://github.com/acme/shop.git",
        string refName = "main",
        string? subDirectory = "services/api",
        GitCredentialKind credential = GitCredentialKind.Token,
        string? secret = Token,
        string app = "shop"
    ) => new(app, url, refName, subDirectory, credential, null, secret);

    [SkippableFact]
    public async Task A_connected_source_is_stored_with_its_credential_sealed_and_read_back_without_it()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("acme");

        var connected = await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(), default));

        Assert.True(connected.Succeeded, connected.Problem?.Message);
        var read = await world.AsDeveloperOfAsync(tenant, sources => sources.FindAsync("shop", default));
        Assert.Equal(
            new AppSourceView(
                "https://github.com/acme/shop.git",
                "main",
                "services/api",
                GitCredentialKind.Token,
                true,
                new string('c', 40),
                read!.UpdatedAt
            ),
            read
        );
        var stored = await world.ReadAsync(db =>
            db.Database.SqlQueryRaw<string>("SELECT \"SealedCredential\" AS \"Value\" FROM \"AppSources\"")
                .SingleAsync()
        );
        Assert.NotEmpty(stored);
        Assert.DoesNotContain(Token, stored, StringComparison.Ordinal);
        Assert.Equal(Token, world.Git.Asked.Single().Remote.Credential.Secret);
    }

    [SkippableFact]
    public async Task Connecting_is_audited_with_the_address_and_never_the_credential()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("audited");

        await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(), default));
        await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(refName: "v2"), default));
        await world.AsDeveloperOfAsync(tenant, sources => sources.DisconnectAsync("shop", default));

        var entries = await world.ReadAsync(db =>
            db.AuditEvents.Where(e => e.TenantId == tenant.Id).OrderBy(e => e.Id).ToListAsync()
        );
        Assert.Equal(
            [BuildAuditActions.SourceConnected, BuildAuditActions.SourceReplaced, BuildAuditActions.SourceDisconnected],
            entries.Select(e => e.Action)
        );
        Assert.Equal("https://github.com/acme/shop.git @ main in services/api (token)", entries[0].Summary);
        Assert.All(entries, e => Assert.DoesNotContain(Token, e.Summary ?? "", StringComparison.Ordinal));
        Assert.Equal(0, await world.ReadAsync(db => db.AppSources.IgnoreQueryFilters().CountAsync()));
    }

    [SkippableFact]
    public async Task Testing_a_source_answers_with_the_commit_and_saves_nothing()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("tested");

        var tested = await world.AsDeveloperOfAsync(tenant, sources => sources.TestAsync(Connect(), default));

        Assert.Equal(new string('c', 40), tested.Value.Commit);
        Assert.Equal(0, await world.ReadAsync(db => db.AppSources.IgnoreQueryFilters().CountAsync()));
        Assert.Equal(0, await world.ReadAsync(db => db.AuditEvents.CountAsync(e => e.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task A_repository_that_does_not_answer_saves_nothing()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("refused");
        world.Git.Answer = Problem.Invalid(
            "Ref",
            "'https://github.com/acme/shop.git' has no branch or tag named 'main'."
        );

        var connected = await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(), default));

        Assert.Equal("Ref", connected.Problem!.Field);
        Assert.Equal(0, await world.ReadAsync(db => db.AppSources.IgnoreQueryFilters().CountAsync()));
        Assert.Equal(0, await world.ReadAsync(db => db.AuditEvents.CountAsync(e => e.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task Bad_input_names_each_field_and_never_reaches_the_repository()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("badinput");

        var connected = await world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(
                Connect(url: "http://github.com/x.git", refName: "a..b", subDirectory: "/etc"),
                default
            )
        );

        Assert.Equal(["RepositoryUrl", "Ref", "SubDirectory"], connected.Problem!.Causes.Select(c => c.Field ?? ""));
        Assert.Empty(world.Git.Asked);
    }

    [SkippableFact]
    public async Task A_host_on_a_private_network_is_refused_before_git_is_run()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("private");

        var connected = await world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(Connect(url: "https://127.0.0.1/acme/shop.git"), default)
        );

        Assert.Equal("RepositoryUrl", connected.Problem!.Field);
        Assert.Contains("a loopback address", connected.Problem.Message, StringComparison.Ordinal);
        Assert.Empty(world.Git.Asked);
    }

    [SkippableFact]
    public async Task A_secret_left_empty_keeps_the_stored_one_toward_the_same_host()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("keeps");
        await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(), default));

        var replaced = await world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(Connect(url: "https://github.com/acme/other.git", secret: ""), default)
        );

        Assert.True(replaced.Succeeded, replaced.Problem?.Message);
        Assert.Equal(Token, world.Git.Asked.Last().Remote.Credential.Secret);
    }

    [SkippableFact]
    public async Task A_stored_credential_is_never_sent_to_another_host()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("nosteal");
        await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(), default));

        var replaced = await world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(Connect(url: "https://git.example.com/acme/shop.git", secret: ""), default)
        );

        Assert.Equal("Secret", replaced.Problem!.Field);
        Assert.Single(world.Git.Asked);
    }

    [SkippableFact]
    public async Task Another_tenant_neither_sees_nor_fetches_the_source()
    {
        var world = Started();
        var owner = await world.AddTenantWithAppAsync("owner");
        var other = await world.AddTenantWithAppAsync("other");
        await world.AsDeveloperOfAsync(owner, sources => sources.ConnectAsync(Connect(), default));
        var appId = await world.ReadAsync(db =>
            db.AppSources.IgnoreQueryFilters().Select(s => s.ApplicationId).SingleAsync()
        );

        Assert.Null(await world.AsDeveloperOfAsync(other, sources => sources.FindAsync("shop", default)));
        var fetched = await world.AsDeveloperOfAsync(other, sources => sources.ToFetchAsync(appId, default));
        Assert.Equal(ProblemKind.NotFound, fetched.Problem!.Kind);
        var disconnected = await world.AsDeveloperOfAsync(other, sources => sources.DisconnectAsync("shop", default));
        Assert.Equal(ProblemKind.NotFound, disconnected.Problem!.Kind);
    }

    [SkippableFact]
    public async Task A_build_gets_the_source_with_its_credential_opened()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("builds");
        await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(), default));
        var appId = await world.ReadAsync(db =>
            db.AppSources.IgnoreQueryFilters().Select(s => s.ApplicationId).SingleAsync()
        );

        var fetched = await world.AsDeveloperOfAsync(tenant, sources => sources.ToFetchAsync(appId, default));

        Assert.Equal("https://github.com/acme/shop.git", fetched.Value.Remote.Url);
        Assert.Equal(Token, fetched.Value.Remote.Credential.Secret);
        Assert.Equal("services/api", fetched.Value.Address.SubDirectory.Value);
    }

    [SkippableFact]
    public async Task Ssh_host_keys_met_on_first_contact_are_kept_for_the_next()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("sshkeys");
        world.Git.Answer = new GitConnection(GitRefKind.Branch, new string('d', 40), "github.com ssh-ed25519 AAAAC3");

        await world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(
                Connect(url: "git@github.com:acme/shop.git", credential: GitCredentialKind.None, secret: null),
                default
            )
        );
        await world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(
                Connect(url: "git@github.com:acme/other.git", credential: GitCredentialKind.None, secret: null),
                default
            )
        );

        Assert.Equal("github.com ssh-ed25519 AAAAC3", world.Git.Asked.Last().Remote.KnownHosts);
    }

    [SkippableFact]
    public async Task A_suspended_tenant_cannot_connect_a_source()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("suspended");
        await world.SuspendAsync(tenant);

        var connected = await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(), default));

        Assert.Equal(ProblemKind.Forbidden, connected.Problem!.Kind);
    }

    [SkippableFact]
    public async Task An_unknown_application_is_not_found()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("unknown");

        var connected = await world.AsDeveloperOfAsync(tenant, sources =>
            sources.ConnectAsync(Connect(app: "nope"), default)
        );

        Assert.Equal(ProblemKind.NotFound, connected.Problem!.Kind);
    }

    [SkippableFact]
    public async Task A_source_goes_with_its_application()
    {
        var world = Started();
        var tenant = await world.AddTenantWithAppAsync("deleted");
        await world.AsDeveloperOfAsync(tenant, sources => sources.ConnectAsync(Connect(), default));

        await world.ReadAsync(async db =>
        {
            db.Applications.RemoveRange(db.Applications.IgnoreQueryFilters().Where(a => a.TenantId == tenant.Id));
            return await db.SaveChangesAsync();
        });

        Assert.Equal(0, await world.ReadAsync(db => db.AppSources.IgnoreQueryFilters().CountAsync()));
    }

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
    }
}

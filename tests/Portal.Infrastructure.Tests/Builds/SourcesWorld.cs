using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Tests.Builds;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The portal's infrastructure on a fresh database of either kind, migrated, with a Git client that answers as told
/// and remembers what it was asked: the use case's rules are under test here, real git in <see cref="GitClientTests"/>.
/// </summary>
public sealed class SourcesWorld : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string? _sqliteFile;

    public AnsweringGitClient Git { get; } = new();

    /// <summary>The operations handed to the job scheduler, which runs none of them here.</summary>
    public List<Domain.Operations.Operation> Queued { get; } = [];

    private SourcesWorld(DatabaseKind kind, Action<IServiceCollection>? configure)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Portal:Builds:Git:AllowedHosts:0"] = "github.com",
            ["Portal:Builds:Git:AllowedHosts:1"] = "git.example.com",
            ["Portal:Builds:Recipes:Directory"] = Recipes.RecipeDirectory(),
            ["Portal:Builds:BaseImages:Source"] = "Public",
        };
        if (kind == DatabaseKind.Sqlite)
        {
            _sqliteFile = Path.Combine(Path.GetTempPath(), $"portal-app-sources-{Guid.NewGuid():N}.db");
            settings["ConnectionStrings:Portal"] = $"Data Source={_sqliteFile};Pooling=False";
        }
        else
        {
            settings["Portal:Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Portal"] =
                $"{PostgresServer};Database=portal_sources_{Guid.NewGuid():N};Pooling=False";
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddPortalInfrastructure(configuration, Path.GetTempPath())
            .AddSingleton<IGitClient>(Git)
            .AddSingleton<Domain.Operations.IOperationQueue>(new RecordingQueue(Queued));
        configure?.Invoke(services);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public static string? PostgresServer =>
        Environment.GetEnvironmentVariable("PORTAL_TEST_POSTGRES") is { Length: > 0 } value ? value : null;

    /// <summary>
    /// Why a database of <paramref name="kind"/> cannot be had here, or null; under CI=true it must be.
    /// </summary>
    public static string? Unavailable(DatabaseKind kind)
    {
        if (kind == DatabaseKind.Sqlite || PostgresServer is not null)
            return null;
        if (GitTool.InCi)
            throw new InvalidOperationException(
                "CI=true but PORTAL_TEST_POSTGRES is not set: the PostgreSQL tests cannot run."
            );
        return "PORTAL_TEST_POSTGRES is not set; PostgreSQL tests run in CI (.ci/run).";
    }

    /// <param name="configure">Replaces services of the portal's, such as the Git client or the registry.</param>
    public static async Task<SourcesWorld> CreateAsync(DatabaseKind kind, Action<IServiceCollection>? configure = null)
    {
        var world = new SourcesWorld(kind, configure);
        await using var scope = world._services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(default);
        return world;
    }

    /// <summary>A tenant with one application named <paramref name="appName"/>.</summary>
    public async Task<Tenant> AddTenantWithAppAsync(string slug, string appName = "shop")
    {
        await using (var scope = _services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            db.Tenants.Add(Tenant.Create(slug, slug.ToUpperInvariant(), DateTime.UtcNow).Value);
            await db.SaveChangesAsync();
        }
        return await AddAppAsync(slug, appName);
    }

    /// <summary>One more application of the tenant <paramref name="slug"/>; answers the tenant.</summary>
    public async Task<Tenant> AddAppAsync(string slug, string appName)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var tenant = await db.Tenants.SingleAsync(t => t.Slug == slug);
        var spec = new Domain.Applications.DeploymentSpec
        {
            Image = "nginx:1.27",
            Resources = new(100, 200, 64L << 20, 128L << 20),
        };
        var vault = scope.ServiceProvider.GetRequiredService<SpecVault>();
        db.Applications.Add(
            Domain.Applications.Application.Create(tenant, appName, "", "team", spec, vault.Seal, DateTime.UtcNow).Value
        );
        await db.SaveChangesAsync();
        return tenant;
    }

    public async Task SuspendAsync(Tenant tenant)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var stored = await db.Tenants.SingleAsync(t => t.Id == tenant.Id);
        Assert.True(stored.Suspend().Succeeded);
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Runs <paramref name="work"/> as a developer of <paramref name="tenant"/>, as one request would.
    /// </summary>
    public Task<T> AsDeveloperOfAsync<T>(Tenant tenant, Func<AppSources, Task<T>> work) =>
        AsDeveloperOfAsync<AppSources, T>(tenant, work);

    /// <summary>Runs <paramref name="work"/> with a use case of the request's scope, as a developer.</summary>
    public async Task<T> AsDeveloperOfAsync<TUseCase, T>(Tenant tenant, Func<TUseCase, Task<T>> work)
        where TUseCase : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        scope
            .ServiceProvider.GetRequiredService<TenantScope>()
            .Bind(await db.Tenants.SingleAsync(t => t.Id == tenant.Id));
        scope
            .ServiceProvider.GetRequiredService<CurrentActor>()
            .ActAs(new Actor(Guid.NewGuid(), "dev@example.com", null));
        return await work(scope.ServiceProvider.GetRequiredService<TUseCase>());
    }

    /// <summary>Runs <paramref name="work"/> with the services of a scope of its own, no tenant bound.</summary>
    public async Task InScopeAsync(Func<IServiceProvider, Task> work)
    {
        await using var scope = _services.CreateAsyncScope();
        await work(scope.ServiceProvider);
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a service of a scope bound to no tenant and no actor, as a Hangfire job's is.
    /// </summary>
    public async Task<T> AsJobAsync<TService, T>(Func<TService, Task<T>> work)
        where TService : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>Reads the database past the tenant filters, as an operator with psql would.</summary>
    public async Task<T> ReadAsync<T>(Func<PortalDbContext, Task<T>> read)
    {
        await using var scope = _services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    public async ValueTask DisposeAsync()
    {
        if (_sqliteFile is null)
        {
            await using var scope = _services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Database.EnsureDeletedAsync();
        }
        await _services.DisposeAsync();
        if (_sqliteFile is not null)
        {
            foreach (var path in new[] { _sqliteFile, _sqliteFile + "-wal", _sqliteFile + "-shm" })
                File.Delete(path);
        }
    }
}

/// <summary>
/// A Git client that answers every test with <see cref="Answer"/> and records the remotes it was given.
/// </summary>
public sealed class AnsweringGitClient : IGitClient
{
    public Result<GitConnection> Answer { get; set; } = new GitConnection(GitRefKind.Branch, new string('c', 40), "");

    public List<(GitRemote Remote, string Ref)> Asked { get; } = [];

    public Task<Result<GitConnection>> TestConnectionAsync(GitRemote remote, string refName, CancellationToken ct)
    {
        Asked.Add((remote, refName));
        return Task.FromResult(Answer);
    }

    public Task<Result<GitCheckout>> FetchAsync(
        GitRemote remote,
        string refOrCommit,
        SourceSubDirectory subDirectory,
        string directory,
        CancellationToken ct
    ) => throw new NotSupportedException("The use case never fetches.");
}

internal sealed class RecordingQueue(List<Domain.Operations.Operation> queued) : Domain.Operations.IOperationQueue
{
    public void Enqueue(Domain.Operations.Operation operation) => queued.Add(operation);

    public bool Holds(string jobId) => false;

    /// <summary>The test runs the job again by hand, as the scheduled look would.</summary>
    public void LookAgainAfter(Guid operationId, TimeSpan delay) { }

    public void Wake(Guid operationId) { }
}

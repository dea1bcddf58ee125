using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Builds;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// Arranges builds for the builds pages, API and hub: an application connected to a repository made with git, and
/// builds as their run leaves them (with their operation's steps and their log), written straight to the database.
/// </summary>
public sealed class BuildWorld(SourcesPortal portal)
{
    public static readonly string Digest = "sha256:" + new string('7', 64);
    public const string Sha = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    public Arrange Arrange => new(portal.Factory);

    /// <summary>A tenant with an environment, an application, and a repository connected through the API.</summary>
    public async Task<(Tenant Tenant, string App, HttpClient Developer)> ConnectedAsync()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        var repository = Arrange.Unique("shop");
        portal.Git.Repository(repository);
        var developer = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var connected = await developer.PutAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/{app}/source",
            new
            {
                repositoryUrl = LocalGitHost.Url(repository),
                @ref = "main",
                credentialKind = "None",
            }
        );
        connected.EnsureSuccessStatusCode();
        return (tenant, app, developer);
    }

    /// <summary>A tenant with an environment and an application that has no source.</summary>
    public async Task<(Tenant Tenant, string App)> WithoutSourceAsync()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        return (tenant, app);
    }

    public Task<Build> SucceededAsync(Tenant tenant, string app, string gitRef = "main") =>
        BuildAsync(
            tenant,
            app,
            gitRef,
            b =>
            {
                b.Fetched(new SourceCommit(Sha, "Serve /health", "Ada <ada@shop.example>", Now));
                b.Detected(new RecipeChoice("static", new Dictionary<string, string> { ["port"] = "8080" }));
                b.Succeed(
                    new PushedImage($"127.0.0.1:5000/{tenant.Slug}/{app}", Sha[..12], Digest, 3 * 1024 * 1024),
                    Now
                );
            },
            ["Fetching main…\n", "Recipe: static.\n", $"Pushed as {Digest}.\n"]
        );

    public Task<Build> FailedAsync(Tenant tenant, string app, string reason) =>
        BuildAsync(
            tenant,
            app,
            "main",
            b =>
            {
                b.Fetched(new SourceCommit(Sha, "Break the build", "Ada <ada@shop.example>", Now));
                b.Fail(BuildFailure.Compile, reason, Now);
            },
            ["Fetching main…\n", reason + "\n"]
        );

    /// <summary>
    /// A build of the app as its run leaves it: run by an operation whose steps fetch, detect, build and push took a
    /// second each (as far as <paramref name="run"/> went), with <paramref name="log"/> as its kept log.
    /// </summary>
    public async Task<Build> BuildAsync(
        Tenant tenant,
        string app,
        string gitRef,
        Action<Build>? run,
        IReadOnlyList<string> log
    )
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var appId = await db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == app)
            .Select(a => a.Id)
            .SingleAsync();
        var last = await db.Builds.IgnoreQueryFilters().Where(b => b.ApplicationId == appId).CountAsync();
        var build = Build.Queue(tenant.Id, appId, last, gitRef, "ada@shop.example", Now).Value;
        var operation = new Operation(
            tenant.Id,
            OperationKinds.BuildApplication,
            "build",
            $"{app}/{build.Number}",
            "ada@shop.example",
            Now
        );
        build.RunBy(operation.Id);
        if (run is not null)
        {
            build.Start(Now);
            var at = Now.AddSeconds(-10);
            foreach (var step in new[] { "fetch", "detect", "build", "push" })
            {
                operation.BeginStep(step, at);
                operation.CompleteStep(step, at = at.AddSeconds(1));
            }
            run(build);
        }
        db.Operations.Add(operation);
        db.Builds.Add(build);
        var sequence = 0;
        foreach (var text in log)
            db.BuildLogChunks.Add(new BuildLogChunk(tenant.Id, build.Id, ++sequence, text, Now));
        await db.SaveChangesAsync();
        return build;
    }

    public Task<int> BuildsOfAsync(Tenant tenant) =>
        Arrange.QueryAsync(db => db.Builds.IgnoreQueryFilters().CountAsync(b => b.TenantId == tenant.Id));

    public Task<Build> FindAsync(Tenant tenant, string app, int number) =>
        Arrange.QueryAsync(db =>
            (
                from b in db.Builds.IgnoreQueryFilters().AsNoTracking()
                join a in db.Applications.IgnoreQueryFilters() on b.ApplicationId equals a.Id
                where b.TenantId == tenant.Id && a.Name == app && b.Number == number
                select b
            ).SingleAsync()
        );

    private static DateTime Now => DateTime.UtcNow;
}

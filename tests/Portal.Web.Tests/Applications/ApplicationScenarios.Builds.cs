using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>Deploying what a build pushed: the image pinned by digest, and the commit on the revision.</summary>
public abstract partial class ApplicationScenarios
{
    private static readonly string Digest = "sha256:" + new string('9', 64);

    [SkippableFact]
    public async Task A_deployed_build_runs_its_image_pinned_by_digest_and_its_revision_names_the_commit()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        var build = await SucceededBuildAsync(tenant, "shop");

        var deployed = await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/builds/{build.Number}/deploy",
                new { environment = "dev", note = "first build" }
            )
        );

        Assert.Equal(OperationState.Succeeded, deployed.State);
        var revision = await Arrange.QueryAsync(db =>
            db.Revisions.IgnoreQueryFilters()
                .AsNoTracking()
                .Where(r => r.TenantId == tenant.Id)
                .OrderByDescending(r => r.Number)
                .FirstAsync()
        );
        Assert.Equal(build.Image!.Pinned, revision.Image);
        Assert.Equal($"deploy of build {build.Number}", revision.Origin);
        Assert.Equal(
            new RevisionSource(build.Number, "", build.Commit!.Sha, "Serve /health", "Ada <ada@shop.example>"),
            revision.Source
        );
        var working = await Arrange.QueryAsync(db =>
            db.Applications.IgnoreQueryFilters().Where(a => a.TenantId == tenant.Id).Select(a => a.Image).SingleAsync()
        );
        Assert.Equal(build.Image.Pinned, working);
        var ports = await api.GetStringAsync($"/api/v1/tenants/{slug}/apps/shop");
        Assert.Contains("\"port\":3000", ports);
        var listed = await api.GetStringAsync($"/api/v1/tenants/{slug}/apps/shop/revisions");
        Assert.Contains("\"subject\":\"Serve /health\"", listed);
        Assert.Contains($"\"commit\":\"{build.Commit.Sha}\"", listed);
    }

    [SkippableFact]
    public async Task A_later_deploy_of_the_same_image_still_names_the_commit()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        var build = await SucceededBuildAsync(tenant, "shop");
        var deployed = await DeployBuildAsync(tenant, new DeployBuild("shop", "dev", build.Number, null, false));
        await FinishedAsync(deployed.Value.Id);

        var again = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { })
        );
        var revisions = await Arrange.QueryAsync(db =>
            db.Revisions.IgnoreQueryFilters()
                .AsNoTracking()
                .Where(r => r.TenantId == tenant.Id)
                .OrderBy(r => r.Number)
                .Select(r => new { r.Number, r.Source })
                .ToListAsync()
        );

        Assert.Equal(OperationState.Succeeded, again.State);
        Assert.Equal(2, revisions.Count);
        Assert.All(revisions, r => Assert.Equal(build.Commit!.Sha, r.Source?.Commit));
    }

    [SkippableFact]
    public async Task A_build_that_pushed_nothing_or_does_not_exist_is_refused_and_nothing_changes()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        var failed = await BuildAsync(tenant, "shop", b => b.Fail(BuildFailure.Compile, "main.go:3: undefined", Now));

        var notPushed = await DeployBuildAsync(tenant, new DeployBuild("shop", "dev", failed.Number, null, false));
        var nowhere = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps/shop/builds/{failed.Number}/deploy",
            new { }
        );
        var missing = await DeployBuildAsync(tenant, new DeployBuild("shop", "dev", 99, null, false));

        Assert.Equal(ProblemKind.Conflict, notPushed.Problem!.Kind);
        Assert.Contains("only a build that pushed its image can be deployed", notPushed.Problem.Message);
        Assert.Equal(HttpStatusCode.BadRequest, nowhere.StatusCode);
        Assert.Contains("Say which environment to deploy the build to.", await nowhere.Content.ReadAsStringAsync());
        Assert.Equal(ProblemKind.Invalid, missing.Problem!.Kind);
        Assert.Equal("Build", missing.Problem.Field);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Revisions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id))
        );
        Assert.Equal(
            "nginx:1.27",
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters()
                    .Where(a => a.TenantId == tenant.Id)
                    .Select(a => a.Image)
                    .SingleAsync()
            )
        );
    }

    private static DateTime Now => DateTime.UtcNow;

    private Task<Build> SucceededBuildAsync(Tenant tenant, string app) => BuildAsync(tenant, app, b =>
        {
            b.Fetched(new SourceCommit(new string('4', 40), "Serve /health", "Ada <ada@shop.example>", Now));
            b.Detected(new RecipeChoice("static", new Dictionary<string, string> { ["port"] = "3000" }));
            b.Succeed(new PushedImage($"127.0.0.1:5000/{tenant.Slug}/{app}", "444444444444", Digest, 1234), Now);
        });

    /// <summary>A build of the app as the build job leaves it, written straight to the database.</summary>
    private async Task<Build> BuildAsync(Tenant tenant, string app, Action<Build> run)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Infrastructure.Persistence.PortalDbContext>();
        var appId = await db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == app)
            .Select(a => a.Id)
            .SingleAsync();
        var last = await db.Builds.IgnoreQueryFilters().Where(b => b.ApplicationId == appId).CountAsync();
        var build = Build.Queue(tenant.Id, appId, last, "main", "ada@shop.example", Now).Value;
        build.Start(Now);
        run(build);
        db.Builds.Add(build);
        await db.SaveChangesAsync();
        return build;
    }

    private async Task<Result<Operation>> DeployBuildAsync(Tenant tenant, DeployBuild request)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        scope.ServiceProvider.ActingAs(Domain.Audit.Actor.System, tenant);
        return await scope.ServiceProvider.GetRequiredService<ApplicationChanges>().DeployBuildAsync(request, default);
    }

    private async Task<Operation> FinishedAsync(Guid operationId)
    {
        Operation? operation = null;
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                operation = await Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == operationId)
                );
                return operation.IsFinished;
            },
            "the build's deploy to finish",
            40
        );
        return operation!;
    }
}

using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines.Stages;

/// <summary>
/// Canary stages against the sandbox cluster: an application runs at revision 1 with 2 replicas in "dev"; the stage
/// runs the run's image beside it as "{app}-canary", watches it, and promotes it or removes it. The operations run on
/// the portal's own job server.
/// </summary>
public sealed class CanaryStageScenarios(CanarySandboxPortal portal) : IClassFixture<CanarySandboxPortal>
{
    private static readonly string Digest = "sha256:" + new string('7', 64);

    private SandboxApps Apps => new(portal.Factory);

    [SkippableFact]
    public async Task A_healthy_canary_is_promoted_as_the_stable_revision_and_then_removed()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 2);
        var image = $"127.0.0.1:5000/{deployed.Tenant.Slug}/{deployed.App}@{Digest}";
        var run = await RunAsync(deployed, new CanaryStage("canary", "dev", 50, TimeSpan.FromSeconds(10), 0), image);
        using var cluster = Apps.SandboxClient();

        var seen = await AdvanceUntilAsync(run, deployed, async status =>
        {
            if (status is StageStatus.Going { Outcome: { } outcome } && outcome.Contains("left"))
                return await CanaryAsync(cluster, deployed) is { } canary
                    && canary.Spec.Replicas == 1
                    && canary.Spec.Template.Spec.Containers[0].Image == image;
            return false;
        });

        Assert.True(seen.Watched, "The canary Deployment was never seen running the run's image with 1 replica.");
        var succeeded = Assert.IsType<StageStatus.Succeeded>(seen.Ended);
        Assert.Contains("build 1 promoted to 'dev'", succeeded.Outcome);
        Assert.Null(await CanaryAsync(cluster, deployed));
        var stable = await cluster.AppsV1.ReadNamespacedDeploymentAsync(deployed.App, deployed.Namespace);
        Assert.Equal(image, stable.Spec.Template.Spec.Containers[0].Image);
        var revision = await Arrange.QueryAsync(db =>
            db.AppDeployments.IgnoreQueryFilters()
                .Where(d => d.TenantId == deployed.Tenant.Id)
                .Select(d => d.Revision)
                .SingleAsync()
        );
        Assert.Equal(2, revision);
    }

    [SkippableFact]
    public async Task A_crash_looping_canary_is_removed_and_fails_the_stage_with_its_restarts()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 2);
        var image = $"127.0.0.1:5000/{deployed.Tenant.Slug}/crashloop@{Digest}";
        var run = await RunAsync(deployed, new CanaryStage("canary", "dev", 50, TimeSpan.FromMinutes(5), 0), image);
        using var cluster = Apps.SandboxClient();

        var seen = await AdvanceUntilAsync(run, deployed, async _ => await CanaryAsync(cluster, deployed) is not null);

        Assert.True(seen.Watched, "The canary Deployment was never made.");
        var failed = Assert.IsType<StageStatus.Failed>(seen.Ended);
        Assert.StartsWith("The canary was rolled back: its pods restarted", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("more than the 0 allowed", failed.Reason);
        Assert.Null(await CanaryAsync(cluster, deployed));
        var stable = await cluster.AppsV1.ReadNamespacedDeploymentAsync(deployed.App, deployed.Namespace);
        Assert.Equal("nginx:1.27", stable.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AppDeployments.IgnoreQueryFilters()
                    .Where(d => d.TenantId == deployed.Tenant.Id)
                    .Select(d => d.Revision)
                    .SingleAsync()
            )
        );
    }

    [SkippableFact]
    public async Task A_canary_bigger_than_the_environments_share_is_refused_with_the_numbers()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 6);
        var image = $"127.0.0.1:5000/{deployed.Tenant.Slug}/{deployed.App}@{Digest}";
        // 6 stable replicas of 200m CPU at most take 1.2 of the share's 2 CPU: 6 more (99 %) do not fit beside them.
        var run = await RunAsync(deployed, new CanaryStage("canary", "dev", 99, TimeSpan.FromMinutes(1), 0), image);

        var status = await AdvanceAsync(run, deployed);

        var failed = Assert.IsType<StageStatus.Failed>(status);
        Assert.StartsWith("The canary of 6 replicas was refused:", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("environment 'dev'", failed.Reason);
        Assert.Null(await CanaryAsync(Apps.SandboxClient(), deployed));
    }

    [SkippableFact]
    public async Task Cancelling_a_canary_removes_it()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 2);
        var image = $"127.0.0.1:5000/{deployed.Tenant.Slug}/{deployed.App}@{Digest}";
        var run = await RunAsync(deployed, new CanaryStage("canary", "dev", 50, TimeSpan.FromMinutes(5), 0), image);
        using var cluster = Apps.SandboxClient();
        await AdvanceUntilAsync(run, deployed, async _ => await CanaryAsync(cluster, deployed) is not null, stop: true);

        await InStageAsync(run, deployed, (executor, context) => executor.CancelAsync(context, default));

        await SandboxWorld.EventuallyAsync(
            async () => await CanaryAsync(cluster, deployed) is null,
            "the cancelled canary to be removed"
        );
    }

    private Arrange Arrange => new(portal.Factory);

    private sealed record Seen(bool Watched, StageStatus Ended);

    /// <summary>
    /// Calls the executor as the run's job would, after each Going as long as it asks, until the stage ends (or, with
    /// <paramref name="stop"/>, until <paramref name="watch"/> held once); notes whether <paramref name="watch"/> held.
    /// </summary>
    private async Task<Seen> AdvanceUntilAsync(
        Guid run,
        DeployedApp deployed,
        Func<StageStatus, Task<bool>> watch,
        bool stop = false
    )
    {
        var watched = false;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var status = await AdvanceAsync(run, deployed);
            watched |= await watch(status);
            if (status is not StageStatus.Going going || (stop && watched))
                return new Seen(watched, status);
            await Task.Delay(going.CheckAgainIn);
        }
        throw new TimeoutException("The canary stage did not end within 60 seconds.");
    }

    private async Task<StageStatus> AdvanceAsync(Guid run, DeployedApp deployed)
    {
        StageStatus? status = null;
        await InStageAsync(run, deployed, async (executor, context) =>
            status = await executor.AdvanceAsync(context, default)
        );
        return status!;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with the canary executor and the stage's context, in a scope of the run's tenant
    /// acting as the run, as the run's job does; the stage's own outcome is noted on the run as the job notes it.
    /// </summary>
    private async Task InStageAsync(
        Guid runId,
        DeployedApp deployed,
        Func<CanaryStageExecutor, StageContext, Task> work
    )
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var services = scope.ServiceProvider.ActingAs(new Actor(null, "pipeline ci", null), deployed.Tenant);
        var db = services.GetRequiredService<PortalDbContext>();
        var run = await db.PipelineRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
        var app = await db.Applications.AsNoTracking().SingleAsync(a => a.Id == run.ApplicationId);
        var definition = portal.Stages[runId];
        var log = new RunLog(
            services.GetRequiredService<IServiceScopeFactory>(),
            services.GetRequiredService<IRunProgress>(),
            TimeProvider.System,
            run
        );
        await work(
            services.GetRequiredService<CanaryStageExecutor>(),
            new StageContext(run, run.Stage(definition.Name)!, definition, app, "ci", log)
        );
    }

    /// <summary>
    /// A run of a pipeline build → canary whose build 1 of the app pushed <paramref name="image"/>, taken up at its
    /// canary stage.
    /// </summary>
    private async Task<Guid> RunAsync(DeployedApp deployed, CanaryStage canary, string image)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = DateTime.UtcNow;
        var tenant = deployed.Tenant.Id;
        var app = await db.Applications.IgnoreQueryFilters().SingleAsync(a => a.TenantId == tenant);
        var build = Build.Queue(tenant, app.Id, 0, "main", "ada@shop.example", now).Value;
        build.Start(now);
        build.Fetched(new SourceCommit(new string('7', 40), "Try the canary", "Ada <ada@shop.example>", now));
        build.Succeed(new PushedImage(image.Split('@')[0], "777777777777", Digest, 1234), now);
        var definition = PipelineDefinition
            .Create([new BuildImageStage("build"), canary], PipelineTriggers.None, false, _ => null)
            .Value;
        var pipeline = Pipeline
            .Create(tenant, app.Id, "ci", "stages: []", definition, "sealed", "ada@shop.example", now)
            .Value;
        var run = PipelineRun.Queue(
            tenant,
            pipeline.Id,
            app.Id,
            0,
            "stages: []",
            definition,
            new RunTrigger(TriggerKind.Manual, "main", null, "ada@shop.example"),
            now
        );
        run.Admit(now);
        run.StageStarted("build", now.AddMinutes(30), now);
        run.Built(1, build.Commit!.Sha, image, now);
        run.StageSucceeded("build", image, now);
        run.StageStarted(canary.Name, now.AddMinutes(30), now);
        db.Builds.Add(build);
        db.Pipelines.Add(pipeline);
        db.PipelineRuns.Add(run);
        await db.SaveChangesAsync();
        portal.Stages[run.Id] = canary;
        return run.Id;
    }

    private static async Task<k8s.Models.V1Deployment?> CanaryAsync(IKubernetes cluster, DeployedApp deployed)
    {
        try
        {
            return await cluster.AppsV1.ReadNamespacedDeploymentAsync(
                CanaryManifests.Name(deployed.App),
                deployed.Namespace
            );
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}

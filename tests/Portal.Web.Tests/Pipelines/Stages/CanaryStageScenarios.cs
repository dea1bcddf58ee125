using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines.Stages;

/// <summary>
/// Canary stages run by the portal's own run engine and job server against the sandbox cluster: an application runs at
/// revision 1 in "dev"; the stage runs the run's image beside it as "{app}-canary", watches it, and promotes it or
/// removes it.
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
        using var cluster = Apps.SandboxClient();

        var run = await RunAsync(deployed, new CanaryStage("canary", "dev", 50, TimeSpan.FromSeconds(10), 0), image);
        var seen = await StageEndAsync(run, async () =>
            await CanaryAsync(cluster, deployed) is { } canary
            && canary.Spec.Replicas == 1
            && canary.Spec.Template.Spec.Containers[0].Image == image
            && canary.Spec.Template.Metadata.Labels[CanaryManifests.TrackLabel] == CanaryManifests.Track
        );

        Assert.True(seen.Watched, "The canary Deployment was never seen running the run's image with 1 replica.");
        Assert.True(seen.Stage.State == StageState.Succeeded, seen.Stage.Error);
        Assert.Contains("build 1 promoted to 'dev'", seen.Stage.Outcome);
        Assert.Null(await CanaryAsync(cluster, deployed));
        var stable = await cluster.AppsV1.ReadNamespacedDeploymentAsync(deployed.App, deployed.Namespace);
        Assert.Equal(image, stable.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(2, await RevisionAsync(deployed));
    }

    [SkippableFact]
    public async Task A_crash_looping_canary_is_removed_and_fails_the_stage_with_its_restarts()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 2);
        var image = $"127.0.0.1:5000/{deployed.Tenant.Slug}/crashloop@{Digest}";
        using var cluster = Apps.SandboxClient();

        var run = await RunAsync(deployed, new CanaryStage("canary", "dev", 50, TimeSpan.FromMinutes(5), 0), image);
        var seen = await StageEndAsync(run, async () => await CanaryAsync(cluster, deployed) is not null);

        Assert.True(seen.Watched, "The canary Deployment was never made.");
        Assert.Equal(StageState.Failed, seen.Stage.State);
        Assert.StartsWith("The canary was rolled back: its pods restarted", seen.Stage.Error, StringComparison.Ordinal);
        Assert.Contains("more than the 0 allowed", seen.Stage.Error);
        Assert.Null(await CanaryAsync(cluster, deployed));
        var stable = await cluster.AppsV1.ReadNamespacedDeploymentAsync(deployed.App, deployed.Namespace);
        Assert.Equal("nginx:1.27", stable.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(1, await RevisionAsync(deployed));
    }

    [SkippableFact]
    public async Task A_canary_bigger_than_the_environments_share_is_refused_with_the_numbers()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 6);
        var image = $"127.0.0.1:5000/{deployed.Tenant.Slug}/{deployed.App}@{Digest}";

        // 6 stable replicas of 200m CPU at most take 1.2 of the share's 2 CPU: 6 more (99 %) do not fit beside them.
        var run = await RunAsync(deployed, new CanaryStage("canary", "dev", 99, TimeSpan.FromMinutes(1), 0), image);
        var seen = await StageEndAsync(run, () => Task.FromResult(false));

        Assert.Equal(StageState.Failed, seen.Stage.State);
        Assert.StartsWith("The canary of 6 replicas was refused:", seen.Stage.Error, StringComparison.Ordinal);
        Assert.Contains("environment 'dev'", seen.Stage.Error);
        Assert.Null(await CanaryAsync(Apps.SandboxClient(), deployed));
    }

    [SkippableFact]
    public async Task Cancelling_the_run_removes_its_canary()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 2);
        var image = $"127.0.0.1:5000/{deployed.Tenant.Slug}/{deployed.App}@{Digest}";
        using var cluster = Apps.SandboxClient();
        await RunAsync(deployed, new CanaryStage("canary", "dev", 50, TimeSpan.FromMinutes(5), 0), image);
        await SandboxWorld.EventuallyAsync(
            async () => await CanaryAsync(cluster, deployed) is not null,
            "the canary to be made"
        );

        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            var services = scope.ServiceProvider.ActingAs(new Actor(null, "ada@shop.example", null), deployed.Tenant);
            var cancelled = await services
                .GetRequiredService<PipelineRuns>()
                .CancelAsync(deployed.App, "ci", 1, default);
            Assert.True(cancelled.Succeeded, cancelled.Problem?.Message);
        }

        await SandboxWorld.EventuallyAsync(
            async () => await CanaryAsync(cluster, deployed) is null,
            "the cancelled run's canary to be removed"
        );
    }

    private Arrange Arrange => new(portal.Factory);

    private sealed record Seen(bool Watched, RunStage Stage);

    /// <summary>
    /// Waits for the run's job (the portal's own, run on its job server) to end the canary stage, and says whether
    /// <paramref name="watch"/> held at one of the looks on the way.
    /// </summary>
    private async Task<Seen> StageEndAsync(Guid runId, Func<Task<bool>> watch)
    {
        var watched = false;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var stage = await Arrange.QueryAsync(async db =>
                (await db.PipelineRuns.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.Id == runId)).Stage(
                    "canary"
                )!
            );
            watched |= await watch();
            if (stage.IsDone)
                return new Seen(watched, stage);
            await Task.Delay(200);
        }
        throw new TimeoutException("The canary stage did not end within 60 seconds.");
    }

    private Task<int> RevisionAsync(DeployedApp deployed) =>
        Arrange.QueryAsync(db =>
            db.AppDeployments.IgnoreQueryFilters()
                .Where(d => d.TenantId == deployed.Tenant.Id)
                .Select(d => d.Revision)
                .SingleAsync()
        );

    /// <summary>
    /// A run of a pipeline build → canary whose build 1 of the app pushed <paramref name="image"/>, taken up at its
    /// canary stage and handed to the run's job.
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
        var yaml = PipelineYaml.Write(definition);
        var pipeline = Pipeline.Create(tenant, app.Id, "ci", yaml, definition, "sealed", "ada@shop.example", now).Value;
        var run = PipelineRun.Queue(
            tenant,
            pipeline.Id,
            app.Id,
            0,
            yaml,
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
        scope.ServiceProvider.GetRequiredService<IRunQueue>().Advance(run.Id);
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

using k8s;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// Runs carried out by the portal's own jobs, from a commit to pods: built for real by buildah into the embedded
/// registry, deployed to the sandbox by digest, held at an approval until a member allowed to decides, promoted.
/// </summary>
public sealed class PipelineRunEngineScenarios(PipelineSandboxPortal portal) : IClassFixture<PipelineSandboxPortal>
{
    private PipelineWorld World => new(portal);

    private const string BuildDeployApprovePromote = """
        stages:
          - name: build
            kind: build
          - name: deploy-dev
            kind: deploy
            environment: dev
          - name: approve
            kind: approval
            approvers:
              roles: [TenantAdmin]
          - name: promote-prod
            kind: promote
            from: dev
            to: prod
        """;

    [SkippableFact]
    public async Task A_run_builds_the_commit_deploys_it_waits_for_approval_and_promotes_it_to_prod()
    {
        PipelineSandboxPortalOn.RequireBuildTools();
        var shop = await World.ShopAsync("dev", "prod");
        var commit = World.Commit(shop.Repository, "Say hello", "echo hello");
        await World.PipelineAsync(shop, BuildDeployApprovePromote);

        var started = await World.AsMemberAsync(shop, shop.Developer, runs =>
            runs.StartAsync(
                new StartRun(
                    shop.App,
                    "main",
                    new RunTrigger(TriggerKind.Manual, "main", commit, shop.Developer.Email)
                ),
                CancellationToken.None
            )
        );
        Assert.True(started.Succeeded, started.Problem?.Message);

        var waiting = await World.RunUntilAsync(shop, 1, r =>
            r.Stage("approve")!.State == StageState.AwaitingApproval || r.IsFinished
        );
        Assert.Equal(StageState.AwaitingApproval, waiting.Stage("approve")!.State);
        Assert.Equal(commit, waiting.CommitSha);
        Assert.Contains("@sha256:", waiting.Image);
        var refused = await World.AsMemberAsync(shop, shop.Developer, runs =>
            runs.DecideAsync(new DecideApproval(shop.App, "main", 1, "approve", true, "mine"), CancellationToken.None)
        );
        Assert.Contains("may not decide", refused.Problem!.Message);
        var approved = await World.AsMemberAsync(shop, shop.Admin, runs =>
            runs.DecideAsync(
                new DecideApproval(shop.App, "main", 1, "approve", true, "ship it"),
                CancellationToken.None
            )
        );
        Assert.True(approved.Succeeded, approved.Problem?.Message);

        var done = await World.RunUntilAsync(shop, 1, r => r.IsFinished);
        Assert.Equal(RunState.Succeeded, done.State);
        Assert.Equal(1, await CountDeployRevisionsAsync(shop, "prod"));
        using var cluster = World.Sandbox.Client();
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                var pods = await cluster.CoreV1.ListNamespacedPodAsync($"{shop.Tenant.Slug}-prod");
                return pods.Items.Any(p =>
                    p.Status?.Phase == "Running" && p.Spec.Containers.Any(c => c.Image == done.Image)
                );
            },
            "a pod of the run's image running in prod",
            60
        );
    }

    [SkippableFact]
    public async Task A_build_that_fails_stops_the_run_before_any_deploy()
    {
        PipelineSandboxPortalOn.RequireBuildTools();
        var shop = await World.ShopAsync("dev");
        var commit = World.Commit(shop.Repository, "Break it", "echo 'broken' >&2 && exit 1");
        await World.PipelineAsync(
            shop,
            BuildDeployApprovePromote.Replace(
                "          - name: promote-prod\n            kind: promote\n            "
                    + "from: dev\n            to: prod\n",
                ""
            )
        );

        await World.AsMemberAsync(shop, shop.Developer, runs =>
            runs.StartAsync(
                new StartRun(
                    shop.App,
                    "main",
                    new RunTrigger(TriggerKind.Manual, "main", commit, shop.Developer.Email)
                ),
                CancellationToken.None
            )
        );

        var failed = await World.RunUntilAsync(shop, 1, r => r.IsFinished);
        Assert.Equal(RunState.Failed, failed.State);
        Assert.Equal(StageState.Failed, failed.Stage("build")!.State);
        Assert.Equal(StageState.Skipped, failed.Stage("deploy-dev")!.State);
        Assert.Equal(0, await CountDeployRevisionsAsync(shop, "dev"));
    }

    private Task<int> CountDeployRevisionsAsync(PipelineWorld.Shop shop, string environment) =>
        World.Arrange.QueryAsync(db =>
            db.Revisions.IgnoreQueryFilters()
                .CountAsync(r => r.TenantId == shop.Tenant.Id && r.Environment == environment)
        );
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Pipelines;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// From a Git push to production: a fixture repository made with git, a pipeline build → test → deploy dev → approval
/// → promote prod, triggered by webhook deliveries built as GitHub sends them, approved by a member allowed to; a
/// second push while the first run waits queues behind it, a third supersedes the second; a failing test stops a run
/// before any deploy. Everything runs for real: buildah, the registry, the sandbox, the portal's jobs.
/// </summary>
public sealed class PipelineEndToEndScenarios(PipelineSandboxPortal portal) : IClassFixture<PipelineSandboxPortal>
{
    private PipelineWorld World => new(portal);

    private const string ToProduction = """
        triggers:
          branches: [main]
        supersedeWaiting: true
        stages:
          - name: build
            kind: build
          - name: test
            kind: test
            command: test -x /bin/busybox && echo the image has its shell
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

    /// <summary>
    /// A push of <paramref name="sha"/> to main, signed with the pipeline's secret as GitHub signs it.
    /// </summary>
    private async Task<HttpResponseMessage> PushAsync(Guid pipeline, string secret, string sha, string message)
    {
        var payload = JsonNode.Parse(PipelineArrange.Payload("github-push.json"))!;
        payload["after"] = sha;
        payload["head_commit"]!["id"] = sha;
        payload["head_commit"]!["message"] = message;
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var client = portal.Factory.CreateClient();
        return await client.SendAsync(PipelineArrange.GitHubDelivery(pipeline, secret, body, "203.0.113.7"));
    }

    [SkippableFact]
    public async Task A_signed_push_reaches_prod_after_approval_and_later_pushes_queue_or_supersede()
    {
        PipelineSandboxPortalOn.RequireBuildTools();
        var shop = await World.ShopAsync("dev", "prod");
        var (pipeline, secret) = await World.PipelineWithSecretAsync(shop, ToProduction);
        var first = World.Commit(shop.Repository, "Serve version 1", "echo version 1");

        Assert.Equal(
            HttpStatusCode.Accepted,
            (await PushAsync(pipeline.Id, secret, first, "Serve version 1")).StatusCode
        );
        var waiting = await World.RunUntilAsync(shop, 1, r =>
            r.Stage("approve")!.State == StageState.AwaitingApproval || r.IsFinished
        );
        Assert.Equal(StageState.AwaitingApproval, waiting.Stage("approve")!.State);
        Assert.Equal(first, waiting.CommitSha);
        Assert.Equal(StageState.Succeeded, waiting.Stage("test")!.State);

        // While run 1 waits, a second push queues behind it, and a third replaces the second.
        var second = World.Commit(shop.Repository, "Serve version 2", "echo version 2");
        Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(pipeline.Id, secret, second, "v2")).StatusCode);
        var queued = await World.RunUntilAsync(shop, 2, r => r.WaitingReason is not null, 30);
        Assert.Equal(RunState.Queued, queued.State);
        Assert.Contains("run 1", queued.WaitingReason);
        var third = World.Commit(shop.Repository, "Serve version 3", "echo version 3");
        Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(pipeline.Id, secret, third, "v3")).StatusCode);
        Assert.Equal(RunState.Superseded, (await World.RunAsync(shop, 2)).State);

        await ApproveThroughThePageAsync(shop, 1);

        var done = await World.RunUntilAsync(shop, 1, r => r.IsFinished);
        Assert.Equal(RunState.Succeeded, done.State);
        using var cluster = World.Sandbox.Client();
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                var pods = await cluster.CoreV1.ListNamespacedPodAsync($"{shop.Tenant.Slug}-prod");
                return pods.Items.Any(p =>
                    p.Status?.Phase == "Running" && p.Spec.Containers.Any(c => c.Image == done.Image)
                );
            },
            "a pod of the pushed commit's image running in prod",
            60
        );
        var prod = await World.Arrange.QueryAsync(db =>
            db.Revisions.IgnoreQueryFilters()
                .Where(r => r.TenantId == shop.Tenant.Id && r.Environment == "prod")
                .ToListAsync()
        );
        Assert.Equal(first, Assert.Single(prod).Source!.Commit);

        // Run 3, of the newest push, starts once run 1 is done.
        await World.RunUntilAsync(shop, 3, r => r.State != RunState.Queued, 60);
        await World.AsMemberAsync(shop, shop.Developer, runs => runs.CancelAsync(shop.App, "main", 3, default));
    }

    [SkippableFact]
    public async Task A_failing_test_stage_stops_the_run_before_any_deploy()
    {
        PipelineSandboxPortalOn.RequireBuildTools();
        var shop = await World.ShopAsync("dev", "prod");
        var (pipeline, secret) = await World.PipelineWithSecretAsync(
            shop,
            ToProduction.Replace("test -x /bin/busybox", "test -x /bin/missing-tool", StringComparison.Ordinal)
        );
        var commit = World.Commit(shop.Repository, "Ship without the tool", "echo built");

        Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(pipeline.Id, secret, commit, "no tool")).StatusCode);

        var failed = await World.RunUntilAsync(shop, 1, r => r.IsFinished);
        Assert.Equal(RunState.Failed, failed.State);
        Assert.Equal(StageState.Succeeded, failed.Stage("build")!.State);
        Assert.Equal(StageState.Failed, failed.Stage("test")!.State);
        Assert.Equal(StageState.Skipped, failed.Stage("deploy-dev")!.State);
        Assert.Equal(
            0,
            await World.Arrange.QueryAsync(db =>
                db.Revisions.IgnoreQueryFilters().CountAsync(r => r.TenantId == shop.Tenant.Id && r.Environment != "")
            )
        );
    }

    /// <summary>
    /// The run page as the tenant's developer (whom the stage does not name: no form, who may decide instead) and as
    /// its admin, who approves with a comment through the page's form.
    /// </summary>
    private async Task ApproveThroughThePageAsync(PipelineWorld.Shop shop, int run)
    {
        var page = Web.Pipelines.RunRoutes.RunUrl(shop.Tenant.Slug, shop.App, "main", run);
        var developer = await World.Arrange.SignedInAsync(shop.Developer);
        var seen = await (await developer.GetAsync(page)).Content.ReadAsStringAsync();
        Assert.DoesNotContain("id=\"approve-approve\"", seen);
        Assert.Contains("id=\"approvers-approve\"", seen);

        var admin = await World.Arrange.SignedInAsync(shop.Admin);
        Assert.Contains("id=\"approve-approve\"", await (await admin.GetAsync(page)).Content.ReadAsStringAsync());
        var decided = await admin.PostFormAsync(
            Web.Pipelines.RunRoutes.StageDecisionUrl(shop.Tenant.Slug, shop.App, "main", run, "approve"),
            new() { ["Approve"] = "true", ["Comment"] = "ship it" },
            page
        );
        Assert.Equal(HttpStatusCode.Redirect, decided.StatusCode);
        var approved = await World.RunAsync(shop, run);
        Assert.Equal(shop.Admin.Email, approved.Stage("approve")!.DecidedBy);
        Assert.Equal("ship it", approved.Stage("approve")!.Comment);
    }
}

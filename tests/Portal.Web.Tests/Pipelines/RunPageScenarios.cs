using System.Net;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// The run page: its header, its stage graph (a build stage links its build, an approval says who may decide it), its
/// log by stage and as a file; approving or rejecting with a comment by someone the stage allows, a refusal for anyone
/// else; a manual stage started; a run cancelled, retried from its failed stage, run again. Viewers only read.
/// </summary>
public sealed class RunPageScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private RunWorld World => new(portal.Factory);
    private Arrange Arrange => World.Arrange;

    private async Task<BrowserSession> MemberAsync(Tenant tenant, TenantRole role) =>
        await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, role));

    private static async Task<string> TextAsync(HttpResponseMessage response) =>
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

    [Fact]
    public async Task A_viewer_reads_the_run_its_stage_graph_and_log_and_is_told_who_may_approve()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var viewer = await MemberAsync(tenant, TenantRole.Viewer);

        var page = await TextAsync(await viewer.GetAsync(RunWorld.RunPath(tenant, app, 1)));

        Assert.Contains("Run 1 of ship", page);
        Assert.Contains("data-stage=\"build\" data-stage-state=\"Succeeded\"", page);
        Assert.Contains("data-stage=\"approve\" data-stage-state=\"AwaitingApproval\"", page);
        Assert.Contains("data-stage=\"deploy\" data-stage-state=\"Pending\"", page);
        Assert.Contains("awaiting approval", page);
        Assert.Contains($"href=\"/t/{tenant.Slug}/apps/{app}/builds/1\"", page);
        Assert.Contains(RunWorld.Image, page);
        Assert.Contains("[build] Fetching main…", page);
        Assert.Contains("a TenantAdmin or named@portal.test", page);
        Assert.Contains("pipeline-run-live.js", page);
        Assert.DoesNotContain("id=\"decide-approve\"", page);
        Assert.DoesNotContain("id=\"cancel-run\"", page);
        Assert.DoesNotContain("id=\"rerun\"", page);
    }

    [Fact]
    public async Task A_tenant_admin_approves_with_a_comment_and_the_stage_shows_who_and_why()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var admin = await MemberAsync(tenant, TenantRole.TenantAdmin);
        var path = RunWorld.RunPath(tenant, app, 1);
        var before = await TextAsync(await admin.GetAsync(path));

        var decided = await admin.PostFormAsync(
            $"{path}/stages/approve/decision",
            new() { ["Approve"] = "true", ["Comment"] = "Ship it, QA signed off." },
            path
        );
        var after = await TextAsync(await admin.GetAsync(path));

        Assert.Contains("id=\"decide-approve\"", before);
        Assert.Equal(HttpStatusCode.Redirect, decided.StatusCode);
        Assert.Equal(path, decided.Headers.Location!.OriginalString);
        var stage = (await World.FindAsync(tenant, app, 1)).Stage("approve")!;
        Assert.Equal(StageState.Succeeded, stage.State);
        Assert.Equal("Ship it, QA signed off.", stage.Comment);
        Assert.Contains("data-stage=\"approve\" data-stage-state=\"Succeeded\"", after);
        Assert.Contains("Ship it, QA signed off.", after);
        Assert.DoesNotContain("id=\"decide-approve\"", after);
    }

    [Fact]
    public async Task A_member_named_by_the_approval_rejects_it_and_the_run_fails_with_the_comment()
    {
        var (tenant, app) = await World.AppAsync(RunWorld.Yaml("lead@portal.test"));
        await World.AwaitingApprovalAsync(tenant, app);
        var named = await Arrange.SignedInAsync(
            await World.MemberAsync(tenant, TenantRole.Developer, "lead@portal.test")
        );
        var path = RunWorld.RunPath(tenant, app, 1);

        var page = await TextAsync(await named.GetAsync(path));
        var rejected = await named.PostFormAsync(
            $"{path}/stages/approve/decision",
            new() { ["Approve"] = "false", ["Comment"] = "Not on a Friday." },
            path
        );

        Assert.Contains("id=\"reject-approve\"", page);
        Assert.Equal(HttpStatusCode.Redirect, rejected.StatusCode);
        var run = await World.FindAsync(tenant, app, 1);
        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(StageState.Failed, run.Stage("approve")!.State);
        Assert.Contains("Not on a Friday.", run.Error);
    }

    [Fact]
    public async Task A_member_the_approval_does_not_name_is_refused_with_who_may_and_nothing_changes()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var path = RunWorld.RunPath(tenant, app, 1);

        var page = await TextAsync(await developer.GetAsync(path));
        var refused = await developer.PostFormAsync(
            $"{path}/stages/approve/decision",
            new() { ["Approve"] = "true", ["Comment"] = "me too" },
            path
        );
        var back = await TextAsync(await developer.GetAsync(refused.Headers.Location!.OriginalString));

        Assert.DoesNotContain("id=\"decide-approve\"", page);
        Assert.Contains("may not decide it", page);
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Contains("waits for approval by a TenantAdmin or named@portal.test", back);
        Assert.Equal(StageState.AwaitingApproval, (await World.FindAsync(tenant, app, 1)).Stage("approve")!.State);
    }

    [Fact]
    public async Task A_comment_too_long_is_refused_next_to_its_field_and_nothing_is_decided()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var admin = await MemberAsync(tenant, TenantRole.TenantAdmin);
        var path = RunWorld.RunPath(tenant, app, 1);

        var refused = await admin.PostFormAsync(
            $"{path}/stages/approve/decision",
            new() { ["Approve"] = "true", ["Comment"] = new string('x', 1001) },
            path
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("data-valmsg-for=\"Comment\"[^>]*>[^<]*at most 1000 characters", await TextAsync(refused));
        Assert.Equal(StageState.AwaitingApproval, (await World.FindAsync(tenant, app, 1)).Stage("approve")!.State);
    }

    [Fact]
    public async Task A_viewer_cannot_approve_cancel_retry_or_rerun()
    {
        var (tenant, app) = await World.AppAsync(RunWorld.Yaml("viewer-named@portal.test"));
        await World.AwaitingApprovalAsync(tenant, app);
        var viewer = await Arrange.SignedInAsync(
            await World.MemberAsync(tenant, TenantRole.Viewer, "viewer-named@portal.test")
        );
        var path = RunWorld.RunPath(tenant, app, 1);

        var statuses = new List<HttpStatusCode>();
        foreach (var action in new[] { "stages/approve/decision", "cancel", "retry", "rerun", "stages/deploy/start" })
            statuses.Add(
                (await viewer.PostFormAsync($"{path}/{action}", new() { ["Approve"] = "true" }, path)).StatusCode
            );

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Forbidden, status));
        Assert.Equal(RunState.Running, (await World.FindAsync(tenant, app, 1)).State);
    }

    [Fact]
    public async Task A_developer_cancels_a_running_run_and_a_finished_one_cannot_be_cancelled()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var path = RunWorld.RunPath(tenant, app, 1);

        var cancelled = await developer.PostFormAsync($"{path}/cancel", new(), path);
        var again = await developer.PostFormAsync($"{path}/cancel", new(), path);
        var page = await TextAsync(await developer.GetAsync(path));

        Assert.Equal(HttpStatusCode.Redirect, cancelled.StatusCode);
        var run = await World.FindAsync(tenant, app, 1);
        Assert.Equal(RunState.Cancelled, run.State);
        Assert.Equal(StageState.Cancelled, run.Stage("approve")!.State);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Contains("there is nothing to cancel", page);
        Assert.Contains("id=\"retry-run\"", page);
        Assert.DoesNotContain("id=\"cancel-run\"", page);
    }

    [Fact]
    public async Task A_failed_run_is_retried_from_its_failed_stage_and_a_rerun_goes_to_the_new_run()
    {
        var (tenant, app) = await World.AppAsync();
        await World.FailedAsync(tenant, app);
        await World.SourceAsync(tenant, app);
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var path = RunWorld.RunPath(tenant, app, 1);
        var failed = await TextAsync(await developer.GetAsync(path));

        var retried = await developer.PostFormAsync($"{path}/retry", new(), path);
        var rerun = await developer.PostFormAsync($"{path}/rerun", new(), path);

        Assert.Contains("id=\"run-error\"", failed);
        Assert.Contains("main.go:3: undefined: x", failed);
        Assert.Equal(HttpStatusCode.Redirect, retried.StatusCode);
        var run = await World.FindAsync(tenant, app, 1);
        Assert.Equal(RunState.Queued, run.State);
        Assert.Equal(2, run.Stage("build")!.Attempt);
        Assert.Equal(HttpStatusCode.Redirect, rerun.StatusCode);
        Assert.Equal(RunWorld.RunPath(tenant, app, 2), rerun.Headers.Location!.OriginalString);
        Assert.Equal(TriggerKind.Rerun, (await World.FindAsync(tenant, app, 2)).Trigger.Kind);
    }

    [Fact]
    public async Task A_developer_starts_a_manual_stage_whose_turn_came()
    {
        var (tenant, app) = await World.AppAsync(RunWorld.ManualYaml);
        await World.RunAsync(
            tenant,
            app,
            (run, now) =>
            {
                RunWorld.Built(run, now);
                run.DueStages(now);
            },
            []
        );
        var developer = await MemberAsync(tenant, TenantRole.Developer);
        var path = RunWorld.RunPath(tenant, app, 1);
        var page = await TextAsync(await developer.GetAsync(path));

        var started = await developer.PostFormAsync($"{path}/stages/deploy/start", new(), path);
        var again = await developer.PostFormAsync($"{path}/stages/deploy/start", new(), path);

        Assert.Contains("waiting to be started", page);
        Assert.Contains("id=\"start-deploy\"", page);
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        var stage = (await World.FindAsync(tenant, app, 1)).Stage("deploy")!;
        Assert.Equal(StageState.Pending, stage.State);
        Assert.NotNull(stage.StartedBy);
        Assert.Contains(
            "only a manual stage whose turn came can be started",
            await TextAsync(await developer.GetAsync(again.Headers.Location!.OriginalString))
        );
    }

    [Fact]
    public async Task The_log_is_filtered_by_stage_and_downloaded_whole_as_text()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var viewer = await MemberAsync(tenant, TenantRole.Viewer);
        var path = RunWorld.RunPath(tenant, app, 1);

        var filtered = await TextAsync(await viewer.GetAsync($"{path}?log=approve"));
        var file = await viewer.GetAsync($"{path}/log");
        var text = await file.Content.ReadAsStringAsync();

        Assert.Contains("[approve] Waits for approval.", filtered);
        Assert.DoesNotContain("[build] Fetching main…", filtered);
        Assert.Equal("text/plain", file.Content.Headers.ContentType!.MediaType);
        Assert.Contains($"{app}-ship-run-1.log", file.Content.Headers.ContentDisposition!.ToString());
        Assert.Equal(3, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Matches(@"^\d\d:\d\d:\d\d \[build\] Fetching main…\n", text);
    }

    [Fact]
    public async Task A_run_of_another_application_or_number_is_not_found()
    {
        var (tenant, app) = await World.AppAsync();
        await World.AwaitingApprovalAsync(tenant, app);
        var viewer = await MemberAsync(tenant, TenantRole.Viewer);

        var wrongNumber = await viewer.GetAsync(RunWorld.RunPath(tenant, app, 2));
        var wrongApp = await viewer.GetAsync(RunWorld.RunPath(tenant, "nope", 1));

        Assert.Equal(HttpStatusCode.NotFound, wrongNumber.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongApp.StatusCode);
    }
}

using System.Net;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// The application page's "Pipelines" box: per environment, the revision running there and the last run of a
/// pipeline whose stage went there, linked, with its state in words. (The page reads the cluster: the sandbox's.)
/// </summary>
public sealed class AppPipelinesScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    [Fact]
    public async Task The_application_page_says_what_runs_in_each_environment_and_the_last_run_that_went_there()
    {
        var world = new RunWorld(portal.Factory);
        var deployed = await new SandboxApps(portal.Factory).DeployedAppAsync(replicas: 1);
        var (tenant, app) = (deployed.Tenant, deployed.App);
        await world.PipelineAsync(tenant, app, RunWorld.Yaml(environment: "dev"));
        await world.RunAsync(
            tenant,
            app,
            (run, now) =>
            {
                RunWorld.Built(run, now);
                run.DueStages(now);
                run.AwaitApproval("approve", now.AddDays(1), now);
                run.Decide("approve", true, "ada@portal.test", null, now);
                run.DueStages(now);
                run.StageStarted("deploy", now.AddHours(1), now);
            },
            []
        );
        var viewer = await world.Arrange.SignedInAsync(await world.Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var page = WebUtility.HtmlDecode(await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/apps/{app}"));

        Assert.Contains("id=\"app-pipelines\"", page);
        Assert.Matches(
            "data-environment=\"dev\">[\\s\\S]*?#1[\\s\\S]*?"
                + $"href=\"/t/{tenant.Slug}/apps/{app}/pipelines/ship/runs/1\">ship[\\s\\S]*?data-state=\"Running\"",
            page
        );
        Assert.Contains($"href=\"/t/{tenant.Slug}/apps/{app}/runs\"", page);
    }
}

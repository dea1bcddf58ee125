using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Web.Pipelines;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// Following a run live: a member of its tenant joins it, gets the run and the log since the page, and hears each
/// change and line; the tenant's runs are heard by the lists; a member of another tenant cannot join its run, by the
/// other tenant's name or by its own, and hears nothing of it.
/// </summary>
public sealed class RunsHubScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private RunWorld World => new(portal.Factory);
    private Arrange Arrange => World.Arrange;

    private async Task<HubConnection> ConnectAsync(Tenant tenant)
    {
        var user = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var token = (await Arrange.UserApiClientAsync(user)).DefaultRequestHeaders.Authorization!.Parameter;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(portal.Factory.Server.BaseAddress, PipelinesHub.Path), options =>
            {
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                options.HttpMessageHandlerFactory = _ => portal.Factory.Server.CreateHandler();
                options.AccessTokenProvider = () => Task.FromResult(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    private IRunProgress Progress => portal.Factory.Services.GetRequiredService<IRunProgress>();

    [Fact]
    public async Task A_member_follows_a_run_gets_the_log_since_the_page_and_hears_its_changes_and_new_lines()
    {
        var (tenant, app) = await World.AppAsync();
        var run = await World.AwaitingApprovalAsync(tenant, app);
        await using var member = await ConnectAsync(tenant);
        var changed = Listen(member, PipelinesHub.RunChanged);
        var appended = Listen(member, PipelinesHub.LogAppended);
        var lists = Listen(member, PipelinesHub.RunsChanged);

        var followed = await member.InvokeAsync<JsonElement>("Follow", tenant.Slug, app, RunWorld.Pipeline, 1, 2);
        await member.InvokeAsync("FollowRuns", tenant.Slug);
        run.Decide("approve", true, "ada@portal.test", "fine", DateTime.UtcNow);
        await Progress.RunChangedAsync(run, default);
        await Progress.LogWrittenAsync(
            run,
            [new PipelineRunLogLine(tenant.Id, run.Id, 4, "approve", "Approved by ada.", DateTime.UtcNow)],
            default
        );

        Assert.Equal("Running", followed.GetProperty("run").GetProperty("state").GetString());
        Assert.Equal(
            ["Waits for approval."],
            followed.GetProperty("log").EnumerateArray().Select(l => l.GetProperty("text").GetString()!).ToArray()
        );
        var change = await changed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(
            "Succeeded",
            change
                .GetProperty("stages")
                .EnumerateArray()
                .Single(s => s.GetProperty("name").GetString() == "approve")
                .GetProperty("state")
                .GetString()
        );
        var line = await appended.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4, line.GetProperty("sequence").GetInt32());
        Assert.Equal("approve", line.GetProperty("stage").GetString());
        Assert.Equal(run.Id, (await lists.WaitAsync(TimeSpan.FromSeconds(10))).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_member_of_another_tenant_cannot_join_a_run_and_hears_nothing_of_it()
    {
        var (tenant, app) = await World.AppAsync();
        var run = await World.AwaitingApprovalAsync(tenant, app);
        var (stranger, strangerApp) = await World.AppAsync();
        await World.AwaitingApprovalAsync(stranger, strangerApp);
        await using var outsider = await ConnectAsync(stranger);
        var changed = Listen(outsider, PipelinesHub.RunChanged);
        var lists = Listen(outsider, PipelinesHub.RunsChanged);

        var byItsTenant = await Assert.ThrowsAsync<HubException>(() =>
            outsider.InvokeAsync<JsonElement>("Follow", tenant.Slug, app, RunWorld.Pipeline, 1, 0)
        );
        var byOwnTenant = await Assert.ThrowsAsync<HubException>(() =>
            outsider.InvokeAsync<JsonElement>("Follow", stranger.Slug, app, RunWorld.Pipeline, 1, 0)
        );
        var listsOfIt = await Assert.ThrowsAsync<HubException>(() => outsider.InvokeAsync("FollowRuns", tenant.Slug));
        await outsider.InvokeAsync<JsonElement>("Follow", stranger.Slug, strangerApp, RunWorld.Pipeline, 1, 0);
        await outsider.InvokeAsync("FollowRuns", stranger.Slug);
        await Progress.RunChangedAsync(run, default);
        await Task.Delay(500);

        Assert.Contains("not a member", byItsTenant.Message);
        Assert.Contains("was not found", byOwnTenant.Message);
        Assert.Contains("not a member", listsOfIt.Message);
        Assert.False(changed.IsCompleted, "a member of another tenant heard the run change");
        Assert.False(lists.IsCompleted, "a member of another tenant heard the tenant's runs");
    }

    private static Task<JsonElement> Listen(HubConnection connection, string method)
    {
        var heard = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>(method, message => heard.TrySetResult(message));
        return heard.Task;
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Builds;
using Portal.Domain.Tenancy;
using Portal.Web.Builds;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// Following a build live: a member of its tenant joins it and hears each part of its log as the run saves it; a
/// member of another tenant cannot join it, by the other tenant's name or by its own, and hears nothing of it.
/// </summary>
public sealed class BuildsHubScenarios(SourcesPortal portal) : IClassFixture<SourcesPortal>
{
    private BuildWorld World => new(portal);
    private Arrange Arrange => World.Arrange;

    private async Task<HubConnection> ConnectAsync(Tenant tenant)
    {
        var user = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var token = (await Arrange.UserApiClientAsync(user)).DefaultRequestHeaders.Authorization!.Parameter;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(portal.Factory.Server.BaseAddress, BuildsHub.Path), options =>
            {
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                options.HttpMessageHandlerFactory = _ => portal.Factory.Server.CreateHandler();
                options.AccessTokenProvider = () => Task.FromResult(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    [SkippableFact]
    public async Task A_member_follows_a_build_gets_the_log_since_the_page_and_hears_each_new_part()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        var build = await World.BuildAsync(tenant, app, "main", b => b.Start(DateTime.UtcNow), ["one\n", "two\n"]);
        await using var member = await ConnectAsync(tenant);
        var heard = Listen(member, BuildsHub.LogAppended);

        var followed = await member.InvokeAsync<JsonElement>("Follow", tenant.Slug, app, build.Number, 1);
        await portal
            .Factory.Services.GetRequiredService<IBuildLogSink>()
            .AppendedAsync(new BuildLogChunk(tenant.Id, build.Id, 3, "three\n", DateTime.UtcNow), default);

        Assert.Equal("Running", followed.GetProperty("build").GetProperty("state").GetString());
        Assert.Equal(
            ["two\n"],
            followed.GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("text").GetString()!).ToArray()
        );
        var part = await heard.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, part.GetProperty("sequence").GetInt32());
        Assert.Equal("three\n", part.GetProperty("text").GetString());
    }

    [SkippableFact]
    public async Task A_member_of_another_tenant_cannot_join_a_build_and_hears_nothing_of_its_log()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        var build = await World.BuildAsync(tenant, app, "main", b => b.Start(DateTime.UtcNow), ["secret-ish\n"]);
        var (stranger, strangerApp, _) = await World.ConnectedAsync();
        var own = await World.BuildAsync(stranger, strangerApp, "main", b => b.Start(DateTime.UtcNow), []);
        await using var outsider = await ConnectAsync(stranger);
        var heard = Listen(outsider, BuildsHub.LogAppended);

        var byItsTenant = await Assert.ThrowsAsync<HubException>(() =>
            outsider.InvokeAsync<JsonElement>("Follow", tenant.Slug, app, build.Number, 0)
        );
        var byOwnTenant = await Assert.ThrowsAsync<HubException>(() =>
            outsider.InvokeAsync<JsonElement>("Follow", stranger.Slug, app, build.Number, 0)
        );
        await outsider.InvokeAsync<JsonElement>("Follow", stranger.Slug, strangerApp, own.Number, 0);
        await portal
            .Factory.Services.GetRequiredService<IBuildLogSink>()
            .AppendedAsync(new BuildLogChunk(tenant.Id, build.Id, 2, "not yours\n", DateTime.UtcNow), default);
        await Task.Delay(500);

        Assert.Contains("not a member", byItsTenant.Message);
        Assert.Contains("was not found", byOwnTenant.Message);
        Assert.DoesNotContain("secret-ish", byOwnTenant.Message);
        Assert.False(heard.IsCompleted, "a member of another tenant heard the build's log");
    }

    private static Task<JsonElement> Listen(HubConnection connection, string method)
    {
        var heard = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>(method, message => heard.TrySetResult(message));
        return heard.Task;
    }
}

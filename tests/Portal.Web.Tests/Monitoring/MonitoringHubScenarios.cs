using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring;
using Portal.Web.Monitoring;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>Who may watch which scope of the monitoring hub, and who hears what the notifier sends.</summary>
public sealed class MonitoringHubScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private Arrange Arrange => new(portal.Factory);

    /// <summary>A hub connection of a signed-in user, with the user's bearer token as the CLI would hold it.</summary>
    public static async Task<HubConnection> ConnectAsync(PortalFactory factory, BrowserSession user, Arrange arrange)
    {
        var token = (await arrange.UserApiClientAsync(user)).DefaultRequestHeaders.Authorization!.Parameter;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, MonitoringHub.Path), options =>
            {
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                options.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
                options.AccessTokenProvider = () => Task.FromResult(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    private async Task<HubConnection> MemberConnectionAsync(Tenant tenant) =>
        await ConnectAsync(
            portal.Factory,
            await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin)),
            Arrange
        );

    [Fact]
    public async Task Only_platform_admins_may_watch_the_platform()
    {
        await using var member = await MemberConnectionAsync(await Arrange.TenantAsync());
        await using var admin = await ConnectAsync(portal.Factory, await Arrange.AdminAsync(), Arrange);

        var refused = await Assert.ThrowsAsync<HubException>(() => member.InvokeAsync("Watch", "platform"));
        await admin.InvokeAsync("Watch", "platform");

        Assert.Contains("Only platform admins", refused.Message);
    }

    [Fact]
    public async Task A_member_may_watch_their_tenant_and_no_other()
    {
        var mine = await Arrange.TenantAsync();
        var other = await Arrange.TenantAsync();
        await using var member = await MemberConnectionAsync(mine);

        await member.InvokeAsync("Watch", $"tenant:{mine.Slug}");
        var refused = await Assert.ThrowsAsync<HubException>(() => member.InvokeAsync("Watch", $"tenant:{other.Slug}"));
        var nonsense = await Assert.ThrowsAsync<HubException>(() => member.InvokeAsync("Watch", mine.Slug));

        Assert.Contains($"tenant:{other.Slug}", refused.Message);
        Assert.Contains("cannot be watched", nonsense.Message);
    }

    [Fact]
    public async Task Samples_and_alert_changes_are_told_to_the_platform_and_to_the_tenants_concerned_only()
    {
        var concerned = await Arrange.TenantAsync();
        var bystander = await Arrange.TenantAsync();
        await using var member = await MemberConnectionAsync(concerned);
        await using var other = await MemberConnectionAsync(bystander);
        await using var admin = await ConnectAsync(portal.Factory, await Arrange.AdminAsync(), Arrange);
        var memberHeard = Listen(member, "SamplesTaken");
        var memberAlerts = Listen(member, "AlertsChanged");
        var otherHeard = Listen(other, "SamplesTaken");
        var adminHeard = Listen(admin, "SamplesTaken");
        await member.InvokeAsync("Watch", $"tenant:{concerned.Slug}");
        await other.InvokeAsync("Watch", $"tenant:{bystander.Slug}");
        await admin.InvokeAsync("Watch", "platform");
        var notifier = portal.Factory.Services.GetRequiredService<IMonitoringNotifier>();

        await notifier.SamplesTakenAsync(1_700_000_040, [concerned.Id], default);
        await notifier.AlertsChangedAsync([concerned.Id], default);

        Assert.Equal(
            1_700_000_040,
            (await memberHeard.WaitAsync(TimeSpan.FromSeconds(10))).GetProperty("at").GetInt64()
        );
        Assert.Equal(
            1_700_000_040,
            (await adminHeard.WaitAsync(TimeSpan.FromSeconds(10))).GetProperty("at").GetInt64()
        );
        await memberAlerts.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(500);
        Assert.False(otherHeard.IsCompleted, "a member of another tenant heard of the samples");
    }

    private static Task<JsonElement> Listen(HubConnection connection, string method)
    {
        var heard = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>(method, message => heard.TrySetResult(message));
        return heard.Task;
    }
}

using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Monitoring;
using Portal.Web.Tests.Monitoring;
using Portal.Web.Tests.Pipelines;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Replicas;

/// <summary>Redis, the hubs' backplane, down at the portal's start: the portal serves, and live updates resume.</summary>
public sealed class BackplaneOutageScenarios
{
    [SkippableFact]
    public async Task A_portal_whose_Redis_is_down_serves_pages_and_delivers_live_updates_once_Redis_is_up()
    {
        RedisServer.Require();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        var port = ChildProcess.FreePort();
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:Redis:Configuration"] = $"127.0.0.1:{port}",
                ["Portal:Redis:ChannelPrefix"] = $"outage-{Guid.NewGuid():N}",
            }
        );
        var arrange = new Arrange(factory);

        using var http = factory.CreateClient();
        using var login = await http.GetAsync("/account/login", ct);
        using var ready = await http.GetAsync("/health/ready", ct);
        var admin = await arrange.AdminAsync();
        using var redis = await RedisServer.StartAsync(ct, port);
        var heard = await HeardThroughRedisAsync(factory, admin, arrange, ct);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("probe", heard);
    }

    /// <summary>
    /// Connects to a hub and sends to every connection through the hub's context (that is, through Redis) until the
    /// message arrives: the Redis client reconnects by itself, after a back-off.
    /// </summary>
    private static async Task<string> HeardThroughRedisAsync(
        PortalFactory factory,
        BrowserSession admin,
        Arrange arrange,
        CancellationToken ct
    )
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hub = factory.Services.GetRequiredService<IHubContext<MonitoringHub>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var connection = await MonitoringHubScenarios.ConnectAsync(factory, admin, arrange);
                connection.On<string>("outageProbe", text => received.TrySetResult(text));
                for (var attempt = 0; attempt < 10 && !received.Task.IsCompleted; attempt++)
                {
                    await hub.Clients.All.SendAsync("outageProbe", "probe", ct);
                    await Task.WhenAny(received.Task, Task.Delay(500, ct));
                }
                if (received.Task.IsCompleted)
                    return await received.Task;
            }
            catch (Exception e) when (e is not OperationCanceledException && DateTime.UtcNow < deadline)
            {
                // Not reconnected to Redis yet: the connection or the send failed.
            }
            if (DateTime.UtcNow > deadline)
                Assert.Fail("No message went through Redis within 60 s of its start.");
        }
    }
}

using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Monitoring;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Infrastructure.Tests.Clusters;

namespace Portal.Infrastructure.Tests.Pipelines.Stages;

/// <summary>An approval asked through the tenant's alert channels: a real webhook to a loopback server.</summary>
public sealed class ApprovalNotificationTests : IAsyncLifetime
{
    private StageWorld? _world;
    private StandInApiServer? _receiver;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
        if (_receiver is not null)
            await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task The_tenants_webhook_channel_is_told_which_run_waits_with_a_link_to_its_page()
    {
        var bodies = new List<string>();
        _receiver = await StandInApiServer.StartAsync(
            async (context, _) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                bodies.Add(await reader.ReadToEndAsync());
            }
        );
        var world = await WorldAsync();
        await ChannelAsync(world, "On-call", new Uri(_receiver.Address, "/hooks/approvals"), enabled: true);
        await ChannelAsync(world, "Muted", new Uri(_receiver.Address, "/hooks/muted"), enabled: false);

        var reached = 0;
        await world.InStageAsync<ApprovalNotifications>(
            async (notifications, context) => reached = await notifications.NotifyAsync(context, default)
        );

        Assert.Equal(["Approval asked through channel 'On-call' (webhook)."], await world.LogAsync());
        Assert.Equal(1, reached);
        using var json = JsonDocument.Parse(Assert.Single(bodies));
        var link = "https://portal.test/t/acme/apps/shop/pipelines/ci/runs/1";
        Assert.Equal(
            $"Run 1 of pipeline ci of app shop waits for your approval: {link}",
            json.RootElement.GetProperty("summary").GetString()
        );
        Assert.Equal(link, json.RootElement.GetProperty("link").GetString());
        Assert.Equal("waiting", json.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_channel_that_cannot_be_reached_is_named_in_the_runs_log_with_its_error()
    {
        _receiver = await StandInApiServer.StartAsync(
            (context, _) =>
            {
                context.Response.StatusCode = 404;
                return Task.CompletedTask;
            }
        );
        var world = await WorldAsync();
        await ChannelAsync(world, "On-call", new Uri(_receiver.Address, "/gone"), enabled: true);

        var reached = -1;
        await world.InStageAsync<ApprovalNotifications>(
            async (notifications, context) =>
                reached = await notifications.NotifyAsync(context, "https://portal.test/run", default)
        );

        Assert.Equal(0, reached);
        Assert.Equal(
            ["Channel 'On-call' (webhook) could not be told: The webhook answered 404 Not Found."],
            await world.LogAsync()
        );
    }

    private async Task<StageWorld> WorldAsync()
    {
        _world = await StageWorld.CreateAsync(
            new ApprovalStage("approve", [TenantRole.TenantAdmin], []),
            image: null,
            services =>
                services.Configure<NotificationOptions>(options =>
                {
                    options.AllowedTargets.Add("127.0.0.1");
                    options.WebhookAttempts = 1;
                })
        );
        return _world;
    }

    private static async Task ChannelAsync(StageWorld world, string name, Uri url, bool enabled)
    {
        await world.InStageAsync<ChannelSecretVault>(
            async (vault, _) =>
            {
                var channel = NotificationChannel
                    .CreateWebhook(
                        world.Tenant.Id,
                        name,
                        url.ToString(),
                        vault.Seal(ChannelSecretVault.NewSecret()),
                        vault.SealUrl,
                        DateTime.UtcNow
                    )
                    .Value;
                if (!enabled)
                    channel.Disable();
                await world.ReadAsync(async db =>
                {
                    db.NotificationChannels.Add(channel);
                    return await db.SaveChangesAsync();
                });
            }
        );
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>The evaluator and the notifications, on samples written by the test at chosen minutes.</summary>
public abstract class AlertEvaluationScenarios(PortalFixture portal)
{
    private static readonly Actor Ops = new(null, "ops@portal.test", "127.0.0.1", true);
    private PortalFactory Factory => portal.Factory;
    private Arrange Arrange => new(Factory);
    private MonitoringWorld World => new(Factory);

    /// <summary>
    /// Half an hour ago, on a minute: samples near the present, so that the notifications' clock and the evaluations'
    /// agree.
    /// </summary>
    private static DateTime Start()
    {
        var now = DateTime.UtcNow.AddMinutes(-30);
        return new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, DateTimeKind.Utc);
    }

    [SkippableFact]
    public async Task A_rule_fires_after_its_duration_keeps_one_alert_while_it_holds_and_resolves()
    {
        var t0 = Start();
        var (tenant, subject) = await WorkloadAsync("api");
        var rule = await RuleAsync(
            tenant,
            new("CPU hot", AlertMetric.AppCpuPercent, Aggregation.Avg, Comparator.Above, 80, 3, Severity.Warning, [])
        );
        await World.SamplesAsync(subject, t0, 6, (_, s) => s.CpuPercent = 90);

        await EvaluateAsync(t0.AddMinutes(2));
        Assert.Empty(await AlertsAsync(rule));

        await EvaluateAsync(t0.AddMinutes(3));
        await EvaluateAsync(t0.AddMinutes(4));
        await EvaluateAsync(t0.AddMinutes(5));
        var firing = Assert.Single(await AlertsAsync(rule));
        Assert.Equal(AlertState.Firing, firing.State);
        Assert.Equal(t0.AddMinutes(3), firing.StartedAt);
        Assert.EndsWith("/api", firing.Subject);
        Assert.Equal(tenant.Id, firing.TenantId);

        await World.SamplesAsync(subject, t0.AddMinutes(6), 4, (_, s) => s.CpuPercent = 10);
        await EvaluateAsync(t0.AddMinutes(9));
        var resolved = Assert.Single(await AlertsAsync(rule));
        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal(t0.AddMinutes(9), resolved.ResolvedAt);
    }

    [SkippableFact]
    public async Task A_flapping_metric_reopens_its_alert_and_is_not_told_again_within_the_cool_down()
    {
        var t0 = Start();
        var (tenant, subject) = await WorkloadAsync("flappy");
        var channel = await EmailChannelAsync(tenant);
        var rule = await RuleAsync(
            tenant,
            new(
                "Crash",
                AlertMetric.AppCrashLoopingPods,
                Aggregation.Last,
                Comparator.AtOrAbove,
                1,
                0,
                Severity.Critical,
                [channel.Id]
            )
        );
        await World.SamplesAsync(subject, t0, 5, (i, s) => s.Failing = i % 2 == 0 ? 1 : 0);

        for (var minute = 0; minute < 5; minute++)
        {
            await EvaluateAsync(t0.AddMinutes(minute));
            await DeliverAllAsync(rule);
        }

        var alert = Assert.Single(await AlertsAsync(rule));
        Assert.Equal(AlertState.Firing, alert.State);
        Assert.Equal(2, alert.Flaps);
        var deliveries = await World.QueryAsync(db =>
            db.AlertDeliveries.Where(d => d.AlertId == alert.Id).OrderBy(d => d.At).ToListAsync()
        );
        Assert.Equal([AlertState.Firing, AlertState.Resolved], deliveries.Select(d => d.State));
        Assert.All(deliveries, d => Assert.Contains("No SMTP server is configured", d.Error));
    }

    [SkippableFact]
    public async Task A_webhook_channel_receives_the_firing_alert_signed_with_its_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var t0 = Start();
        var (tenant, subject) = await WorkloadAsync("hooked");
        var secret = ChannelSecretVault.NewSecret();
        var channel = await ChannelAsync(vault =>
            NotificationChannel
                .CreateWebhook(
                    tenant.Id,
                    "on-call",
                    $"{receiver.Url}/hook?token=x",
                    vault.Seal(secret),
                    vault.SealUrl,
                    DateTime.UtcNow
                )
                .Value
        );
        var rule = await RuleAsync(
            tenant,
            new(
                "Restarts",
                AlertMetric.AppRestarts,
                Aggregation.Increase,
                Comparator.Above,
                2,
                2,
                Severity.Warning,
                [channel.Id]
            )
        );
        await World.SamplesAsync(subject, t0, 3, (i, s) => s.Restarts = i * 3);

        await EvaluateAsync(t0.AddMinutes(2));
        await DeliverAllAsync(rule);

        var call = Assert.Single(receiver.Calls);
        Assert.Equal(
            WebhookSender.Signature(secret, call.Timestamp, System.Text.Encoding.UTF8.GetBytes(call.Body)),
            call.Signature
        );
        using var json = JsonDocument.Parse(call.Body);
        Assert.Equal("firing", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("Restarts", json.RootElement.GetProperty("rule").GetString());
        Assert.Equal(6, json.RootElement.GetProperty("value").GetDouble());
        Assert.Equal(tenant.Slug, json.RootElement.GetProperty("tenant").GetString());
        var alert = Assert.Single(await AlertsAsync(rule));
        Assert.EndsWith($"/t/{tenant.Slug}/alerts/{alert.Id}", json.RootElement.GetProperty("link").GetString());
        var delivery = Assert.Single(
            await World.QueryAsync(db => db.AlertDeliveries.Where(d => d.ChannelId == channel.Id).ToListAsync())
        );
        Assert.True(delivery.Delivered);
        Assert.Equal(1, delivery.Attempts);
    }

    [SkippableFact]
    public async Task A_tenant_rule_watches_only_its_own_tenant()
    {
        var t0 = Start();
        var (mine, ours) = await WorkloadAsync("shared-name");
        var (_, theirs) = await WorkloadAsync("shared-name");
        var rule = await RuleAsync(
            mine,
            new(
                "Unavailable",
                AlertMetric.AppUnavailableReplicas,
                Aggregation.Min,
                Comparator.AtOrAbove,
                1,
                1,
                Severity.Warning,
                []
            )
        );
        foreach (var subject in new[] { ours, theirs })
            await World.SamplesAsync(subject, t0, 2, (_, s) => (s.Ready, s.Desired) = (0, 2));

        await EvaluateAsync(t0.AddMinutes(1));

        var alert = Assert.Single(await AlertsAsync(rule));
        Assert.Equal(ours.Id, alert.SubjectId);
        Assert.Equal(2, alert.Value);
    }

    [SkippableFact]
    public async Task Application_rules_of_two_tenants_on_one_application_name_judge_each_its_own_application()
    {
        var t0 = Start();
        var (mine, ours) = await WorkloadAsync("same-name");
        var (other, theirs) = await WorkloadAsync("same-name");
        // Same metric, duration and scope: the evaluator reads both rules' subjects and samples in one query.
        var settings = new RuleSettings(
            "Hot",
            AlertMetric.AppCpuPercent,
            Aggregation.Avg,
            Comparator.Above,
            80,
            1,
            Severity.Warning,
            []
        );
        var myRule = await AppRuleAsync(mine, "same-name", settings);
        var theirRule = await AppRuleAsync(other, "same-name", settings);
        await World.SamplesAsync(ours, t0, 2, (_, s) => s.CpuPercent = 95);
        await World.SamplesAsync(theirs, t0, 2, (_, s) => s.CpuPercent = 10);

        await EvaluateAsync(t0.AddMinutes(1));

        Assert.Equal(ours.Id, Assert.Single(await AlertsAsync(myRule)).SubjectId);
        Assert.Empty(await AlertsAsync(theirRule));
    }

    [SkippableFact]
    public async Task Switching_a_rule_off_resolves_its_alerts()
    {
        var t0 = Start();
        var (tenant, subject) = await WorkloadAsync("switched");
        var rule = await RuleAsync(
            tenant,
            new("Memory", AlertMetric.AppMemoryPercent, Aggregation.Last, Comparator.Above, 50, 0, Severity.Info, [])
        );
        await World.SamplesAsync(subject, t0, 2, (_, s) => s.MemoryPercent = 75);
        await EvaluateAsync(t0);
        Assert.Equal(AlertState.Firing, Assert.Single(await AlertsAsync(rule)).State);

        await World.RunAsync<AlertRuleDirectory, Domain.Common.Result>(Ops, tenant, rules =>
            rules.SwitchAsync(rule.Id, false, default)
        );
        await EvaluateAsync(t0.AddMinutes(1));

        Assert.Equal(AlertState.Resolved, Assert.Single(await AlertsAsync(rule)).State);
    }

    [SkippableFact]
    public async Task A_silenced_alert_is_not_told_and_the_silence_is_audited()
    {
        var t0 = Start();
        var (tenant, subject) = await WorkloadAsync("quiet");
        var channel = await EmailChannelAsync(tenant);
        var rule = await RuleAsync(
            tenant,
            new(
                "Crash",
                AlertMetric.AppCrashLoopingPods,
                Aggregation.Last,
                Comparator.AtOrAbove,
                1,
                0,
                Severity.Critical,
                [channel.Id]
            )
        );
        await World.SamplesAsync(subject, t0, 1, (_, s) => s.Failing = 1);
        await EvaluateAsync(t0);
        var alert = Assert.Single(await AlertsAsync(rule));

        var silenced = await World.RunAsync<AlertBook, Domain.Common.Result>(Ops, tenant, book =>
            book.SilenceAsync(alert.Id, DateTime.UtcNow.AddHours(2), "deploy window", default)
        );
        Assert.True(silenced.Succeeded, silenced.Problem?.Message);
        await DeliverAllAsync(rule);

        Assert.Empty(await World.QueryAsync(db => db.AlertDeliveries.Where(d => d.AlertId == alert.Id).ToListAsync()));
        Assert.Equal(1, await Arrange.AuditCountAsync("alert.silenced"));
        var other = await Arrange.TenantAsync();
        var refused = await World.RunAsync<AlertBook, Domain.Common.Result>(Ops, other, book =>
            book.SilenceAsync(alert.Id, DateTime.UtcNow.AddHours(2), null, default)
        );
        Assert.Equal("not-found", refused.Problem!.Code);
    }

    private async Task<(Tenant Tenant, MetricSubject Subject)> WorkloadAsync(string app)
    {
        var tenant = await Arrange.TenantAsync();
        var cluster = await World.ClusterAsync();
        return (tenant, await World.SubjectAsync(cluster, SubjectKind.Workload, app, tenant, $"{tenant.Slug}-prod"));
    }

    private async Task<AlertRule> RuleAsync(Tenant tenant, RuleSettings settings)
    {
        var created = await World.RunAsync<AlertRuleDirectory, Domain.Common.Result<AlertRule>>(Ops, tenant, rules =>
            rules.CreateAsync(null, settings, default)
        );
        Assert.True(created.Succeeded, created.Problem?.Message);
        return created.Value;
    }

    private async Task<AlertRule> AppRuleAsync(Tenant tenant, string app, RuleSettings settings)
    {
        var rule = AlertRule.Create(RuleScope.App, tenant.Id, app, settings, DateTime.UtcNow).Value;
        await World.WithDbAsync(async db =>
        {
            db.AlertRules.Add(rule);
            await db.SaveChangesAsync();
        });
        return rule;
    }

    private Task<NotificationChannel> EmailChannelAsync(Tenant tenant) =>
        ChannelAsync(_ =>
            NotificationChannel
                .CreateEmail(tenant.Id, Arrange.Unique("mail"), "oncall@shop.example", DateTime.UtcNow)
                .Value
        );

    private async Task<NotificationChannel> ChannelAsync(Func<ChannelSecretVault, NotificationChannel> make)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var channel = make(scope.ServiceProvider.GetRequiredService<ChannelSecretVault>());
        await World.WithDbAsync(async db =>
        {
            db.NotificationChannels.Add(channel);
            await db.SaveChangesAsync();
        });
        return channel;
    }

    private Task<EvaluationOutcome> EvaluateAsync(DateTime now) =>
        World.RunAsync<AlertEvaluator, EvaluationOutcome>(evaluator => evaluator.EvaluateAtAsync(now, default));

    /// <summary>
    /// What the notification jobs the evaluator queued would do: deliver for every alert of the rule.
    /// </summary>
    private async Task DeliverAllAsync(AlertRule rule)
    {
        foreach (var alert in await AlertsAsync(rule))
            await World.RunAsync<AlertNotifications, bool>(async n =>
            {
                await n.DeliverAsync(alert.Id, default);
                return true;
            });
    }

    private Task<List<Alert>> AlertsAsync(AlertRule rule) =>
        World.QueryAsync(db => db.Alerts.AsNoTracking().Where(a => a.RuleId == rule.Id).ToListAsync());

    /// <summary>A webhook endpoint on the loopback that records what it is sent.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        public ConcurrentQueue<(string Body, string Signature, string Timestamp)> Calls { get; } = new();
        public string Url { get; private set; } = "";

        private WebhookReceiver(WebApplication app) => _app = app;

        public static async Task<WebhookReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                receiver.Calls.Enqueue(
                    (
                        await reader.ReadToEndAsync(),
                        request.Headers[WebhookSender.SignatureHeader].ToString(),
                        request.Headers[WebhookSender.TimestampHeader].ToString()
                    )
                );
                return Results.Ok();
            });
            await app.StartAsync();
            receiver.Url = app
                .Services.GetRequiredService<IServer>()
                .Features.Get<IServerAddressesFeature>()!
                .Addresses.First();
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}

public sealed class AlertEvaluationOnSqlite(MonitoringSqlitePortal portal)
    : AlertEvaluationScenarios(portal),
        IClassFixture<MonitoringSqlitePortal>;

public sealed class AlertEvaluationOnPostgres(MonitoringPostgresPortal portal)
    : AlertEvaluationScenarios(portal),
        IClassFixture<MonitoringPostgresPortal>;

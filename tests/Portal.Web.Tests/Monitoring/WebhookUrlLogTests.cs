using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>
/// A webhook URL's path and query may be its credential: no log line and no delivery record may hold them.
/// </summary>
public sealed class WebhookUrlLogTests
{
    [Fact]
    public async Task Creating_listing_testing_and_deleting_a_webhook_logs_its_url_only_up_to_its_host()
    {
        await using var receiver = await FlakyReceiver.StartAsync();
        var logs = new CapturedLogs();
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Trace",
                ["Logging:LogLevel:Microsoft"] = "Trace",
                ["Logging:LogLevel:System"] = "Trace",
                ["Portal:Monitoring:Notifications:AllowedTargets:0"] = "127.0.0.1",
                ["Portal:Monitoring:Notifications:WebhookFirstRetryDelay"] = "00:00:00.010",
            }
        )
        {
            Logs = logs,
        };
        var arrange = new Arrange(factory);
        var tenant = await arrange.TenantAsync();
        var admin = await arrange.ApiClientAsync(await arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));
        var viewer = await arrange.ApiClientAsync(await arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));
        var channels = $"/api/v1/tenants/{tenant.Slug}/channels";
        var url = $"{receiver.Url}/services/T0001/B0002/hook-path-secret?token=query-secret";

        var created = await admin.PostAsJsonAsync(
            channels,
            new
            {
                kind = "Webhook",
                name = "slack",
                url,
            }
        );
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var tested = await (
            await admin.PostAsync($"{channels}/{id}/test", null)
        ).Content.ReadFromJsonAsync<JsonElement>();
        await viewer.GetStringAsync(channels);
        await admin.DeleteAsync($"{channels}/{id}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(tested.GetProperty("delivered").GetBoolean());
        Assert.Equal(2, receiver.Calls);
        Assert.Contains(logs.Lines, line => line.Contains($"{receiver.Url}/…"));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("hook-path-secret") || line.Contains("query-secret"));
        var audit = await arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TenantId == tenant.Id).Select(a => a.TargetId + " " + a.Summary).ToListAsync()
        );
        Assert.DoesNotContain(audit, entry => entry.Contains("hook-path-secret") || entry.Contains("query-secret"));
    }

    /// <summary>A webhook receiver on loopback that answers 503 to its first call and 200 after.</summary>
    private sealed class FlakyReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _calls;

        private FlakyReceiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public int Calls => _calls;

        public static async Task<FlakyReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new FlakyReceiver(app);
            app.MapPost("/services/{**rest}", () =>
                Interlocked.Increment(ref receiver._calls) == 1 ? Results.StatusCode(503) : Results.Ok()
            );
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

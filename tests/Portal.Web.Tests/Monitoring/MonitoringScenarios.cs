using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Monitoring.Dashboards;
using Portal.Web.Clusters;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>
/// Charts and dashboards of applications deployed to the embedded sandbox cluster, after the sampler took a few samples
/// of it (at the last minutes, so that they fall in the charts' hour), on each database provider.
/// </summary>
public abstract class MonitoringScenarios(PortalFixture portal)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private static object Spec(string image) =>
        new
        {
            image,
            ports = new[]
            {
                new
                {
                    name = "http",
                    port = 8080,
                    protocol = "Tcp",
                },
            },
            resources = new
            {
                cpuRequestMillis = 100,
                cpuLimitMillis = 200,
                memoryRequestBytes = 64L << 20,
                memoryLimitBytes = 128L << 20,
            },
            replicas = 1,
            readiness = new
            {
                kind = "Http",
                path = "/healthz",
                port = 8080,
            },
        };

    private async Task<(Tenant Tenant, HttpClient Api)> TenantAsync()
    {
        var (tenant, api, _) = await TenantWithAdminAsync();
        return (tenant, api);
    }

    private async Task<(Tenant Tenant, HttpClient Api, BrowserSession Admin)> TenantWithAdminAsync()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "8");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "2");
        return (
            tenant,
            await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer)),
            admin
        );
    }

    /// <summary>Creates and deploys the application to dev; answers how its deploy ended.</summary>
    private async Task<OperationState> DeployAsync(
        Tenant tenant,
        HttpClient api,
        string app,
        string image = "nginx:1.27"
    )
    {
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps",
            new
            {
                name = app,
                description = "d",
                owner = "team",
                spec = Spec(image),
            }
        );
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var accepted = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/{app}/environments/dev/deploy",
            new { note = "monitored" }
        );
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("operation").GetGuid();
        Operation? operation = null;
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                operation = await Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == id)
                );
                return operation.IsFinished;
            },
            $"the deploy of {app} to finish",
            60
        );
        var ns = $"{tenant.Slug}-dev";
        await SandboxWorld.EventuallyAsync(
            () => Arrange.QueryAsync(db => db.WorkloadPods.AnyAsync(p => p.Namespace == ns && p.App == app)),
            $"the watch to see the pods of {app}"
        );
        return operation!.State;
    }

    /// <summary>Three samples, a minute apart, the last one now.</summary>
    private async Task SampleAsync()
    {
        var now = DateTime.UtcNow;
        for (var minutesAgo = 2; minutesAgo >= 0; minutesAgo--)
        {
            await using var scope = portal.Factory.Services.CreateAsyncScope();
            await scope
                .ServiceProvider.GetRequiredService<MetricsSampler>()
                .SampleAtAsync(now.AddMinutes(-minutesAgo), default);
        }
    }

    private async Task<HttpClient> PlatformAdminApiAsync() =>
        await Arrange.UserApiClientAsync(await Arrange.AdminAsync());

    private static int Points(ChartSet charts, string chart, string series) =>
        charts
            .Charts.Single(c => c.Id == chart)
            .Series.Single(s => s.Label == series)
            .Points.Count(p => p[1] is not null);

    [SkippableFact]
    public async Task The_charts_of_a_deployed_app_have_cpu_memory_and_replicas_points_and_mark_its_deploy()
    {
        var (tenant, api) = await TenantAsync();
        Assert.Equal(OperationState.Succeeded, await DeployAsync(tenant, api, "shop"));
        await SampleAsync();

        var charts = await api.GetFromJsonAsync<ChartSet>(
            $"/api/v1/tenants/{tenant.Slug}/metrics/apps/shop?environment=dev&range=1h",
            Json
        );

        Assert.Equal(["cpu", "memory", "restarts", "replicas"], charts!.Charts.Select(c => c.Id));
        Assert.True(Points(charts, "cpu", "used") >= 2, "CPU used has points");
        Assert.True(Points(charts, "memory", "used") >= 2, "memory used has points");
        Assert.True(Points(charts, "replicas", "ready") >= 2, "ready replicas have points");
        Assert.Equal(
            1,
            charts.Charts.Single(c => c.Id == "replicas").Series.Single(s => s.Label == "desired").Points[^1][1]
        );
        var mark = Assert.Single(charts.Marks);
        Assert.StartsWith("Revision 1", mark.Label);
        Assert.InRange(mark.At, charts.From, charts.To);
    }

    [SkippableFact]
    public async Task The_application_and_instance_pages_have_a_live_chart_panel_per_environment()
    {
        var (tenant, api, admin) = await TenantWithAdminAsync();
        await DeployAsync(tenant, api, "shop");
        var instance = await Arrange.MiddlewareInstanceAsync(tenant, "dev");
        var live = $"data-range=\"1h\" data-ranges=\"1h,24h,7d,30d\" data-live=\"tenant:{tenant.Slug}\"";

        var appPage = await (await admin.GetAsync($"/t/{tenant.Slug}/apps/shop")).Content.ReadAsStringAsync();
        var instancePage = await (
            await admin.GetAsync($"/t/{tenant.Slug}/middleware/dev/{instance}")
        ).Content.ReadAsStringAsync();

        Assert.Contains(
            $"data-source=\"/api/v1/tenants/{tenant.Slug}/metrics/apps/shop?environment=dev\" {live}",
            appPage
        );
        Assert.Contains(
            $"data-source=\"/api/v1/tenants/{tenant.Slug}/metrics/instances/{instance}?environment=dev\" {live}",
            instancePage
        );
        Assert.All(new[] { appPage, instancePage }, page => Assert.Contains("/lib/uplot/uPlot.iife.min.js", page));
    }

    [SkippableFact]
    public async Task The_charts_of_an_environment_and_of_the_cluster_have_points()
    {
        var (tenant, api) = await TenantAsync();
        await DeployAsync(tenant, api, "shop");
        await SampleAsync();

        var environment = await api.GetFromJsonAsync<ChartSet>(
            $"/api/v1/tenants/{tenant.Slug}/metrics/environments/dev?range=1h",
            Json
        );
        var cluster = await (await PlatformAdminApiAsync()).GetFromJsonAsync<ChartSet>(
            $"/api/v1/platform/metrics/clusters/{EmbeddedSandboxOptions.ClusterName}?range=24h",
            Json
        );

        Assert.Equal(["cpu", "memory", "quota", "pods"], environment!.Charts.Select(c => c.Id));
        Assert.True(Points(environment, "cpu", "requested") >= 2, "the environment's CPU requests have points");
        Assert.True(Points(environment, "memory", "used") >= 2, "the environment's memory used has points");
        Assert.Equal(["cpu", "memory", "nodes", "pods"], cluster!.Charts.Select(c => c.Id));
        Assert.True(Points(cluster, "cpu", "used") >= 2, "the cluster's CPU used has points");
        Assert.Equal(
            3,
            cluster
                .Charts.Single(c => c.Id == "nodes")
                .Series.Single(s => s.Label == "ready")
                .Points.Last(p => p[1] is not null)[1]
        );
    }

    [SkippableFact]
    public async Task Unknown_ranges_are_refused_and_unknown_subjects_are_not_found()
    {
        var (tenant, api) = await TenantAsync();
        var admin = await PlatformAdminApiAsync();
        var slug = tenant.Slug;

        var badRange = await api.GetAsync($"/api/v1/tenants/{slug}/metrics/environments/dev?range=2w");
        var noEnvironment = await api.GetAsync($"/api/v1/tenants/{slug}/metrics/apps/shop");
        var notFound = new[]
        {
            await api.GetAsync($"/api/v1/tenants/{slug}/metrics/environments/nowhere"),
            await api.GetAsync($"/api/v1/tenants/{slug}/metrics/apps/nothing?environment=dev"),
            await api.GetAsync($"/api/v1/tenants/{slug}/metrics/instances/nothing?environment=dev"),
            await admin.GetAsync("/api/v1/platform/metrics/clusters/nowhere"),
        };

        Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
        Assert.Equal("application/problem+json", badRange.Content.Headers.ContentType?.MediaType);
        var problem = await badRange.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("/problems/validation", problem.GetProperty("type").GetString());
        Assert.Contains("1h, 24h, 7d, 30d", problem.GetProperty("errors").GetProperty("range")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, noEnvironment.StatusCode);
        Assert.All(notFound, response => Assert.Equal(HttpStatusCode.NotFound, response.StatusCode));
        Assert.All(notFound, response =>
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType)
        );
    }

    [SkippableFact]
    public async Task A_crash_looping_app_shows_on_the_dashboards_by_reason_health_and_failed_operation()
    {
        var (tenant, api) = await TenantAsync();
        await DeployAsync(tenant, api, "shop");
        Assert.Equal(
            OperationState.Failed,
            await DeployAsync(tenant, api, "crash", "registry.example.com/shop/crashloop:1.0")
        );
        var admin = await PlatformAdminApiAsync();

        PlatformDashboardView? platform = null;
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                platform = await admin.GetFromJsonAsync<PlatformDashboardView>("/api/v1/platform/dashboard", Json);
                return platform!.Pods.Newest.Any(p => p.Tenant == tenant.Slug && p.Reason == "CrashLoopBackOff");
            },
            "the crash-looping pod on the platform dashboard"
        );
        var dashboard = await api.GetFromJsonAsync<TenantDashboardView>(
            $"/api/v1/tenants/{tenant.Slug}/dashboard",
            Json
        );

        Assert.Contains(platform!.Pods.ByReason, r => r.Reason == "CrashLoopBackOff" && r.Count >= 1);
        var pod = platform.Pods.Newest.First(p => p.Tenant == tenant.Slug);
        Assert.Equal(("dev", "crash"), (pod.Environment, pod.App));
        Assert.Contains(platform.FailedOperations.Newest, o =>
            o.Tenant == tenant.Slug && o.Kind == OperationKinds.ApplicationDeploy
        );
        Assert.Contains(platform.Clusters, c =>
            c.Name == EmbeddedSandboxOptions.ClusterName && c.Health == Domain.Clusters.ClusterHealth.Healthy
        );
        Assert.Contains(platform.Pools, p =>
            p.Cluster == EmbeddedSandboxOptions.ClusterName && p.CpuCapacityMillis > 0 && p.CpuRequestedMillis > 0
        );
        Assert.Equal(2, dashboard!.Applications);
        Assert.Equal(
            [new HealthCount(ApplicationHealth.Running, 1), new HealthCount(ApplicationHealth.Failed, 1)],
            dashboard.AppsByHealth
        );
        Assert.Equal(["crash", "shop"], dashboard.RecentDeploys.Select(d => d.App));
        Assert.All(dashboard.RecentDeploys, d => Assert.Equal("dev", d.Environment));
        var quota = Assert.Single(dashboard.Quotas);
        Assert.Equal("dev", Assert.Single(quota.Environments).Name);
        Assert.Equal(0, dashboard.Alerts.Total);
    }

    [SkippableFact]
    public async Task A_platform_admin_watching_the_platform_hears_when_samples_were_taken()
    {
        await using var watcher = await MonitoringHubScenarios.ConnectAsync(
            portal.Factory,
            await Arrange.AdminAsync(),
            Arrange
        );
        var heard = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.On<JsonElement>("SamplesTaken", message => heard.TrySetResult(message.GetProperty("at").GetInt64()));
        await watcher.InvokeAsync("Watch", "platform");

        await using (var scope = portal.Factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<MetricsSampler>().SampleAtAsync(DateTime.UtcNow, default);

        var at = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(at, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }
}

public sealed class MonitoringOnSqlite(SandboxPortal portal)
    : MonitoringScenarios(portal),
        IClassFixture<SandboxPortal>;

public sealed class MonitoringOnPostgres(PostgresSandboxPortal portal)
    : MonitoringScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;

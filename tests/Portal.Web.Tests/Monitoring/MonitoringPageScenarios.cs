using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring.Dashboards;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>
/// The dashboards' pages and data without a cluster: tiles, firing alerts, and the chart panels they hold for the chart
/// script (those of the application and instance pages, and the charts' data: <see cref="MonitoringScenarios"/>).
/// </summary>
public sealed class MonitoringPageScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private Arrange Arrange => new(portal.Factory);

    [Fact]
    public async Task The_platform_dashboard_has_its_tiles_and_a_live_chart_panel_per_cluster()
    {
        var tenant = await Arrange.TenantAsync();
        await Arrange.EnvironmentAsync(tenant);
        var cluster = await Arrange.QueryAsync(db =>
            db.Clusters.OrderByDescending(c => c.RegisteredAt).Select(c => c.Name).FirstAsync()
        );
        await Arrange.FailedOperationAsync(tenant);
        var admin = await Arrange.AdminAsync();

        var page = await admin.GetAsync("/admin/monitoring");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        foreach (var tile in new[] { "clusters", "hosts", "pods", "operations", "alerts" })
            Assert.Contains($"data-tile=\"{tile}\"", html);
        Assert.Contains(
            $"data-source=\"/api/v1/platform/metrics/clusters/{cluster}\" "
                + "data-range=\"1h\" data-ranges=\"1h,24h,7d,30d\" data-live=\"platform\"",
            html
        );
        Assert.Contains($"href=\"/t/{tenant.Slug}/operations\"", html);
        Assert.Contains("href=\"/admin/alerts?state=firing\"", html);
        Assert.Contains("/js/charts.js", html);
        Assert.Contains("href=\"/admin/monitoring\"", html);
    }

    [Fact]
    public async Task The_tenant_dashboard_has_a_live_chart_panel_per_environment()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var page = await viewer.GetAsync($"/t/{tenant.Slug}/monitoring");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(
            $"data-source=\"/api/v1/tenants/{tenant.Slug}/metrics/environments/{environment}\" "
                + "data-range=\"1h\" data-ranges=\"1h,24h,7d,30d\" "
                + $"data-live=\"tenant:{tenant.Slug}\"",
            html
        );
        Assert.Contains($"data-deploy=\"{app}/1\"", html);
        Assert.Contains($"href=\"/t/{tenant.Slug}/alerts?state=firing\"", html);
        Assert.DoesNotContain("will show", html);
    }

    [Fact]
    public async Task The_chart_data_is_read_with_the_session_cookie_and_refused_without_credentials()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var anonymous = portal.Factory.CreateClient(
            new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
            {
                AllowAutoRedirect = false,
                BaseAddress = portal.Factory.ClientOptions.BaseAddress,
            }
        );

        var withCookie = await viewer.GetAsync(
            $"/api/v1/tenants/{tenant.Slug}/metrics/environments/{environment}?range=24h"
        );
        var dashboard = await viewer.GetAsync($"/api/v1/tenants/{tenant.Slug}/dashboard");
        var without = await anonymous.GetAsync($"/api/v1/tenants/{tenant.Slug}/metrics/environments/{environment}");

        Assert.Equal(HttpStatusCode.OK, withCookie.StatusCode);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
    }

    [Fact]
    public async Task A_firing_alert_shows_on_its_tenants_dashboard_and_the_platforms_and_not_on_another_tenants()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        var alertId = await FiringAlertAsync(tenant, environment, app);
        var bystander = await Arrange.TenantAsync();
        var member = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var other = await Arrange.SignedInAsync(await Arrange.MemberAsync(bystander, TenantRole.Viewer));
        var admin = await Arrange.AdminAsync();

        var mine = await (
            await member.GetAsync($"/api/v1/tenants/{tenant.Slug}/dashboard")
        ).Content.ReadFromJsonAsync<TenantDashboardView>(MonitoringScenarios.Json);
        var theirs = await (
            await other.GetAsync($"/api/v1/tenants/{bystander.Slug}/dashboard")
        ).Content.ReadFromJsonAsync<TenantDashboardView>(MonitoringScenarios.Json);
        var platform = await (
            await admin.GetAsync("/api/v1/platform/dashboard")
        ).Content.ReadFromJsonAsync<PlatformDashboardView>(MonitoringScenarios.Json);
        var page = await (await member.GetAsync($"/t/{tenant.Slug}/monitoring")).Content.ReadAsStringAsync();

        Assert.Equal(1, mine!.Alerts.Total);
        Assert.Equal([new SeverityCount(Severity.Critical, 1)], mine.Alerts.BySeverity);
        var shown = Assert.Single(mine.Alerts.Newest);
        Assert.Equal((alertId, "Pod crash-looping", $"{environment}/{app}"), (shown.Id, shown.RuleName, shown.Subject));
        Assert.Equal(0, theirs!.Alerts.Total);
        Assert.Contains(platform!.Alerts.Newest, a => a.Id == alertId);
        Assert.Contains($"data-alert=\"{alertId}\"", page);
    }

    /// <summary>
    /// The built-in crash-looping rule firing on the application's workload, as the evaluator would have left it.
    /// </summary>
    private async Task<Guid> FiringAlertAsync(Tenant tenant, string environment, string app)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var place = await (
            from e in db.Environments.IgnoreQueryFilters()
            join p in db.ResourcePools on e.PoolId equals p.Id
            where e.TenantId == tenant.Id && e.Name == environment
            select new
            {
                e.Id,
                e.Namespace,
                p.ClusterId,
            }
        ).SingleAsync();
        var subject = new MetricSubject(
            SubjectKind.Workload,
            place.ClusterId,
            place.Namespace,
            app,
            tenant.Id,
            place.Id
        );
        db.MetricSubjects.Add(subject);
        await db.SaveChangesAsync();
        var rule = await db.AlertRules.SingleAsync(r => r.Name == "Pod crash-looping");
        var alert = Alert.Fire(rule, subject, $"{environment}/{app}", 1, DateTime.UtcNow);
        db.Alerts.Add(alert);
        await db.SaveChangesAsync();
        return alert.Id;
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// A tenant's run quota: the platform's defaults until a platform admin sets its own (a missing number refused, never
/// taken as 0); its members see it with what they use: runs going and build minutes since 00:00 UTC.
/// </summary>
public sealed class RunQuotaScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private PipelineArrangement World => new(portal.Factory);
    private Arrange Arrange => World.Arrange;

    [Fact]
    public async Task The_quota_page_shows_the_defaults_with_the_runs_going_and_the_build_minutes_of_today()
    {
        var (tenant, app) = await World.AppAsync();
        var (id, _) = await World.PipelineAsync(tenant, app);
        await World.RunAsync(tenant, id, admitted: true);
        await World.RunAsync(tenant, id, admitted: false);
        var now = DateTime.UtcNow;
        await BuildAsync(tenant, app, now.AddMinutes(-30), now.AddMinutes(-10));
        await BuildAsync(tenant, app, now.AddMinutes(-17), null);
        await BuildAsync(tenant, app, now.AddDays(-2), now.AddDays(-2).AddMinutes(50));
        var expected = (int)
            Math.Ceiling(
                Since(now.Date, now.AddMinutes(-30), now.AddMinutes(-10)) + Since(now.Date, now.AddMinutes(-17), now)
            );
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));

        var page = Text(await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/quotas"));
        var quota = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/run-quota");

        Assert.Contains("1 of 2 runs going", page);
        Assert.Equal(2, quota.GetProperty("concurrentRuns").GetInt32());
        Assert.Equal(600, quota.GetProperty("buildMinutesPerDay").GetInt32());
        Assert.True(quota.GetProperty("isDefault").GetBoolean());
        Assert.Equal(1, quota.GetProperty("runsGoing").GetInt32());
        var minutes = quota.GetProperty("buildMinutesToday").GetInt32();
        Assert.InRange(minutes, expected - 1, expected + 1);
        Assert.Contains($"{minutes} of 600 build minutes today", page);
    }

    [Fact]
    public async Task A_platform_admin_sets_a_tenants_quota_and_a_missing_number_is_refused_with_nothing_saved()
    {
        var (tenant, _) = await World.AppAsync();
        var admin = await Arrange.AdminAsync();
        var form = $"/admin/tenants/{tenant.Slug}/run-quota";

        var missing = await admin.PostFormAsync(
            form,
            new() { ["ConcurrentRuns"] = "3", ["BuildMinutesPerDay"] = "" },
            form
        );
        var missingHtml = WebUtility.HtmlDecode(await missing.Content.ReadAsStringAsync());
        var rowsAfterRefusal = await QuotasOfAsync(tenant);
        var set = await admin.PostFormAsync(
            form,
            new() { ["ConcurrentRuns"] = "3", ["BuildMinutesPerDay"] = "90" },
            form
        );
        var member = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var page = Text(await member.Http.GetStringAsync($"/t/{tenant.Slug}/quotas"));

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Matches("data-valmsg-for=\"BuildMinutesPerDay\"[^>]*>[^<]*Say how many build minutes", missingHtml);
        Assert.Equal(0, rowsAfterRefusal);
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        Assert.Contains("0 of 3 runs going", page);
        Assert.Contains("of 90 build minutes today", page);
        Assert.Equal(1, await World.AuditCountAsync(tenant, PipelineAuditActions.RunQuotaSet));
    }

    [Fact]
    public async Task Through_the_api_only_a_platform_admin_sets_a_quota_and_a_missing_number_is_a_400()
    {
        var (tenant, _) = await World.AppAsync();
        var admin = await Arrange.UserApiClientAsync(await Arrange.AdminAsync());
        var tenantAdmin = await Arrange.ApiClientAsync(
            await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin)
        );
        var url = $"/api/v1/tenants/{tenant.Slug}/run-quota";

        var missing = await admin.PutAsJsonAsync(url, new { concurrentRuns = 4 });
        var byMember = await tenantAdmin.PutAsJsonAsync(url, new { concurrentRuns = 4, buildMinutesPerDay = 10 });
        var set = await admin.PutAsJsonAsync(url, new { concurrentRuns = 4, buildMinutesPerDay = 10 });
        var read = await tenantAdmin.GetFromJsonAsync<JsonElement>(url);

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var problem = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("buildMinutesPerDay", out _));
        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(4, read.GetProperty("concurrentRuns").GetInt32());
        Assert.Equal(10, read.GetProperty("buildMinutesPerDay").GetInt32());
        Assert.False(read.GetProperty("isDefault").GetBoolean());
    }

    private Task<int> QuotasOfAsync(Tenant tenant) =>
        Arrange.QueryAsync(db => db.RunQuotas.IgnoreQueryFilters().CountAsync(q => q.TenantId == tenant.Id));

    private static double Since(DateTime midnight, DateTime from, DateTime to)
    {
        var start = from < midnight ? midnight : from;
        return to > start ? (to - start).TotalMinutes : 0;
    }

    /// <summary>Page text without its tags, so that "<strong>1</strong> of 2" reads "1 of 2".</summary>
    private static string Text(string html) =>
        WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(html, "<[^>]+>", ""));

    private async Task BuildAsync(Tenant tenant, string app, DateTime started, DateTime? finished)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var applicationId = await db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == app)
            .Select(a => a.Id)
            .SingleAsync();
        var last = await db
            .Builds.IgnoreQueryFilters()
            .Where(b => b.ApplicationId == applicationId)
            .MaxAsync(b => (int?)b.Number);
        var build = Build.Queue(tenant.Id, applicationId, last ?? 0, "main", "dev@portal.test", started).Value;
        build.Start(started);
        build.Fetched(new SourceCommit(new string('b', 40), "Work", "dev", started));
        if (finished is { } end)
            build.Succeed(
                new PushedImage($"127.0.0.1:5000/{tenant.Slug}/{app}", "t", "sha256:" + new string('c', 64), 1),
                end
            );
        db.Builds.Add(build);
        await db.SaveChangesAsync();
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>
/// The whole way from a cluster to an alert: an application crash-loops in the sandbox, the sampler takes what the
/// watch and metrics.k8s.io say, and the built-in rule fires — seen through the API and the alerts page.
/// </summary>
public abstract class CrashLoopAlertScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    [SkippableFact]
    public async Task A_crash_looping_application_is_sampled_and_raises_the_built_in_alert()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "8");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "4");
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps",
            new
            {
                name = "crash",
                description = "crashes",
                owner = "team",
                spec = new
                {
                    image = "registry.example.com/shop/crashloop:1.0",
                    replicas = 1,
                    resources = new
                    {
                        cpuRequestMillis = 100,
                        cpuLimitMillis = 200,
                        memoryRequestBytes = 64L << 20,
                        memoryLimitBytes = 128L << 20,
                    },
                },
            }
        );
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        Assert.Equal(
            HttpStatusCode.Accepted,
            (
                await api.PostAsJsonAsync($"/api/v1/tenants/{tenant.Slug}/apps/crash/environments/dev/deploy", new { })
            ).StatusCode
        );
        await SandboxWorld.EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.WorkloadPods.AnyAsync(p => p.App == "crash" && p.Reason == "CrashLoopBackOff")
                ),
            "the pod to crash-loop"
        );

        var now = DateTime.UtcNow;
        foreach (var minute in new[] { -2, -1, 0 })
            await RunAsync<MetricsSampler>(sampler => sampler.SampleAtAsync(now.AddMinutes(minute), default));
        var outcome = await RunAsync<AlertEvaluator, EvaluationOutcome>(evaluator =>
            evaluator.EvaluateAtAsync(now, default)
        );

        var workload = await Arrange.QueryAsync(db =>
            db.MetricSubjects.SingleAsync(s =>
                s.TenantId == tenant.Id && s.Kind == SubjectKind.Workload && s.Name == "crash"
            )
        );
        var latest = await Arrange.QueryAsync(db =>
            db.MetricSamples.Where(s => s.SubjectId == workload.Id).OrderByDescending(s => s.At).FirstAsync()
        );
        Assert.Equal(1, latest.Failing);
        Assert.Equal(0, latest.Ready);
        Assert.Equal(1, latest.Desired);
        Assert.True(latest.Restarts >= 1, $"{latest.Restarts} restarts");
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.MetricSubjects.AnyAsync(s =>
                    s.TenantId == tenant.Id
                    && s.Kind == SubjectKind.Namespace
                    && db.MetricSamples.Any(m => m.SubjectId == s.Id && m.QuotaPercent > 0)
                )
            ),
            "the environment's quota use is sampled"
        );
        Assert.True(outcome.Fired >= 1);

        var page = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/alerts?state=firing");
        var alert = Assert.Single(page.GetProperty("items").EnumerateArray(), a =>
            a.GetProperty("ruleName").GetString() == "Pod crash-looping"
        );
        Assert.Equal("dev/crash", alert.GetProperty("subject").GetString());
        Assert.Equal("Critical", alert.GetProperty("severity").GetString());
        var id = alert.GetProperty("id").GetGuid();
        var chart = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/alerts/{id}/chart");
        Assert.Contains(
            chart.GetProperty("charts")[0].GetProperty("series")[0].GetProperty("points").EnumerateArray(),
            p => p[1].ValueKind == JsonValueKind.Number && p[1].GetDouble() == 1
        );

        var member = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var list = await member.Http.GetStringAsync($"/t/{tenant.Slug}/alerts?state=firing");
        Assert.Contains($"data-alert=\"{id}\"", list);
        var detail = await member.Http.GetStringAsync($"/t/{tenant.Slug}/alerts/{id}");
        Assert.Contains("Pod crash-looping", detail);
        Assert.DoesNotContain("id=\"silence-form\"", detail);
    }

    [SkippableFact]
    public async Task An_environment_where_nothing_runs_is_sampled_as_requesting_nothing_of_its_share()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "idle", "2");

        await RunAsync<MetricsSampler>(sampler => sampler.SampleAtAsync(DateTime.UtcNow, default));

        var sample = await Arrange.QueryAsync(db =>
            (
                from s in db.MetricSubjects
                join m in db.MetricSamples on s.Id equals m.SubjectId
                where s.TenantId == tenant.Id && s.Kind == SubjectKind.Namespace
                select m
            ).SingleAsync()
        );
        Assert.Equal(0, sample.CpuRequested);
        Assert.Equal(0, sample.QuotaPercent);
        Assert.Equal(0, sample.Pending);
    }

    [SkippableFact]
    public async Task Silencing_through_the_api_is_refused_with_a_clear_problem_when_it_makes_no_sense()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));

        var unknown = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/alerts/{Guid.NewGuid()}/silence",
            new { minutes = 60 }
        );
        var neither = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/alerts/{Guid.NewGuid()}/silence",
            new { reason = "x" }
        );

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
        Assert.Contains("until", await neither.Content.ReadAsStringAsync());
    }

    private async Task RunAsync<T>(Func<T, Task<long>> run)
        where T : notnull
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await run(scope.ServiceProvider.GetRequiredService<T>());
    }

    private async Task<TResult> RunAsync<T, TResult>(Func<T, Task<TResult>> run)
        where T : notnull
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        return await run(scope.ServiceProvider.GetRequiredService<T>());
    }
}

public sealed class CrashLoopAlertsOnSqlite(SandboxPortal portal)
    : CrashLoopAlertScenarios(portal),
        IClassFixture<SandboxPortal>;

public sealed class CrashLoopAlertsOnPostgres(PostgresSandboxPortal portal)
    : CrashLoopAlertScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;

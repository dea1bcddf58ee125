using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Quotas;

/// <summary>
/// What draws on a tenant's quota at the same moment — environments created, shares changed, the grant changed — is
/// admitted one after the other, on each database provider. The pools are over the embedded sandbox, which is asked
/// whether each new namespace is free; what is asserted is what was admitted.
/// </summary>
public abstract class QuotaAdmissionScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task Ten_environments_created_at_once_cannot_overdraw_the_tenant_quota_together()
    {
        var (tenant, api, pool, _) = await TenantWithQuotaAsync(cpu: "4");

        // Each asks for 3 of 4 CPU: one fits, whatever the order.
        var answers = await Task.WhenAll(
            Enumerable
                .Range(1, 10)
                .Select(i =>
                    api.PostAsJsonAsync(
                        $"/api/v1/tenants/{tenant.Slug}/environments",
                        Environment($"burst-{i}", pool, cpu: "3")
                    )
                )
        );

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(9, answers.Count(a => a.StatusCode == HttpStatusCode.Forbidden));
        var refusal = await answers.First(a => a.StatusCode == HttpStatusCode.Forbidden).Content.ReadAsStringAsync();
        Assert.Contains("needs 3 CPU requests, 1 left of 4", refusal);
        var shares = await SharesAsync(tenant);
        Assert.Single(shares);
        Assert.Equal(3000, shares.Sum(s => s.CpuRequestMillis));
    }

    [SkippableFact]
    public async Task Share_changes_made_at_once_cannot_overdraw_the_tenant_quota_together()
    {
        var (tenant, api, pool, _) = await TenantWithQuotaAsync(cpu: "4");
        foreach (var name in new[] { "one", "two", "three", "four" })
        {
            Assert.Equal(
                HttpStatusCode.Accepted,
                (
                    await api.PostAsJsonAsync(
                        $"/api/v1/tenants/{tenant.Slug}/environments",
                        Environment(name, pool, cpu: "500m")
                    )
                ).StatusCode
            );
        }

        // Each grows to 1.5 CPU: two fit (1.5 + 1.5 + 0.5 + 0.5), never three.
        var answers = await Task.WhenAll(
            new[] { "one", "two", "three", "four" }.Select(name =>
                api.PutAsJsonAsync($"/api/v1/tenants/{tenant.Slug}/environments/{name}/share", Share(cpu: "1500m"))
            )
        );

        Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.True((await SharesAsync(tenant)).Sum(s => s.CpuRequestMillis) <= 4000);
    }

    [SkippableFact]
    public async Task A_grant_lowered_while_environments_are_created_never_leaves_shares_above_the_grant()
    {
        var admin = await Arrange.AdminAsync();
        var platform = await Arrange.UserApiClientAsync(admin);
        var pool = await PoolAsync(admin);
        var tenants = new List<(Tenant Tenant, HttpClient Api)>();
        for (var i = 0; i < 6; i++)
        {
            var tenant = await Arrange.TenantAsync();
            await GrantAsync(platform, pool, tenant, cpu: "2");
            tenants.Add(
                (
                    tenant,
                    await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin))
                )
            );
        }

        // Each tenant creates an environment of 1.5 CPU while its grant of 2 is lowered to 1: one of the two must be
        // refused.
        await Task.WhenAll(
            tenants.SelectMany(t =>
                new Task[]
                {
                    t.Api.PostAsJsonAsync(
                        $"/api/v1/tenants/{t.Tenant.Slug}/environments",
                        Environment("prod", pool, cpu: "1500m")
                    ),
                    platform.PutAsJsonAsync($"/api/v1/pools/{pool}/quotas/{t.Tenant.Slug}", Grant(cpu: "1")),
                }
            )
        );

        foreach (var (tenant, _) in tenants)
        {
            var granted = await Arrange.QueryAsync(db =>
                db.TenantQuotas.IgnoreQueryFilters()
                    .Where(q => q.TenantId == tenant.Id)
                    .Select(q => q.Granted.CpuRequestMillis)
                    .SingleAsync()
            );
            Assert.True(
                (await SharesAsync(tenant)).Sum(s => s.CpuRequestMillis) <= granted,
                $"tenant {tenant.Slug}: shares above the grant of {granted}m"
            );
        }
    }

    [SkippableFact]
    public async Task Grants_to_several_tenants_made_at_once_cannot_promise_more_than_the_pool_has()
    {
        var admin = await Arrange.AdminAsync();
        var platform = await Arrange.UserApiClientAsync(admin);
        var pool = await PoolAsync(admin);
        var tenants = new List<Tenant>();
        for (var i = 0; i < 6; i++)
            tenants.Add(await Arrange.TenantAsync());

        // The pool promises 24 CPU (three nodes of 4, overcommitted twice): four grants of 5 fit, never five.
        var answers = await Task.WhenAll(
            tenants.Select(t => platform.PutAsJsonAsync($"/api/v1/pools/{pool}/quotas/{t.Slug}", Grant(cpu: "5")))
        );

        Assert.Equal(4, answers.Count(a => a.IsSuccessStatusCode));
        var granted = await Arrange.QueryAsync(db =>
            db.TenantQuotas.IgnoreQueryFilters()
                .Join(db.ResourcePools, q => q.PoolId, p => p.Id, (q, p) => new { q, p })
                .Where(x => x.p.Name == pool)
                .Select(x => x.q.Granted.CpuRequestMillis)
                .ToListAsync()
        );
        Assert.Equal(20_000, granted.Sum());
    }

    [SkippableFact]
    public async Task A_share_below_what_the_environments_workloads_hold_is_refused_with_the_numbers()
    {
        var (tenant, api, pool, _) = await TenantWithQuotaAsync(cpu: "4");
        Assert.Equal(
            HttpStatusCode.Accepted,
            (
                await api.PostAsJsonAsync(
                    $"/api/v1/tenants/{tenant.Slug}/environments",
                    Environment("dev", pool, cpu: "2")
                )
            ).StatusCode
        );
        // An application (100m/200m CPU, 64/128 MiB, one replica) and a small Redis (100m/500m CPU, 256 MiB, 1 GiB)
        // hold 200m of CPU requests, 700m of CPU limits, 320/384 MiB, 1 GiB of storage and two pods.
        await Arrange.ApplicationAsync(tenant, "dev");
        await Arrange.MiddlewareInstanceAsync(tenant, "dev");

        var refused = await api.PutAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/environments/dev/share",
            Share(cpu: "150m", cpuLimits: "500m")
        );
        var kept = await api.PutAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/environments/dev/share",
            Share(cpu: "200m", cpuLimits: "700m")
        );

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("CPU requests: 0.15 asked, 0.2 held", problem);
        Assert.Contains("CPU limits: 0.5 asked, 0.7 held", problem);
        Assert.Equal(HttpStatusCode.Accepted, kept.StatusCode);
        Assert.Equal(200, (await SharesAsync(tenant)).Single().CpuRequestMillis);
        // The refused share is on the audit trail as refused; the kept one as the change it made.
        var audited = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.Action == "environment.share-changed")
                .Select(a => a.Outcome)
                .ToListAsync()
        );
        Assert.Equal(1, audited.Count(o => o == Domain.Audit.AuditOutcome.Denied));
        Assert.Equal(1, audited.Count(o => o != Domain.Audit.AuditOutcome.Denied));
    }

    [SkippableFact]
    public async Task Deploys_to_environments_that_do_not_exist_leave_no_admission_gate_behind()
    {
        var (tenant, api, _, _) = await TenantWithQuotaAsync(cpu: "4");
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps",
            new
            {
                name = "shop",
                owner = "team",
                spec = new
                {
                    image = "nginx:1.27",
                    replicas = 1,
                    resources = new
                    {
                        cpuRequestMillis = 100,
                        cpuLimitMillis = 100,
                        memoryRequestBytes = 64L << 20,
                        memoryLimitBytes = 64L << 20,
                    },
                },
            }
        );
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var answers = await Task.WhenAll(
            Enumerable
                .Range(1, 40)
                .Select(i =>
                    api.PostAsJsonAsync(
                        $"/api/v1/tenants/{tenant.Slug}/apps/shop/environments/nowhere-{i}/deploy",
                        new { }
                    )
                )
        );

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode));
        Assert.Equal(0, portal.Factory.Services.GetRequiredService<AdmissionGate>().Open);
    }

    private async Task<(Tenant Tenant, HttpClient Api, string Pool, HttpClient Platform)> TenantWithQuotaAsync(
        string cpu
    )
    {
        var admin = await Arrange.AdminAsync();
        var platform = await Arrange.UserApiClientAsync(admin);
        var pool = await PoolAsync(admin);
        var tenant = await Arrange.TenantAsync();
        await GrantAsync(platform, pool, tenant, cpu);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));
        return (tenant, api, pool, platform);
    }

    private async Task<string> PoolAsync(BrowserSession admin)
    {
        var pool = Arrange.Unique("pool");
        await SandboxWorld.EventuallyAsync(() => Arrange.QueryAsync(db => db.Hosts.AnyAsync()), "the sandbox's hosts");
        // Three nodes of 4 CPU and 16 GiB, promised twice over: room for every grant these scenarios make.
        var created = await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = Portal.Web.Clusters.EmbeddedSandboxOptions.ClusterName,
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "2",
                ["Form.MemoryOvercommit"] = "2",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        return pool;
    }

    private static async Task GrantAsync(HttpClient platform, string pool, Tenant tenant, string cpu)
    {
        var granted = await platform.PutAsJsonAsync($"/api/v1/pools/{pool}/quotas/{tenant.Slug}", Grant(cpu));
        Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
    }

    private static object Grant(string cpu) =>
        new
        {
            cpuRequests = cpu,
            cpuLimits = cpu,
            memoryRequests = "8Gi",
            memoryLimits = "8Gi",
            storage = "100Gi",
            pods = "50",
            middlewareInstances = "4",
        };

    private static object Environment(string name, string pool, string cpu) =>
        new
        {
            name,
            pool,
            share = Share(cpu),
        };

    private static object Share(string cpu, string? cpuLimits = null) =>
        new
        {
            cpuRequests = cpu,
            cpuLimits = cpuLimits ?? cpu,
            memoryRequests = "1Gi",
            memoryLimits = "1Gi",
            storage = "5Gi",
            pods = "10",
        };

    private Task<List<ResourceAmounts>> SharesAsync(Tenant tenant) =>
        Arrange.QueryAsync(db =>
            db.Environments.IgnoreQueryFilters().Where(e => e.TenantId == tenant.Id).Select(e => e.Share).ToListAsync()
        );
}

[Trait("Database", "Sqlite")]
public sealed class QuotaAdmissionOnSqlite(SandboxPortal portal)
    : QuotaAdmissionScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class QuotaAdmissionOnPostgres(PostgresSandboxPortal portal)
    : QuotaAdmissionScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;

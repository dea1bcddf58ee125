using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests;

/// <summary>Resource pools and tenant quotas, on each database provider.</summary>
public abstract class PoolScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task A_pool_of_labelled_nodes_has_their_capacity_and_grants_quota_within_it()
    {
        var cluster = await SeedClusterAsync();
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");

        var created = await admin.PostFormAsync("/admin/pools", new()
        {
            ["Form.Name"] = pool, ["Form.Cluster"] = cluster, ["Form.NodeSelector"] = "zone=a", ["Form.Region"] = "bj",
            ["Form.CpuOvercommit"] = "1", ["Form.MemoryOvercommit"] = "1",
        });
        var granted = await admin.PostFormAsync($"/admin/pools/{pool}/quotas", Grant(tenant.Slug, cpu: "6", cpuLimits: "8"));
        var detail = await (await admin.GetAsync($"/admin/pools/{pool}")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        Assert.Contains("2 node(s) matching zone=a", detail);
        Assert.Contains("<td>8</td>", detail);
        Assert.True(await Arrange.QueryAsync(db => db.AuditEvents.AnyAsync(a => a.Action == "quota.granted" && a.TenantId == tenant.Id)));
        var tenantAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var quotas = await (await tenantAdmin.GetAsync($"/t/{tenant.Slug}/quotas")).Content.ReadAsStringAsync();
        Assert.Contains("6 / 8", quotas);
    }

    [SkippableFact]
    public async Task A_grant_beyond_the_pool_is_refused_with_the_numbers_and_writes_nothing()
    {
        var cluster = await SeedClusterAsync();
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        await admin.PostFormAsync("/admin/pools", new()
        {
            ["Form.Name"] = pool, ["Form.Cluster"] = cluster, ["Form.NodeSelector"] = "zone=a", ["Form.Region"] = "bj",
            ["Form.CpuOvercommit"] = "1.5", ["Form.MemoryOvercommit"] = "1",
        });

        var refused = await admin.PostFormAsync($"/admin/pools/{pool}/quotas", Grant(tenant.Slug, cpu: "13", cpuLimits: "13"));
        var unreadable = await admin.PostFormAsync($"/admin/pools/{pool}/quotas", Grant(tenant.Slug, cpu: "lots", cpuLimits: "13"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("needs 13 CPU requests, 12 left of 12", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()));
        Assert.Contains("'lots' is not an amount", WebUtility.HtmlDecode(await unreadable.Content.ReadAsStringAsync()));
        Assert.Equal(0, await Arrange.QueryAsync(db => db.TenantQuotas.IgnoreQueryFilters().CountAsync(q => q.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task A_tenant_reads_its_quotas_through_the_api_but_cannot_grant_itself_more()
    {
        var cluster = await SeedClusterAsync();
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        await admin.PostFormAsync("/admin/pools", new()
        {
            ["Form.Name"] = pool, ["Form.Cluster"] = cluster, ["Form.Region"] = "bj", ["Form.CpuOvercommit"] = "1", ["Form.MemoryOvercommit"] = "1",
        });
        await admin.PostFormAsync($"/admin/pools/{pool}/quotas", Grant(tenant.Slug, cpu: "2", cpuLimits: "4"));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));

        var quotas = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/quotas");
        var selfGrant = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/quotas/{tenant.Slug}", new { cpuRequests = "64", cpuLimits = "64" });

        var quota = Assert.Single(quotas.EnumerateArray());
        Assert.Equal(2000, quota.GetProperty("granted").GetProperty("cpuRequestMillis").GetInt64());
        Assert.Equal(HttpStatusCode.Forbidden, selfGrant.StatusCode);
    }

    [SkippableFact]
    public async Task Overcommit_can_be_raised_but_not_lowered_below_what_tenants_were_granted()
    {
        var cluster = await SeedClusterAsync();
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        await admin.PostFormAsync("/admin/pools", new()
        {
            ["Form.Name"] = pool, ["Form.Cluster"] = cluster, ["Form.NodeSelector"] = "zone=a", ["Form.Region"] = "bj",
            ["Form.CpuOvercommit"] = "1", ["Form.MemoryOvercommit"] = "1",
        });
        var api = await Arrange.UserApiClientAsync(admin);

        var raised = await admin.PostFormAsync($"/admin/pools/{pool}/overcommit", new() { ["CpuOvercommit"] = "2", ["MemoryOvercommit"] = "1" });
        var granted = await admin.PostFormAsync($"/admin/pools/{pool}/quotas", Grant(tenant.Slug, cpu: "12", cpuLimits: "12"));
        var lowered = await admin.PostFormAsync($"/admin/pools/{pool}/overcommit", new() { ["CpuOvercommit"] = "1", ["MemoryOvercommit"] = "1" });
        var loweredByApi = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/overcommit", new { cpu = 1.25m, memory = 1m });
        var unreadable = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/overcommit", new { cpu = 0.5m, memory = 1m });

        Assert.Equal(HttpStatusCode.Redirect, raised.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, lowered.StatusCode);
        Assert.Contains("CPU requests: 12 granted, 8 grantable", WebUtility.HtmlDecode(await lowered.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Conflict, loweredByApi.StatusCode);
        Assert.Contains("12 granted, 10 grantable", await loweredByApi.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
        var stored = await Arrange.QueryAsync(db => db.ResourcePools.SingleAsync(p => p.Name == pool));
        Assert.Equal(2m, stored.CpuOvercommit);
        var audits = await Arrange.QueryAsync(db => db.AuditEvents.Where(a => a.Action == "pool.overcommit-changed" && a.TargetId == pool)
            .Select(a => a.Outcome).ToListAsync());
        Assert.Equal(1, audits.Count(o => o == Domain.Audit.AuditOutcome.Succeeded));
        Assert.Equal(3, audits.Count(o => o == Domain.Audit.AuditOutcome.Denied));
    }

    [SkippableFact]
    public async Task An_admin_points_a_pool_at_a_prometheus_through_the_api_and_the_pool_shows_it()
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        var api = await Arrange.UserApiClientAsync(admin);

        var changed = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/metrics-source", new { prometheusUrl = "http://prometheus.monitoring:9090/" });
        var read = await api.GetFromJsonAsync<JsonElement>($"/api/v1/pools/{pool}");
        var page = WebUtility.HtmlDecode(await (await admin.GetAsync($"/admin/pools/{pool}")).Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("http://prometheus.monitoring:9090", (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prometheusUrl").GetString());
        Assert.Equal("http://prometheus.monitoring:9090", read.GetProperty("prometheusUrl").GetString());
        Assert.Contains("""usage from <span id="metrics-source">http://prometheus.monitoring:9090</span>""", page);
        var audit = await Arrange.QueryAsync(db => db.AuditEvents.SingleAsync(a => a.Action == "pool.metrics-source-changed" && a.TargetId == pool));
        Assert.Equal(Domain.Audit.AuditOutcome.Succeeded, audit.Outcome);
        Assert.Equal("metrics.k8s.io → http://prometheus.monitoring:9090", audit.Summary);
    }

    [SkippableFact]
    public async Task A_prometheus_address_that_is_not_one_is_refused_on_its_field_and_changes_nothing()
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        var api = await Arrange.UserApiClientAsync(admin);
        await api.PutAsJsonAsync($"/api/v1/pools/{pool}/metrics-source", new { prometheusUrl = "http://prometheus:9090" });

        var refused = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/metrics-source", new { prometheusUrl = "http://admin:secret@prometheus:9090" });
        var refusedOnPage = await admin.PostFormAsync($"/admin/pools/{pool}/metrics-source", new() { ["PrometheusUrl"] = "ftp://prometheus:9090" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("/problems/validation", problem.GetProperty("type").GetString());
        Assert.Contains("http or https", problem.GetProperty("errors").GetProperty("prometheusUrl")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, refusedOnPage.StatusCode);
        var page = WebUtility.HtmlDecode(await refusedOnPage.Content.ReadAsStringAsync());
        Assert.Contains("without credentials or query", page);
        Assert.Contains("""usage from <span id="metrics-source">http://prometheus:9090</span>""", page);
        Assert.Equal("http://prometheus:9090", await Arrange.QueryAsync(db => db.ResourcePools.Where(p => p.Name == pool).Select(p => p.PrometheusUrl).SingleAsync()));
        Assert.Equal(2, await Arrange.QueryAsync(db => db.AuditEvents.CountAsync(a => a.Action == "pool.metrics-source-changed" && a.TargetId == pool
            && a.Outcome == Domain.Audit.AuditOutcome.Denied)));
    }

    [SkippableTheory]
    [InlineData("http://169.254.169.254/latest/meta-data", "the cloud metadata address")]
    [InlineData("http://127.0.0.1:9090", "a loopback address")]
    [InlineData("http://localhost:9090", "a loopback address")]
    [InlineData("http://10.0.0.5:9090", "a private address")]
    public async Task A_prometheus_address_in_the_portals_own_network_is_refused_unless_operators_allowed_it(string url, string kind)
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        var api = await Arrange.UserApiClientAsync(admin);

        var refused = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/metrics-source", new { prometheusUrl = url });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var message = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("prometheusUrl")[0].GetString();
        Assert.Contains(kind, message);
        Assert.Contains("Portal:Monitoring:Prometheus:AllowedTargets", message);
        Assert.Equal("", await Arrange.QueryAsync(db => db.ResourcePools.Where(p => p.Name == pool).Select(p => p.PrometheusUrl).SingleAsync()));
        Assert.Equal(Domain.Audit.AuditOutcome.Denied, await Arrange.QueryAsync(db => db.AuditEvents
            .Where(a => a.Action == "pool.metrics-source-changed" && a.TargetId == pool).Select(a => a.Outcome).SingleAsync()));
    }

    [SkippableFact]
    public async Task Clearing_the_prometheus_address_on_the_pool_page_goes_back_to_metrics_k8s_io()
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        await admin.PostFormAsync($"/admin/pools/{pool}/metrics-source", new() { ["PrometheusUrl"] = "http://prometheus:9090" });

        var cleared = await admin.PostFormAsync($"/admin/pools/{pool}/metrics-source", new() { ["PrometheusUrl"] = "" });
        var page = await (await admin.GetAsync($"/admin/pools/{pool}")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, cleared.StatusCode);
        Assert.Contains("""usage from <span id="metrics-source">metrics.k8s.io</span>""", page);
        Assert.Equal("", await Arrange.QueryAsync(db => db.ResourcePools.Where(p => p.Name == pool).Select(p => p.PrometheusUrl).SingleAsync()));
    }

    private static async Task<string> PoolAsync(BrowserSession admin, string cluster)
    {
        var pool = Arrange.Unique("pool");
        var created = await admin.PostFormAsync("/admin/pools", new()
        {
            ["Form.Name"] = pool, ["Form.Cluster"] = cluster, ["Form.Region"] = "bj", ["Form.CpuOvercommit"] = "1", ["Form.MemoryOvercommit"] = "1",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        return pool;
    }

    private static Dictionary<string, string> Grant(string tenant, string cpu, string cpuLimits) => new()
    {
        ["Form.Tenant"] = tenant, ["Form.CpuRequests"] = cpu, ["Form.CpuLimits"] = cpuLimits, ["Form.MemoryRequests"] = "8Gi",
        ["Form.MemoryLimits"] = "8Gi", ["Form.Storage"] = "100Gi", ["Form.Pods"] = "50", ["Form.MiddlewareInstances"] = "2",
    };

    /// <summary>A cluster with four 4-CPU hosts, two of them labelled zone=a.</summary>
    private Task<string> SeedClusterAsync() => Arrange.ClusterWithHostsAsync();
}

[Trait("Database", "Sqlite")]
public sealed class PoolsOnSqlite(SqlitePortal portal) : PoolScenarios(portal), IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class PoolsOnPostgres(PostgresPortal portal) : PoolScenarios(portal), IClassFixture<PostgresPortal>;

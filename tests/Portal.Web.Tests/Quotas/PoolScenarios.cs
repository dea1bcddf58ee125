using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Quotas;

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

        var created = await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = cluster,
                ["Form.NodeSelector"] = "zone=a",
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        var granted = await admin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            Grant(tenant.Slug, cpu: "6", cpuLimits: "8")
        );
        var detail = await (await admin.GetAsync($"/admin/pools/{pool}")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        Assert.Contains("2 node(s) matching zone=a", detail);
        Assert.Contains("<td>8</td>", detail);
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.AuditEvents.AnyAsync(a => a.Action == "quota.granted" && a.TenantId == tenant.Id)
            )
        );
        var tenantAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var quotas = await (await tenantAdmin.GetAsync($"/t/{tenant.Slug}/quotas")).Content.ReadAsStringAsync();
        Assert.Contains("6 / 8", quotas);
    }

    [SkippableFact]
    public async Task A_pools_usage_is_not_measured_until_its_hosts_are_sampled_never_zero()
    {
        var cluster = await SeedClusterAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = cluster,
                ["Form.NodeSelector"] = "zone=a",
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        var api = await Arrange.UserApiClientAsync(admin);

        var unsampled = await api.GetFromJsonAsync<JsonElement>($"/api/v1/pools/{pool}");
        var list = await (await admin.GetAsync("/admin/pools")).Content.ReadAsStringAsync();
        var dashboard = await (await admin.GetAsync("/admin/monitoring")).Content.ReadAsStringAsync();
        await Arrange.QueryAsync(async db =>
        {
            var node = await db.Hosts.SingleAsync(h =>
                h.Name == "node-0" && db.Clusters.Any(c => c.Id == h.ClusterId && c.Name == cluster)
            );
            node.ObserveUsage(1500, 2L << 30);
            return await db.SaveChangesAsync();
        });
        var sampled = await api.GetFromJsonAsync<JsonElement>($"/api/v1/pools/{pool}");

        Assert.Equal(JsonValueKind.Null, unsampled.GetProperty("cpuUsedMillis").ValueKind);
        Assert.Equal(JsonValueKind.Null, unsampled.GetProperty("memoryUsedBytes").ValueKind);
        Assert.Contains("used now not measured yet", list);
        Assert.DoesNotContain("used now 0", list);
        Assert.Contains("not measured yet", dashboard);
        Assert.Equal(1500, sampled.GetProperty("cpuUsedMillis").GetInt64());
        Assert.Equal(2L << 30, sampled.GetProperty("memoryUsedBytes").GetInt64());
    }

    [SkippableFact]
    public async Task A_grant_beyond_the_pool_is_refused_with_the_numbers_and_writes_nothing()
    {
        var cluster = await SeedClusterAsync();
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = cluster,
                ["Form.NodeSelector"] = "zone=a",
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1.5",
                ["Form.MemoryOvercommit"] = "1",
            }
        );

        var refused = await admin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            Grant(tenant.Slug, cpu: "13", cpuLimits: "13")
        );
        var unreadable = await admin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            Grant(tenant.Slug, cpu: "lots", cpuLimits: "13")
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(
            "needs 13 CPU requests, 12 left of 12",
            WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync())
        );
        Assert.Contains("'lots' is not an amount", WebUtility.HtmlDecode(await unreadable.Content.ReadAsStringAsync()));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.TenantQuotas.IgnoreQueryFilters().CountAsync(q => q.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task A_tenant_reads_its_quotas_through_the_api_but_cannot_grant_itself_more()
    {
        var cluster = await SeedClusterAsync();
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = cluster,
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        await admin.PostFormAsync($"/admin/pools/{pool}/quotas", Grant(tenant.Slug, cpu: "2", cpuLimits: "4"));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));

        var quotas = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/quotas");
        var selfGrant = await api.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/quotas/{tenant.Slug}",
            new { cpuRequests = "64", cpuLimits = "64" }
        );

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
        await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = cluster,
                ["Form.NodeSelector"] = "zone=a",
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        var api = await Arrange.UserApiClientAsync(admin);

        var raised = await admin.PostFormAsync(
            $"/admin/pools/{pool}/overcommit",
            new() { ["CpuOvercommit"] = "2", ["MemoryOvercommit"] = "1" }
        );
        var granted = await admin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            Grant(tenant.Slug, cpu: "12", cpuLimits: "12")
        );
        var lowered = await admin.PostFormAsync(
            $"/admin/pools/{pool}/overcommit",
            new() { ["CpuOvercommit"] = "1", ["MemoryOvercommit"] = "1" }
        );
        var loweredByApi = await api.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/overcommit",
            new { cpu = 1.25m, memory = 1m }
        );
        var unreadable = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/overcommit", new { cpu = 0.5m, memory = 1m });

        Assert.Equal(HttpStatusCode.Redirect, raised.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, lowered.StatusCode);
        Assert.Contains(
            "CPU requests: 12 granted, 8 grantable",
            WebUtility.HtmlDecode(await lowered.Content.ReadAsStringAsync())
        );
        Assert.Equal(HttpStatusCode.Conflict, loweredByApi.StatusCode);
        Assert.Contains("12 granted, 10 grantable", await loweredByApi.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
        var stored = await Arrange.QueryAsync(db => db.ResourcePools.SingleAsync(p => p.Name == pool));
        Assert.Equal(2m, stored.CpuOvercommit);
        var audits = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.Action == "pool.overcommit-changed" && a.TargetId == pool)
                .Select(a => a.Outcome)
                .ToListAsync()
        );
        Assert.Equal(1, audits.Count(o => o == Domain.Audit.AuditOutcome.Succeeded));
        Assert.Equal(3, audits.Count(o => o == Domain.Audit.AuditOutcome.Denied));
    }

    [SkippableFact]
    public async Task An_admin_points_a_pool_at_a_prometheus_through_the_api_and_the_pool_shows_it()
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        var api = await Arrange.UserApiClientAsync(admin);

        var changed = await api.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/metrics-source",
            new { prometheusUrl = "http://prometheus.monitoring:9090/" }
        );
        var read = await api.GetFromJsonAsync<JsonElement>($"/api/v1/pools/{pool}");
        var page = WebUtility.HtmlDecode(
            await (await admin.GetAsync($"/admin/pools/{pool}")).Content.ReadAsStringAsync()
        );

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(
            "http://prometheus.monitoring:9090",
            (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prometheusUrl").GetString()
        );
        Assert.Equal("http://prometheus.monitoring:9090", read.GetProperty("prometheusUrl").GetString());
        Assert.Contains("""usage from <span id="metrics-source">http://prometheus.monitoring:9090</span>""", page);
        var audit = await Arrange.QueryAsync(db =>
            db.AuditEvents.SingleAsync(a => a.Action == "pool.metrics-source-changed" && a.TargetId == pool)
        );
        Assert.Equal(Domain.Audit.AuditOutcome.Succeeded, audit.Outcome);
        Assert.Equal("metrics.k8s.io → http://prometheus.monitoring:9090", audit.Summary);
    }

    [SkippableFact]
    public async Task A_prometheus_address_that_is_not_one_is_refused_on_its_field_and_changes_nothing()
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        var api = await Arrange.UserApiClientAsync(admin);
        await api.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/metrics-source",
            new { prometheusUrl = "http://prometheus:9090" }
        );

        var refused = await api.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/metrics-source",
            new { prometheusUrl = "http://admin:secret@prometheus:9090" }
        );
        var refusedOnPage = await admin.PostFormAsync(
            $"/admin/pools/{pool}/metrics-source",
            new() { ["PrometheusUrl"] = "ftp://prometheus:9090" }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("/problems/validation", problem.GetProperty("type").GetString());
        Assert.Contains("http or https", problem.GetProperty("errors").GetProperty("prometheusUrl")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, refusedOnPage.StatusCode);
        var page = WebUtility.HtmlDecode(await refusedOnPage.Content.ReadAsStringAsync());
        Assert.Contains("without credentials or query", page);
        Assert.Contains("""usage from <span id="metrics-source">http://prometheus:9090</span>""", page);
        Assert.Equal(
            "http://prometheus:9090",
            await Arrange.QueryAsync(db =>
                db.ResourcePools.Where(p => p.Name == pool).Select(p => p.PrometheusUrl).SingleAsync()
            )
        );
        Assert.Equal(
            2,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a =>
                    a.Action == "pool.metrics-source-changed"
                    && a.TargetId == pool
                    && a.Outcome == Domain.Audit.AuditOutcome.Denied
                )
            )
        );
    }

    [SkippableTheory]
    [InlineData("http://169.254.169.254/latest/meta-data", "the cloud metadata address")]
    [InlineData("http://127.0.0.1:9090", "a loopback address")]
    [InlineData("http://localhost:9090", "a loopback address")]
    [InlineData("http://10.0.0.5:9090", "a private address")]
    public async Task A_prometheus_address_in_the_portals_own_network_is_refused_unless_operators_allowed_it(
        string url,
        string kind
    )
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        var api = await Arrange.UserApiClientAsync(admin);

        var refused = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/metrics-source", new { prometheusUrl = url });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var message = (await refused.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("errors")
            .GetProperty("prometheusUrl")[0]
            .GetString();
        Assert.Contains(kind, message);
        Assert.Contains("Portal:Monitoring:Prometheus:AllowedTargets", message);
        Assert.Equal(
            "",
            await Arrange.QueryAsync(db =>
                db.ResourcePools.Where(p => p.Name == pool).Select(p => p.PrometheusUrl).SingleAsync()
            )
        );
        Assert.Equal(
            Domain.Audit.AuditOutcome.Denied,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.Where(a => a.Action == "pool.metrics-source-changed" && a.TargetId == pool)
                    .Select(a => a.Outcome)
                    .SingleAsync()
            )
        );
    }

    [SkippableFact]
    public async Task Clearing_the_prometheus_address_on_the_pool_page_goes_back_to_metrics_k8s_io()
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        await admin.PostFormAsync(
            $"/admin/pools/{pool}/metrics-source",
            new() { ["PrometheusUrl"] = "http://prometheus:9090" }
        );

        var cleared = await admin.PostFormAsync(
            $"/admin/pools/{pool}/metrics-source",
            new() { ["PrometheusUrl"] = "" }
        );
        var page = await (await admin.GetAsync($"/admin/pools/{pool}")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, cleared.StatusCode);
        Assert.Contains("""usage from <span id="metrics-source">metrics.k8s.io</span>""", page);
        Assert.Equal(
            "",
            await Arrange.QueryAsync(db =>
                db.ResourcePools.Where(p => p.Name == pool).Select(p => p.PrometheusUrl).SingleAsync()
            )
        );
    }

    [SkippableFact]
    public async Task A_dedicated_pools_nodes_count_in_no_other_pool_of_the_cluster_and_shared_nodes_are_named()
    {
        var cluster = await SeedClusterAsync();
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var everything = await PoolAsync(admin, cluster);
        var zoneA = Arrange.Unique("za");
        var zoneB = Arrange.Unique("zb");

        var dedicated = await api.PostAsJsonAsync(
            "/api/v1/pools",
            new
            {
                name = zoneA,
                cluster,
                nodeSelector = "zone=a",
                region = "bj",
                dedicated = true,
            }
        );
        var shared = await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = zoneB,
                ["Form.Cluster"] = cluster,
                ["Form.NodeSelector"] = "zone=b",
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        var all = await api.GetFromJsonAsync<JsonElement>($"/api/v1/pools/{everything}");
        var a = await api.GetFromJsonAsync<JsonElement>($"/api/v1/pools/{zoneA}");
        var page = WebUtility.HtmlDecode(
            await (await admin.GetAsync($"/admin/pools/{zoneA}")).Content.ReadAsStringAsync()
        );

        Assert.Equal(HttpStatusCode.Created, dedicated.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, shared.StatusCode);
        Assert.Equal(2, all.GetProperty("nodes").GetInt32());
        Assert.Equal(8000, all.GetProperty("capacity").GetProperty("cpuRequestMillis").GetInt64());
        Assert.Equal([zoneB], all.GetProperty("sharesNodesWith").EnumerateArray().Select(e => e.GetString()));
        Assert.True(a.GetProperty("dedicated").GetBoolean());
        Assert.Equal(2, a.GetProperty("nodes").GetInt32());
        Assert.Equal($"portal/pool={zoneA}:NoSchedule", a.GetProperty("taint").GetString());
        Assert.Equal(2, a.GetProperty("nodesOutOfStep").GetInt32());
        Assert.Empty(a.GetProperty("sharesNodesWith").EnumerateArray());
        Assert.Contains("2 of its 2 node(s) do not carry the taint yet", page);
    }

    [SkippableFact]
    public async Task Dedicating_nodes_that_another_pools_grants_rely_on_is_refused_with_the_numbers()
    {
        var cluster = await SeedClusterAsync();
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var everything = await PoolAsync(admin, cluster);
        await admin.PostFormAsync($"/admin/pools/{everything}/quotas", Grant(tenant.Slug, cpu: "12", cpuLimits: "12"));
        var zoneA = Arrange.Unique("za");
        await api.PostAsJsonAsync(
            "/api/v1/pools",
            new
            {
                name = zoneA,
                cluster,
                nodeSelector = "zone=a",
                region = "bj",
            }
        );

        var refusedAtCreation = await api.PostAsJsonAsync(
            "/api/v1/pools",
            new
            {
                name = Arrange.Unique("zb"),
                cluster,
                nodeSelector = "zone=b",
                region = "bj",
                dedicated = true,
            }
        );
        var refusedLater = await api.PutAsJsonAsync($"/api/v1/pools/{zoneA}/dedicated", new { dedicated = true });
        await admin.PostFormAsync($"/admin/pools/{everything}/quotas", Grant(tenant.Slug, cpu: "8", cpuLimits: "8"));
        var accepted = await api.PutAsJsonAsync($"/api/v1/pools/{zoneA}/dedicated", new { dedicated = true });

        Assert.Equal(HttpStatusCode.Conflict, refusedAtCreation.StatusCode);
        Assert.Contains(
            $"would leave pool '{everything}' unable to keep what its tenants were "
                + "granted: CPU requests: 12 granted, 8 grantable",
            await refusedAtCreation.Content.ReadAsStringAsync()
        );
        Assert.Equal(HttpStatusCode.Conflict, refusedLater.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(
            2,
            await Arrange.QueryAsync(db =>
                db.ResourcePools.CountAsync(p => p.ClusterId == db.Clusters.Single(c => c.Name == cluster).Id)
            )
        );
        Assert.Equal(
            8000,
            (await api.GetFromJsonAsync<JsonElement>($"/api/v1/pools/{everything}"))
                .GetProperty("capacity")
                .GetProperty("cpuRequestMillis")
                .GetInt64()
        );
    }

    [SkippableFact]
    public async Task Two_dedicated_pools_that_could_select_one_node_are_refused_and_nothing_changes()
    {
        var cluster = await SeedClusterAsync();
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var zoneA = Arrange.Unique("za");
        await api.PostAsJsonAsync(
            "/api/v1/pools",
            new
            {
                name = zoneA,
                cluster,
                nodeSelector = "zone=a",
                region = "bj",
                dedicated = true,
            }
        );
        var everything = await PoolAsync(admin, cluster);

        var refusedAtCreation = await api.PostAsJsonAsync(
            "/api/v1/pools",
            new
            {
                name = Arrange.Unique("all"),
                cluster,
                region = "bj",
                dedicated = true,
            }
        );
        var refusedLater = await api.PutAsJsonAsync($"/api/v1/pools/{everything}/dedicated", new { dedicated = true });
        var refusedOnPage = await admin.PostFormAsync(
            $"/admin/pools/{everything}/dedication",
            new() { ["dedicated"] = "true" }
        );

        Assert.Equal(HttpStatusCode.Conflict, refusedAtCreation.StatusCode);
        Assert.Contains(
            $"dedicated pool(s) '{zoneA}' could select the same nodes",
            await refusedAtCreation.Content.ReadAsStringAsync()
        );
        Assert.Equal(HttpStatusCode.Conflict, refusedLater.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refusedOnPage.StatusCode);
        Assert.Contains(
            "could select the same nodes",
            WebUtility.HtmlDecode(await refusedOnPage.Content.ReadAsStringAsync())
        );
        Assert.False(
            await Arrange.QueryAsync(db =>
                db.ResourcePools.Where(p => p.Name == everything).Select(p => p.Dedicated).SingleAsync()
            )
        );
        Assert.Equal(
            2,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(e =>
                    e.Action == "pool.dedicated"
                    && e.TargetId == everything
                    && e.Outcome == Domain.Audit.AuditOutcome.Denied
                )
            )
        );
    }

    [SkippableFact]
    public async Task Dedicating_a_pool_and_tainting_its_nodes_are_audited_and_the_taint_runs_as_a_job()
    {
        var cluster = await SeedClusterAsync();
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var pool = Arrange.Unique("za");
        await api.PostAsJsonAsync(
            "/api/v1/pools",
            new
            {
                name = pool,
                cluster,
                nodeSelector = "zone=a",
                region = "bj",
            }
        );

        var dedicated = await api.PutAsJsonAsync($"/api/v1/pools/{pool}/dedicated", new { dedicated = true });
        var tainted = await api.PostAsync($"/api/v1/pools/{pool}/taint", null);

        Assert.Equal(HttpStatusCode.OK, dedicated.StatusCode);
        Assert.True((await dedicated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dedicated").GetBoolean());
        Assert.Equal(HttpStatusCode.Accepted, tainted.StatusCode);
        Assert.False(
            string.IsNullOrEmpty(
                (await tainted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job").GetString()
            )
        );
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(e =>
                    e.Action == "pool.dedicated"
                    && e.TargetId == pool
                    && e.Outcome == Domain.Audit.AuditOutcome.Succeeded
                )
            )
        );
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(e => e.Action == "pool.taint-requested" && e.TargetId == pool)
            )
        );
    }

    [SkippableFact]
    public async Task An_admin_lists_the_domains_a_pool_publishes_hosts_under_and_a_domain_that_is_not_one_is_refused_on_its_field()
    {
        var admin = await Arrange.AdminAsync();
        var pool = await PoolAsync(admin, await SeedClusterAsync());
        var api = await Arrange.UserApiClientAsync(admin);

        var changed = await api.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/ingress",
            new { domains = new[] { "Apps.Example.com", "*.example.org" }, wildcardHosts = true }
        );
        var refused = await api.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/ingress",
            new { domains = new[] { "apps_example.com" } }
        );
        var refusedOnPage = await admin.PostFormAsync(
            $"/admin/pools/{pool}/ingress",
            new() { ["IngressDomains"] = "10.0.0.1, example.net" }
        );
        var read = await api.GetFromJsonAsync<JsonElement>($"/api/v1/pools/{pool}");

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(
            ["apps.example.com", "example.org"],
            read.GetProperty("ingressDomains").EnumerateArray().Select(d => d.GetString())
        );
        Assert.True(read.GetProperty("wildcardHosts").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(
            "'apps_example.com' is not a domain",
            (await refused.Content.ReadFromJsonAsync<JsonElement>())
                .GetProperty("errors")
                .GetProperty("domains")[0]
                .GetString()
        );
        Assert.Equal(HttpStatusCode.BadRequest, refusedOnPage.StatusCode);
        var page = WebUtility.HtmlDecode(await refusedOnPage.Content.ReadAsStringAsync());
        Assert.Matches("id=\"ingress-refusal\"[^>]*>'10.0.0.1' is not a domain", page);
        Assert.Contains("value=\"10.0.0.1, example.net\"", page);
        Assert.Equal(
            "apps.example.com, example.org",
            await Arrange.QueryAsync(db =>
                db.ResourcePools.Where(p => p.Name == pool).Select(p => p.IngressDomains).SingleAsync()
            )
        );
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(e =>
                    e.Action == "pool.ingress-changed"
                    && e.TargetId == pool
                    && e.Outcome == Domain.Audit.AuditOutcome.Succeeded
                )
            )
        );
    }

    private static async Task<string> PoolAsync(BrowserSession admin, string cluster)
    {
        var pool = Arrange.Unique("pool");
        var created = await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = cluster,
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        return pool;
    }

    private static Dictionary<string, string> Grant(string tenant, string cpu, string cpuLimits) =>
        new()
        {
            ["Form.Tenant"] = tenant,
            ["Form.CpuRequests"] = cpu,
            ["Form.CpuLimits"] = cpuLimits,
            ["Form.MemoryRequests"] = "8Gi",
            ["Form.MemoryLimits"] = "8Gi",
            ["Form.Storage"] = "100Gi",
            ["Form.Pods"] = "50",
            ["Form.MiddlewareInstances"] = "2",
        };

    /// <summary>A cluster with four 4-CPU hosts, two of them labelled zone=a.</summary>
    private Task<string> SeedClusterAsync() => Arrange.ClusterWithHostsAsync();
}

[Trait("Database", "Sqlite")]
public sealed class PoolsOnSqlite(SqlitePortal portal) : PoolScenarios(portal), IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class PoolsOnPostgres(PostgresPortal portal) : PoolScenarios(portal), IClassFixture<PostgresPortal>;

using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Clusters;

/// <summary>The clusters and hosts pages that do not need a live cluster, on each database provider.</summary>
public abstract class ClusterScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableTheory]
    [InlineData("bad name", "apiVersion: v1", "cluster name")]
    [InlineData("ok-name", "", "Paste a kubeconfig")]
    [InlineData("ok-name", "{{{ not yaml", "not a readable kubeconfig")]
    public async Task A_bad_registration_is_refused_next_to_the_field_and_keeps_nothing(
        string name,
        string kubeconfig,
        string message
    )
    {
        var admin = await Arrange.AdminAsync();
        var before = await Arrange.QueryAsync(db => db.Clusters.CountAsync());

        var response = await admin.PostFormAsync(
            "/admin/clusters",
            new() { ["Form.Name"] = name, ["Form.Kubeconfig"] = kubeconfig }
        );

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        Assert.Equal(before, await Arrange.QueryAsync(db => db.Clusters.CountAsync()));
    }

    [SkippableFact]
    public async Task The_hosts_list_filters_sorts_and_pages_on_the_server()
    {
        var cluster = await SeedClusterAsync(hosts: 7, notReady: 2);
        var admin = await Arrange.AdminAsync();

        var notReady = await (
            await admin.GetAsync($"/admin/clusters/{cluster}/hosts?state=NotReady")
        ).Content.ReadAsStringAsync();
        var byPods = await (
            await admin.GetAsync($"/admin/clusters/{cluster}/hosts?sort=Pods&desc=true&pageSize=3")
        ).Content.ReadAsStringAsync();

        Assert.Equal(2, Regex.Matches(notReady, "<tr data-host=").Count);
        Assert.Contains("2 in all", notReady);
        var order = Regex.Matches(byPods, "<tr data-host=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["node-06", "node-05", "node-04"], order);
        Assert.Contains("7 in all", byPods);
    }

    [SkippableFact]
    public async Task A_tenant_member_cannot_see_clusters_or_hosts()
    {
        var cluster = await SeedClusterAsync(hosts: 1, notReady: 0);
        var tenant = await Arrange.TenantAsync();
        var member = await Arrange.SignedInAsync(
            await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.TenantAdmin)
        );

        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/admin/clusters")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync($"/admin/clusters/{cluster}/hosts")).StatusCode);
    }

    [SkippableFact]
    public async Task Only_platform_admins_reach_the_jobs_dashboard()
    {
        var tenant = await Arrange.TenantAsync();
        var member = await Arrange.SignedInAsync(
            await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.TenantAdmin)
        );
        var admin = await Arrange.AdminAsync();

        var refused = await member.GetAsync("/admin/jobs");
        var shown = await admin.GetAsync("/admin/jobs");

        Assert.Contains(refused.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains("Developer center jobs", await shown.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_cluster_whose_watch_keeps_failing_shows_degraded_with_since_when_and_why()
    {
        var name = await SeedClusterAsync(hosts: 1, notReady: 0);
        var since = new DateTime(2026, 12, 6, 9, 30, 0, DateTimeKind.Utc);
        await Arrange.QueryAsync(async db =>
        {
            (await db.Clusters.SingleAsync(c => c.Name == name)).WatchFailed("pod watch: 401 Unauthorized", since);
            return await db.SaveChangesAsync();
        });
        var admin = await Arrange.AdminAsync();

        var list = Text(await (await admin.GetAsync("/admin/clusters")).Content.ReadAsStringAsync());
        var detail = Text(await (await admin.GetAsync($"/admin/clusters/{name}")).Content.ReadAsStringAsync());

        Assert.Contains("Degraded", list);
        Assert.Contains("watch failing since 2026-12-06 09:30:00 UTC: pod watch: 401 Unauthorized", list);
        Assert.Contains("has been failing since 2026-12-06 09:30:00 UTC", detail);
    }

    /// <summary>A page's text as a reader sees it: without tags, spaces folded.</summary>
    private static string Text(string html) =>
        Regex
            .Replace(WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", " ")), @"\s+", " ")
            .Replace(" :", ":", StringComparison.Ordinal);

    private async Task<string> SeedClusterAsync(int hosts, int notReady)
    {
        var name = Arrange.Unique("c");
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<KubeconfigVault>();
        var cluster = Cluster
            .Register(name, null, "http://127.0.0.1:1", vault.Protect("unused"), "v1.31.0", "test", DateTime.UtcNow)
            .Value;
        db.Clusters.Add(cluster);
        for (var i = 0; i < hosts; i++)
        {
            var host = new ClusterHost(cluster.Id, $"node-{i:00}");
            host.Observe(
                new NodeSnapshot(
                    host.Name,
                    "InternalIP=10.0.0." + i,
                    "worker",
                    "",
                    "",
                    "Ready=True||",
                    i >= notReady,
                    false,
                    "",
                    4000,
                    8L << 30,
                    110,
                    100L << 30,
                    4000,
                    8L << 30,
                    110,
                    DateTime.UtcNow
                ),
                DateTime.UtcNow
            );
            host.ObserveLoad(100 * i, 1L << 20, i);
            db.Hosts.Add(host);
        }
        await db.SaveChangesAsync();
        return name;
    }
}

[Trait("Database", "Sqlite")]
public sealed class ClustersOnSqlite(SqlitePortal portal) : ClusterScenarios(portal), IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class ClustersOnPostgres(PostgresPortal portal) : ClusterScenarios(portal), IClassFixture<PostgresPortal>;

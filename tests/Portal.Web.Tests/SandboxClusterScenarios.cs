using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests;

/// <summary>The embedded sandbox as a user meets it: registered at start, watched, and operated as a job.</summary>
public sealed class SandboxClusterScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);

    [Fact]
    public async Task The_embedded_sandbox_is_registered_at_start_and_its_hosts_are_watched()
    {
        var admin = await Arrange.AdminAsync();

        var hosts = await EventuallyAsync(async () =>
        {
            var page = await (await admin.GetAsync("/admin/clusters/sandbox/hosts")).Content.ReadAsStringAsync();
            return page.Contains("sandbox-node-03") ? page : null;
        }, "the sandbox's three hosts");
        var clusters = await (await admin.GetAsync("/admin/clusters")).Content.ReadAsStringAsync();

        Assert.Contains("Healthy", clusters);
        Assert.Contains("v1.32.0-sandbox", clusters);
        Assert.Contains("sandbox-node-01", hosts);
    }

    [Fact]
    public async Task Cordoning_a_host_runs_as_a_job_reaches_the_cluster_and_is_audited()
    {
        var admin = await Arrange.AdminAsync();
        await EventuallyAsync(() => Arrange.QueryAsync(db => db.Hosts.AnyAsync(h => h.Name == "sandbox-node-02").ContinueWith(t => t.Result ? "" : null)), "the host");

        var requested = await admin.PostFormAsync("/admin/clusters/sandbox/hosts/sandbox-node-02/cordon", new());

        Assert.Equal(HttpStatusCode.Redirect, requested.StatusCode);
        await EventuallyAsync(() => Arrange.QueryAsync(db => db.Hosts.AnyAsync(h => h.Name == "sandbox-node-02" && h.Unschedulable)
            .ContinueWith(t => t.Result ? "" : null)), "the host cordoned, as the watch saw it");
        var actions = await Arrange.QueryAsync(db => db.AuditEvents.Where(a => a.TargetId == "sandbox/sandbox-node-02")
            .Select(a => a.Action + ":" + a.Outcome).ToListAsync());
        Assert.Contains("host.cordon-requested:Succeeded", actions);
        Assert.Contains("host.cordoned:Succeeded", actions);

        await admin.PostFormAsync("/admin/clusters/sandbox/hosts/sandbox-node-02/uncordon", new());
        await EventuallyAsync(() => Arrange.QueryAsync(db => db.Hosts.AnyAsync(h => h.Name == "sandbox-node-02" && !h.Unschedulable)
            .ContinueWith(t => t.Result ? "" : null)), "the host uncordoned");
    }

    [Fact]
    public async Task Hosts_of_a_cluster_are_served_by_the_api_with_paging()
    {
        var admin = await Arrange.AdminAsync();
        await EventuallyAsync(() => Arrange.QueryAsync(db => db.Hosts.CountAsync().ContinueWith(t => t.Result >= 3 ? "" : null)), "three hosts");
        var api = await Arrange.UserApiClientAsync(admin);

        var page = await api.GetFromJsonAsync<JsonElement>("/api/v1/clusters/sandbox/hosts?pageSize=2&sort=Name");
        var cluster = await api.GetFromJsonAsync<JsonElement>("/api/v1/clusters/sandbox");

        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        Assert.Equal(3, cluster.GetProperty("nodes").GetInt32());
        Assert.DoesNotContain("kubeconfig", cluster.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Cordoning_through_the_api_is_accepted_as_a_job()
    {
        var admin = await Arrange.AdminAsync();
        await EventuallyAsync(() => Arrange.QueryAsync(db => db.Hosts.AnyAsync(h => h.Name == "sandbox-node-03").ContinueWith(t => t.Result ? "" : null)), "the host");
        var api = await Arrange.UserApiClientAsync(admin);

        var accepted = await api.PostAsync("/api/v1/clusters/sandbox/hosts/sandbox-node-03/cordon", null);
        var unknown = await api.PostAsync("/api/v1/clusters/sandbox/hosts/no-such-node/cordon", null);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await EventuallyAsync(() => Arrange.QueryAsync(db => db.Hosts.AnyAsync(h => h.Name == "sandbox-node-03" && h.Unschedulable)
            .ContinueWith(t => t.Result ? "" : null)), "the host cordoned");
        await api.PostAsync("/api/v1/clusters/sandbox/hosts/sandbox-node-03/uncordon", null);
    }

    private static async Task<string> EventuallyAsync(Func<Task<string?>> probe, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await probe() is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}

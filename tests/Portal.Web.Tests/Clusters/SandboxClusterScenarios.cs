using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Clusters;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Clusters;

/// <summary>The embedded sandbox as a user meets it: registered at start, watched, and operated as a job.</summary>
public sealed class SandboxClusterScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);

    [Fact]
    public async Task The_embedded_sandbox_is_registered_at_start_and_its_hosts_are_watched()
    {
        var admin = await Arrange.AdminAsync();

        var hosts = await EventuallyAsync(
            async () =>
            {
                var page = await (await admin.GetAsync("/admin/clusters/sandbox/hosts")).Content.ReadAsStringAsync();
                return page.Contains("sandbox-node-03") ? page : null;
            },
            "the sandbox's three hosts"
        );
        var clusters = await (await admin.GetAsync("/admin/clusters")).Content.ReadAsStringAsync();

        Assert.Contains("Healthy", clusters);
        Assert.Contains("v1.32.0-sandbox", clusters);
        Assert.Contains("sandbox-node-01", hosts);
    }

    [Fact]
    public async Task Cordoning_a_host_runs_as_a_job_reaches_the_cluster_and_is_audited()
    {
        var admin = await Arrange.AdminAsync();
        await EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Hosts.AnyAsync(h => h.Name == "sandbox-node-02").ContinueWith(t => t.Result ? "" : null)
                ),
            "the host"
        );

        var requested = await admin.PostFormAsync("/admin/clusters/sandbox/hosts/sandbox-node-02/cordon", new());

        Assert.Equal(HttpStatusCode.Redirect, requested.StatusCode);
        await EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Hosts.AnyAsync(h => h.Name == "sandbox-node-02" && h.Unschedulable)
                        .ContinueWith(t => t.Result ? "" : null)
                ),
            "the host cordoned, as the watch saw it"
        );
        // The watch may see the node cordoned before the job that cordoned it has written its audit entry.
        await EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.AuditEvents.AnyAsync(a => a.TargetId == "sandbox/sandbox-node-02" && a.Action == "host.cordoned")
                        .ContinueWith(t => t.Result ? "" : null)
                ),
            "the cordon audited"
        );
        var actions = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TargetId == "sandbox/sandbox-node-02")
                .Select(a => a.Action + ":" + a.Outcome)
                .ToListAsync()
        );
        Assert.Contains("host.cordon-requested:Succeeded", actions);
        Assert.Contains("host.cordoned:Succeeded", actions);

        await admin.PostFormAsync("/admin/clusters/sandbox/hosts/sandbox-node-02/uncordon", new());
        await EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Hosts.AnyAsync(h => h.Name == "sandbox-node-02" && !h.Unschedulable)
                        .ContinueWith(t => t.Result ? "" : null)
                ),
            "the host uncordoned"
        );
    }

    [Fact]
    public async Task Hosts_of_a_cluster_are_served_by_the_api_with_paging()
    {
        var admin = await Arrange.AdminAsync();
        await EventuallyAsync(
            () => Arrange.QueryAsync(db => db.Hosts.CountAsync().ContinueWith(t => t.Result >= 3 ? "" : null)),
            "three hosts"
        );
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
        await EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Hosts.AnyAsync(h => h.Name == "sandbox-node-03").ContinueWith(t => t.Result ? "" : null)
                ),
            "the host"
        );
        var api = await Arrange.UserApiClientAsync(admin);

        var accepted = await api.PostAsync("/api/v1/clusters/sandbox/hosts/sandbox-node-03/cordon", null);
        var unknown = await api.PostAsync("/api/v1/clusters/sandbox/hosts/no-such-node/cordon", null);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Hosts.AnyAsync(h => h.Name == "sandbox-node-03" && h.Unschedulable)
                        .ContinueWith(t => t.Result ? "" : null)
                ),
            "the host cordoned"
        );
        await api.PostAsync("/api/v1/clusters/sandbox/hosts/sandbox-node-03/uncordon", null);
    }

    [Fact]
    public async Task A_kubeconfig_that_turns_off_tls_verification_is_refused_unless_the_admin_accepts_an_unverified_connection()
    {
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var verified = portal.Factory.Services.GetRequiredService<EmbeddedSandbox>().Cluster!.Kubeconfig;
        var unverified = Regex.Replace(verified, "certificate-authority-data: .*", "insecure-skip-tls-verify: true");
        var name = Arrange.Unique("unverified");

        var refusedOnPage = await admin.PostFormAsync(
            "/admin/clusters",
            new() { ["Form.Name"] = name, ["Form.Kubeconfig"] = unverified }
        );
        var refusedByApi = await api.PostAsJsonAsync("/api/v1/clusters", new { name, kubeconfig = unverified });
        var accepted = await admin.PostFormAsync(
            "/admin/clusters",
            new()
            {
                ["Form.Name"] = name,
                ["Form.Kubeconfig"] = unverified,
                ["Form.AcceptUnverifiedTls"] = "true",
            }
        );
        var page = WebUtility.HtmlDecode(
            await (await admin.GetAsync($"/admin/clusters/{name}")).Content.ReadAsStringAsync()
        );
        var shown = await api.GetFromJsonAsync<JsonElement>($"/api/v1/clusters/{name}");
        var replaced = await api.PutAsJsonAsync($"/api/v1/clusters/{name}/kubeconfig", new { kubeconfig = verified });
        var afterReplace = await api.GetFromJsonAsync<JsonElement>($"/api/v1/clusters/{name}");
        await api.DeleteAsync($"/api/v1/clusters/{name}");

        Assert.Equal(HttpStatusCode.BadRequest, refusedOnPage.StatusCode);
        Assert.Contains(
            "insecure-skip-tls-verify",
            WebUtility.HtmlDecode(await refusedOnPage.Content.ReadAsStringAsync())
        );
        Assert.Equal(HttpStatusCode.BadRequest, refusedByApi.StatusCode);
        var problem = await refusedByApi.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(
            "I accept an unverified connection",
            problem.GetProperty("errors").GetProperty("acceptUnverifiedTls")[0].GetString()
        );
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Contains("does not verify the certificate of this cluster's API server", page);
        Assert.True(shown.GetProperty("tlsUnverified").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.False(afterReplace.GetProperty("tlsUnverified").GetBoolean());
        var audits = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TargetId == name).Select(a => a.Action).ToListAsync()
        );
        Assert.Single(audits, "cluster.unverified-tls-accepted");
        Assert.Contains("cluster.registered", audits);
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

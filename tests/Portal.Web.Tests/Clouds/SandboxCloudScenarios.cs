using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Clouds;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Clouds;

/// <summary>
/// The sandbox cloud as a platform admin meets it: its accounts listed with their secrets never shown, a pool's
/// template made from what the account offers, a host grown into the pool and decommissioned; and a tenant admin
/// refused all of it.
/// </summary>
public sealed class SandboxCloudScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private const string AccessKey = "sandbox-access-key";
    private const string Secret = "sandbox-secret-key";
    private const string Account = "sandbox-alibaba";

    private Arrange Arrange => new(portal.Factory);

    [Fact]
    public async Task Sandbox_accounts_are_listed_with_their_settings_and_never_a_secret()
    {
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        await SandboxAccountAsync();

        var list = await (await admin.GetAsync("/admin/clouds")).Content.ReadAsStringAsync();
        var detail = await (await admin.GetAsync($"/admin/clouds/{Account}")).Content.ReadAsStringAsync();
        var form = await (await admin.GetAsync("/admin/clouds?kind=Aws")).Content.ReadAsStringAsync();
        var listJson = await api.GetStringAsync("/api/v1/admin/clouds");
        var detailJson = await api.GetStringAsync($"/api/v1/admin/clouds/{Account}");

        Assert.Contains(Account, list);
        Assert.Contains("sandbox-aws", list);
        Assert.Contains("set ••••", WebUtility.HtmlDecode(detail));
        Assert.Contains("type=\"password\"", form);
        Assert.Contains("\"secretsSet\":[\"AccessKeyId\",\"AccessKeySecret\"]", detailJson.Replace(" ", ""));
        foreach (var text in new[] { list, detail, form, listJson, detailJson })
            Assert.DoesNotContain(Secret, text);
        // Alibaba's AccessKey ID is one of its secrets (vSphere's user name, the same sandbox key, is a setting).
        Assert.DoesNotContain(AccessKey, detail);
        Assert.DoesNotContain(AccessKey, detailJson);
    }

    [Fact]
    public async Task Wrong_credentials_are_refused_in_the_providers_words_and_nothing_is_saved()
    {
        var admin = await Arrange.AdminAsync();
        var endpoint = await EndpointAsync();
        var name = Arrange.Unique("ali");

        var refused = await admin.PostFormAsync(
            "/admin/clouds",
            new()
            {
                ["Kind"] = "Alibaba",
                ["Name"] = name,
                ["Regions"] = "sandbox-1",
                ["Endpoint"] = endpoint,
                ["Field.AccessKeyId"] = AccessKey,
                ["Field.AccessKeySecret"] = "a-wrong-secret-91d2",
            }
        );
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        var added = await admin.PostFormAsync(
            "/admin/clouds",
            new()
            {
                ["Kind"] = "Alibaba",
                ["Name"] = name,
                ["Regions"] = "sandbox-1",
                ["Endpoint"] = endpoint,
                ["Field.AccessKeyId"] = AccessKey,
                ["Field.AccessKeySecret"] = Secret,
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True(page.Contains("refused the credentials"), Refusals(page));
        Assert.DoesNotContain("a-wrong-secret-91d2", page);
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.Equal(1, await Arrange.QueryAsync(db => db.CloudAccounts.CountAsync(a => a.Name == name)));
        var detail = await (await admin.GetAsync($"/admin/clouds/{name}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(Secret, detail);
    }

    [Fact]
    public async Task A_template_from_the_catalog_grows_a_pool_by_a_host_that_becomes_ready_and_is_decommissioned()
    {
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        await SandboxAccountAsync();
        var pool = Arrange.Unique("pool");
        var createdPool = await admin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = "sandbox",
                ["Form.Region"] = "sandbox-1",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, createdPool.StatusCode);

        var catalog = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/admin/clouds/{Account}/catalog?region=sandbox-1"
        );
        var type = catalog.GetProperty("instanceTypes")[0];
        var form = await (
            await admin.GetAsync($"/admin/pools/{pool}/templates?account={Account}&region=sandbox-1")
        ).Content.ReadAsStringAsync();
        Assert.Contains(
            $"{type.GetProperty("name").GetString()} — {type.GetProperty("cpus").GetInt32()} vCPU",
            WebUtility.HtmlDecode(form)
        );
        string First(string list) =>
            catalog.GetProperty(list) is { ValueKind: JsonValueKind.Array } items && items.GetArrayLength() > 0
                ? items[0].ValueKind == JsonValueKind.Object
                    ? items[0].GetProperty(list == "images" ? "id" : "name").GetString()!
                    : items[0].GetString()!
                : "";
        var template = await admin.PostFormAsync(
            $"/admin/pools/{pool}/templates",
            new()
            {
                ["Form.Account"] = Account,
                ["Form.Region"] = "sandbox-1",
                ["Form.Name"] = "medium",
                ["Form.Zone"] = First("zones"),
                ["Form.InstanceType"] = First("instanceTypes"),
                ["Form.Image"] = First("images"),
                ["Form.SystemDiskGiB"] = "40",
                ["Form.Network"] = First("networks"),
                ["Form.Subnet"] = First("subnets"),
                ["Form.SecurityGroup"] = First("securityGroups"),
                ["Form.KeyPair"] = First("keyPairs"),
                ["Form.Labels"] = "disk=ssd",
            }
        );
        Assert.True(
            template.StatusCode == HttpStatusCode.Redirect,
            $"{(int)template.StatusCode}: {Refusals(await template.Content.ReadAsStringAsync())}"
        );

        var grown = await admin.PostFormAsync(
            $"/admin/pools/{pool}/cloud-hosts",
            new() { ["Grow.Template"] = "medium", ["Grow.Count"] = "1" }
        );
        Assert.Equal(HttpStatusCode.Redirect, grown.StatusCode);
        var host = await Arrange.QueryAsync(db =>
            db.CloudHosts.Where(h => h.TemplateName == "medium" && h.AccountName == Account)
                .Join(db.ResourcePools.Where(p => p.Name == pool), h => h.PoolId, p => p.Id, (h, _) => h.Id)
                .SingleAsync()
        );
        var ready = await UntilAsync(
            async () =>
            {
                var json = await api.GetFromJsonAsync<JsonElement>($"/api/v1/admin/cloud-hosts/{host}");
                var state = json.GetProperty("host").GetProperty("state").GetString();
                if (state == "Failed")
                    Assert.Fail($"Provisioning failed: {json}");
                return state == "Ready" ? json : (JsonElement?)null;
            },
            "the host Ready"
        );
        var hostPage = await (await admin.GetAsync($"/admin/cloud-hosts/{host}")).Content.ReadAsStringAsync();
        var poolPage = await (await admin.GetAsync($"/admin/pools/{pool}/templates")).Content.ReadAsStringAsync();
        var hostsJson = await api.GetStringAsync($"/api/v1/admin/pools/{pool}/hosts?page=1");

        var instanceId = ready.GetProperty("host").GetProperty("instanceId").GetString()!;
        Assert.Contains(instanceId, hostPage);
        Assert.Contains("Decommission", hostPage);
        Assert.Contains(instanceId, poolPage);
        Assert.Contains(instanceId, hostsJson);
        foreach (var text in new[] { hostPage, poolPage, hostsJson, ready.ToString() })
            Assert.DoesNotContain(Secret, text);

        var decommission = await api.PostAsync($"/api/v1/admin/cloud-hosts/{host}/decommission", null);
        Assert.Equal(HttpStatusCode.Accepted, decommission.StatusCode);
        await UntilAsync(
            () =>
                Arrange.QueryAsync(async db =>
                    (await db.CloudHosts.SingleAsync(h => h.Id == host)).State == CloudHostState.Decommissioned
                        ? true
                        : (bool?)null
                ),
            "the host decommissioned"
        );
    }

    [Fact]
    public async Task A_tenant_admin_is_refused_every_cloud_page_and_endpoint_and_sees_no_credentials()
    {
        await SandboxAccountAsync();
        var tenant = await Arrange.TenantAsync();
        var session = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));

        foreach (var url in new[] { "/admin/clouds", $"/admin/clouds/{Account}", "/admin/pools/p/templates" })
        {
            var response = await session.GetAsync(url);
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, url);
            Assert.DoesNotContain(Secret, await response.Content.ReadAsStringAsync());
        }
        foreach (var url in new[] { "/api/v1/admin/clouds", $"/api/v1/admin/clouds/{Account}/catalog" })
        {
            var response = await api.GetAsync(url);
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, url);
            Assert.DoesNotContain(Secret, await response.Content.ReadAsStringAsync());
        }
        var home = await (await session.GetAsync($"/t/{tenant.Slug}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("/admin/clouds", home);
    }

    /// <summary>The refusals a page shows, for a failure's message.</summary>
    private static string Refusals(string page) =>
        string.Join(
            " | ",
            System
                .Text.RegularExpressions.Regex.Matches(
                    page,
                    "class=\"[^\"]*(?:text-danger|alert)[^\"]*\"[^>]*>([^<]*)<"
                )
                .Select(m => m.Groups[1].Value.Trim())
                .Where(t => t.Length > 0)
        )
            is { Length: > 0 } found
            ? found
            : page[..Math.Min(page.Length, 3000)];

    private Task<bool> SandboxAccountAsync() =>
        UntilAsync(
            () =>
                Arrange.QueryAsync(async db =>
                    await db.CloudAccounts.AnyAsync(a => a.Name == Account) ? (bool?)true : null
                ),
            "the sandbox accounts"
        );

    private async Task<string> EndpointAsync()
    {
        await SandboxAccountAsync();
        return (await Arrange.QueryAsync(db => db.CloudAccounts.SingleAsync(a => a.Name == Account))).Endpoint!;
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> attempt, string what)
        where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (await attempt() is { } done)
                return done;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Clouds;

/// <summary>
/// Cloud accounts refused before anything is saved, from the page and the API, on each database provider: each
/// message next to its field, and the secret typed never written back.
/// </summary>
public abstract class CloudAccountValidationScenarios(PortalFixture portal)
{
    private const string TypedSecret = "typed-secret-7f3c9a";

    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task An_account_without_a_kind_or_a_required_field_is_refused_field_by_field_and_not_saved()
    {
        var admin = await Arrange.AdminAsync();
        var name = Arrange.Unique("acct");

        var noKind = await admin.PostFormAsync("/admin/clouds", new() { ["Name"] = name, ["Regions"] = "cn-beijing" });
        var noSecret = await admin.PostFormAsync(
            "/admin/clouds",
            new()
            {
                ["Kind"] = "Alibaba",
                ["Name"] = name,
                ["Regions"] = "cn-beijing",
                ["Field.AccessKeyId"] = TypedSecret,
            }
        );
        var noKindPage = await noKind.Content.ReadAsStringAsync();
        var noSecretPage = WebUtility.HtmlDecode(await noSecret.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, noKind.StatusCode);
        Assert.Contains("Choose the kind of account", WebUtility.HtmlDecode(noKindPage));
        Assert.Equal(HttpStatusCode.BadRequest, noSecret.StatusCode);
        Assert.Contains("is required for Alibaba accounts", noSecretPage);
        Assert.Contains("Field_AccessKeySecret", noSecretPage);
        Assert.DoesNotContain(TypedSecret, noSecretPage);
        Assert.False(await Arrange.QueryAsync(db => db.CloudAccounts.AnyAsync(a => a.Name == name)));
    }

    [SkippableFact]
    public async Task An_account_whose_endpoint_is_not_an_address_is_refused_and_not_saved()
    {
        var admin = await Arrange.AdminAsync();
        var name = Arrange.Unique("acct");

        var refused = await admin.PostFormAsync(
            "/admin/clouds",
            new()
            {
                ["Kind"] = "Alibaba",
                ["Name"] = name,
                ["Regions"] = "cn-beijing",
                ["Endpoint"] = "not an address",
                ["Field.AccessKeyId"] = TypedSecret,
                ["Field.AccessKeySecret"] = TypedSecret,
            }
        );
        var page = await refused.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Endpoint", page);
        Assert.DoesNotContain(TypedSecret, page);
        Assert.False(await Arrange.QueryAsync(db => db.CloudAccounts.AnyAsync(a => a.Name == name)));
    }

    [SkippableFact]
    public async Task The_api_refuses_an_account_without_kind_or_fields_and_a_grow_without_count_naming_each_field()
    {
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);
        var name = Arrange.Unique("acct");

        var noKind = await api.PostAsJsonAsync(
            "/api/v1/admin/clouds",
            new
            {
                name,
                regions = "cn-beijing",
                fields = new Dictionary<string, string> { ["AccessKeyId"] = TypedSecret },
            }
        );
        var noFields = await api.PostAsJsonAsync(
            "/api/v1/admin/clouds",
            new
            {
                name,
                kind = "Alibaba",
                regions = "cn-beijing",
            }
        );
        var noCount = await api.PostAsJsonAsync("/api/v1/admin/pools/some-pool/hosts", new { template = "medium" });
        var unknownField = await api.PostAsJsonAsync(
            "/api/v1/admin/pools/some-pool/hosts",
            new
            {
                template = "medium",
                count = 1,
                size = "big",
            }
        );
        var noKindBody = await noKind.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, noKind.StatusCode);
        Assert.Contains("kind", Errors(noKindBody));
        Assert.DoesNotContain(TypedSecret, noKindBody);
        Assert.Equal(HttpStatusCode.BadRequest, noFields.StatusCode);
        Assert.Contains("fields", Errors(await noFields.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, noCount.StatusCode);
        Assert.Contains("count", Errors(await noCount.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("size", Errors(await unknownField.Content.ReadAsStringAsync()));
        Assert.False(await Arrange.QueryAsync(db => db.CloudAccounts.AnyAsync(a => a.Name == name)));
    }

    [SkippableFact]
    public async Task A_pools_maximum_of_hosts_is_kept_audited_and_refused_when_out_of_range()
    {
        var cluster = await Arrange.ClusterWithHostsAsync();
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

        var limited = await admin.PostFormAsync($"/admin/pools/{pool}/max-hosts", new() { ["maxHosts"] = "5" });
        var tooMany = await admin.PostFormAsync($"/admin/pools/{pool}/max-hosts", new() { ["maxHosts"] = "20000" });
        var page = await (await admin.GetAsync($"/admin/pools/{pool}/templates")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, limited.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, tooMany.StatusCode);
        Assert.Contains("of at most 5", page);
        Assert.Equal(
            5,
            await Arrange.QueryAsync(db =>
                db.ResourcePools.Where(p => p.Name == pool).Select(p => p.MaxHosts).FirstAsync()
            )
        );
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a => a.Action == "cloud.pool-max-hosts-changed" && a.TargetId == pool)
            )
        );
    }

    private static IReadOnlyList<string> Errors(string problem) =>
        JsonDocument.Parse(problem).RootElement.TryGetProperty("errors", out var errors)
            ? [.. errors.EnumerateObject().Select(e => e.Name)]
            : [];
}

[Trait("Database", "Sqlite")]
public sealed class CloudAccountValidationOnSqlite(SqlitePortal portal)
    : CloudAccountValidationScenarios(portal),
        IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class CloudAccountValidationOnPostgres(PostgresPortal portal)
    : CloudAccountValidationScenarios(portal),
        IClassFixture<PostgresPortal>;

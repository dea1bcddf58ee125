using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>The REST API and the OpenID Connect server that issues its tokens, on each database provider.</summary>
public abstract class ApiScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task Discovery_names_the_token_and_authorization_endpoints()
    {
        var discovery = await portal
            .Factory.CreateClient()
            .GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        Assert.EndsWith("/connect/token", discovery.GetProperty("token_endpoint").GetString());
        Assert.EndsWith("/connect/authorize", discovery.GetProperty("authorization_endpoint").GetString());
        var grants = discovery
            .GetProperty("grant_types_supported")
            .EnumerateArray()
            .Select(g => g.GetString())
            .ToList();
        Assert.Contains("client_credentials", grants);
        Assert.Contains("authorization_code", grants);
        Assert.Contains("refresh_token", grants);
    }

    [SkippableFact]
    public async Task A_service_account_token_from_client_credentials_calls_the_api()
    {
        var tenant = await Arrange.TenantAsync();
        var member = await Arrange.MemberAsync(tenant, TenantRole.Developer);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));

        var members = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/members");

        var emails = members
            .GetProperty("items")
            .EnumerateArray()
            .Select(m => m.GetProperty("email").GetString())
            .ToList();
        Assert.Equal([member.Email], emails);
        Assert.Equal(1, members.GetProperty("total").GetInt32());
    }

    [SkippableFact]
    public async Task What_a_call_creates_is_found_at_its_answers_location()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));
        var app = Arrange.Unique("located");

        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps",
            new
            {
                name = app,
                owner = "shop team",
                spec = new
                {
                    image = "nginx:1.27",
                    resources = new
                    {
                        cpuRequestMillis = 100,
                        cpuLimitMillis = 200,
                        memoryRequestBytes = 64L << 20,
                        memoryLimitBytes = 128L << 20,
                    },
                    replicas = 1,
                },
            }
        );
        var account = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/service-accounts",
            new { name = Arrange.Unique("ci"), role = "Viewer" }
        );
        var invited = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/invitations",
            new { email = $"{Arrange.Unique("new")}@shop.example", role = "Viewer" }
        );

        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        Assert.Equal($"/api/v1/tenants/{tenant.Slug}/apps/{app}", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(created.Headers.Location)).StatusCode);
        Assert.True(account.StatusCode == HttpStatusCode.Created, await account.Content.ReadAsStringAsync());
        var accountId = (await account.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("account")
            .GetProperty("id")
            .GetGuid();
        Assert.Equal(
            $"/api/v1/tenants/{tenant.Slug}/service-accounts/{accountId}",
            account.Headers.Location?.OriginalString
        );
        Assert.True(invited.StatusCode == HttpStatusCode.Created, await invited.Content.ReadAsStringAsync());
        Assert.Equal($"/api/v1/tenants/{tenant.Slug}/invitations", invited.Headers.Location?.OriginalString);
    }

    [SkippableFact]
    public async Task A_call_without_a_token_gets_401_as_problem_details()
    {
        var tenant = await Arrange.TenantAsync();

        var response = await portal.Factory.CreateClient().GetAsync($"/api/v1/tenants/{tenant.Slug}/members");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [SkippableFact]
    public async Task A_wrong_client_secret_gets_no_token()
    {
        var account = await Arrange.ServiceAccountAsync(await Arrange.TenantAsync(), TenantRole.Viewer);

        var response = await portal
            .Factory.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = account.ClientId,
                        ["client_secret"] = "wrong",
                    }
                )
            );

        Assert.False(response.IsSuccessStatusCode);
        Assert.Contains("invalid_client", await response.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_deleted_service_account_loses_access_at_once()
    {
        var tenant = await Arrange.TenantAsync();
        var account = await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin);
        var api = await Arrange.ApiClientAsync(account);
        var admin = await Arrange.AdminAsync();

        await admin.PostFormAsync($"/t/{tenant.Slug}/service-accounts/{account.Id}/delete", new());
        var response = await api.GetAsync($"/api/v1/tenants/{tenant.Slug}/members");

        // Its client and tokens are deleted with it, so its token is no longer one.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [SkippableFact]
    public async Task Bad_input_to_the_api_gets_problem_details_and_writes_nothing()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));
        var auditBefore = await Arrange.QueryAsync(db => db.AuditEvents.CountAsync());

        var unknownRole = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/invitations",
            new { email = "x@portal.test", role = "Owner" }
        );
        var badEmail = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/invitations",
            new { email = "nope", role = "Viewer" }
        );
        var malformed = await api.PostAsync(
            $"/api/v1/tenants/{tenant.Slug}/invitations",
            new StringContent("{not json", Encoding.UTF8, "application/json")
        );

        foreach (var response in new[] { unknownRole, badEmail, malformed })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var problem = await unknownRole.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("/problems/validation", problem.GetProperty("type").GetString());
        Assert.Contains("is not a role", problem.GetProperty("errors").GetProperty("role")[0].GetString());
        Assert.Equal(auditBefore, await Arrange.QueryAsync(db => db.AuditEvents.CountAsync()));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Invitations.IgnoreQueryFilters().CountAsync(i => i.TenantId == tenant.Id))
        );
    }

    [SkippableFact]
    public async Task A_tenant_admin_service_account_invites_and_reads_the_audit_trail()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));

        var invited = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/invitations",
            new { email = "Invitee@Portal.test", role = "Developer" }
        );
        var audit = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/tenants/{tenant.Slug}/audit?action=member.invited"
        );

        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var body = await invited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("/invitations/", body.GetProperty("link").GetString());
        Assert.Equal("invitee@portal.test", body.GetProperty("invitation").GetProperty("email").GetString());
        var entry = Assert.Single(audit.GetProperty("items").EnumerateArray());
        Assert.Equal("invitation", entry.GetProperty("targetType").GetString());
    }

    [SkippableFact]
    public async Task The_cli_signs_a_user_in_with_authorization_code_and_pkce_then_refreshes()
    {
        var tenant = await Arrange.TenantAsync();
        var user = await Arrange.MemberAsync(tenant, TenantRole.Viewer);
        var browser = await Arrange.SignedInAsync(user);

        var tokens = await CliSignInAsync(browser);
        var refreshed = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        var client = portal.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new(
            "Bearer",
            (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()
        );
        var tenants = await client.GetFromJsonAsync<JsonElement>("/api/v1/tenants");

        Assert.Equal(
            [tenant.Slug],
            tenants.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("slug").GetString()).ToList()
        );
    }

    [SkippableFact]
    public async Task A_password_change_ends_the_cli_refresh_token_and_the_access_token_issued_before_it()
    {
        var tenant = await Arrange.TenantAsync();
        var user = await Arrange.MemberAsync(tenant, TenantRole.Viewer);
        var browser = await Arrange.SignedInAsync(user);
        var tokens = await CliSignInAsync(browser);
        var api = portal.Factory.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", tokens.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/tenants")).StatusCode);

        var changed = await browser.PostFormAsync(
            "/account/password",
            new()
            {
                ["CurrentPassword"] = user.Password,
                ["NewPassword"] = "Changed-passw0rd",
                ["ConfirmPassword"] = "Changed-passw0rd",
            }
        );
        var refreshed = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);

        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refreshed.StatusCode);
        Assert.Equal(
            "invalid_grant",
            (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()
        );
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/tenants")).StatusCode);
        var signedInAgain = await CliSignInAsync(browser);
        Assert.Equal(
            HttpStatusCode.OK,
            (await RefreshAsync(signedInAgain.GetProperty("refresh_token").GetString()!)).StatusCode
        );
    }

    [SkippableFact]
    public async Task Without_a_code_verifier_the_code_is_refused()
    {
        var user = await Arrange.UserAsync();
        var browser = await Arrange.SignedInAsync(user);
        var authorize = await browser.GetAsync(
            "/connect/authorize?client_id=portal-cli&response_type=code&scope=openid"
                + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback"
        );

        Assert.Contains(
            "code_challenge",
            Uri.UnescapeDataString(authorize.Headers.Location?.Query ?? await authorize.Content.ReadAsStringAsync())
        );
    }

    [SkippableFact]
    public async Task The_openapi_document_describes_the_api_and_its_reference_page_is_served()
    {
        var client = portal.Factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var reference = await client.GetAsync("/api/docs/index.html");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/tenants/{tenant}/members", paths);
        Assert.Contains("/api/v1/tenants/{tenant}/audit", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/t/", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
    }

    /// <summary>
    /// What the CLI does: the authorization code flow with PKCE in the user's browser, asking for a refresh token.
    /// </summary>
    private async Task<JsonElement> CliSignInAsync(BrowserSession browser)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        const string redirect = "http://127.0.0.1:8765/callback";

        var authorize = await browser.GetAsync(
            QueryHelpers.AddQueryString(
                "/connect/authorize",
                new Dictionary<string, string?>
                {
                    ["client_id"] = "portal-cli",
                    ["response_type"] = "code",
                    ["redirect_uri"] = redirect,
                    ["scope"] = "openid offline_access portal.api",
                    ["code_challenge"] = challenge,
                    ["code_challenge_method"] = "S256",
                    ["state"] = "xyz",
                }
            )
        );
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var callback = authorize.Headers.Location!;
        Assert.StartsWith(redirect, callback.ToString());
        var code = QueryHelpers.ParseQuery(callback.Query)["code"].ToString();

        var tokens = await portal
            .Factory.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "authorization_code",
                        ["client_id"] = "portal-cli",
                        ["code"] = code,
                        ["redirect_uri"] = redirect,
                        ["code_verifier"] = verifier,
                    }
                )
            );
        Assert.Equal(HttpStatusCode.OK, tokens.StatusCode);
        return await tokens.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        portal
            .Factory.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "refresh_token",
                        ["client_id"] = "portal-cli",
                        ["refresh_token"] = refreshToken,
                    }
                )
            );

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

[Trait("Database", "Sqlite")]
public sealed class ApiOnSqlite(SqlitePortal portal) : ApiScenarios(portal), IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class ApiOnPostgres(PostgresPortal portal) : ApiScenarios(portal), IClassFixture<PostgresPortal>;

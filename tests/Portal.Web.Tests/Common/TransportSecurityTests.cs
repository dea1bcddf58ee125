using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>
/// Outside Development the portal is reached over HTTPS: its cookies are never sent over plain HTTP and its OpenID
/// Connect server refuses plain-HTTP requests. In Development both follow the request, so that it runs on
/// http://localhost.
/// </summary>
public sealed class TransportSecurityTests(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private static readonly Uri PlainHttp = new("http://localhost");

    [Fact]
    public async Task Outside_development_the_session_and_antiforgery_cookies_are_sent_only_over_https()
    {
        var user = await new Arrange(portal.Factory).UserAsync();
        var overHttp = await new BrowserSession(portal.Factory, PlainHttp).GetAsync("/account/login");
        var session = new BrowserSession(portal.Factory);
        var page = await session.GetAsync("/account/login");

        var signedIn = await session.PostFormAsync(
            "/account/login",
            new() { ["Email"] = user.Email, ["Password"] = user.Password },
            "/account/login"
        );

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Contains("secure", Cookie(page, ".AspNetCore.Antiforgery."));
        Assert.Contains("secure", Cookie(signedIn, "portal.session="));
        Assert.DoesNotContain(SetCookies(overHttp), cookie => !Attributes(cookie).Contains("secure"));
    }

    [Fact]
    public async Task Outside_development_the_token_endpoint_refuses_plain_http()
    {
        var tenant = await new Arrange(portal.Factory).TenantAsync();
        var account = await new Arrange(portal.Factory).ServiceAccountAsync(tenant, TenantRole.Viewer);

        var overHttp = await TokenRequestAsync(portal.Factory.CreateClient(new() { BaseAddress = PlainHttp }), account);
        var overHttps = await TokenRequestAsync(portal.Factory.CreateClient(), account);

        Assert.Equal(HttpStatusCode.BadRequest, overHttp.StatusCode);
        var refusal = await overHttp.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_request", refusal.GetProperty("error").GetString());
        Assert.False(refusal.TryGetProperty("access_token", out _));
        Assert.Equal(HttpStatusCode.OK, overHttps.StatusCode);
    }

    [Fact]
    public async Task Outside_development_a_page_over_plain_http_says_that_https_is_required_instead_of_failing()
    {
        var overHttp = new BrowserSession(portal.Factory, PlainHttp);

        var page = await overHttp.GetAsync("/account/login");
        var api = await portal.Factory.CreateClient(new() { BaseAddress = PlainHttp }).GetAsync("/api/v1/tenants");
        var health = await portal.Factory.CreateClient(new() { BaseAddress = PlainHttp }).GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("HTTPS is required", await page.Content.ReadAsStringAsync());
        Assert.Contains("Portal:Network:TrustedProxies", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        Assert.Equal(
            "/problems/https-required",
            (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString()
        );
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(
            (await portal.Factory.CreateClient().GetAsync("/account/login")).Headers.Contains(
                "Strict-Transport-Security"
            )
        );
    }

    [Fact]
    public async Task In_development_plain_http_is_accepted_and_cookies_follow_the_request()
    {
        await using var development = new PortalFactory(DatabaseKind.Sqlite) { EnvironmentName = "Development" };
        var arrange = new Arrange(development);
        var account = await arrange.ServiceAccountAsync(await arrange.TenantAsync(), TenantRole.Viewer);

        var page = await new BrowserSession(development, PlainHttp).GetAsync("/account/login");
        var token = await TokenRequestAsync(development.CreateClient(new() { BaseAddress = PlainHttp }), account);

        Assert.DoesNotContain("secure", Cookie(page, ".AspNetCore.Antiforgery."));
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    /// <summary>
    /// The attributes (secure, httponly, samesite=…) of the cookie whose name starts with <paramref name="prefix"/>.
    /// </summary>
    private static List<string> Cookie(HttpResponseMessage response, string prefix) =>
        Attributes(
            SetCookies(response).FirstOrDefault(c => c.StartsWith(prefix, StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException(
                    $"No cookie {prefix} was set; Set-Cookie: {string.Join(" | ", SetCookies(response))}"
                )
        );

    private static List<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];

    private static List<string> Attributes(string cookie) =>
        cookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToList();

    private static Task<HttpResponseMessage> TokenRequestAsync(HttpClient client, TestServiceAccount account) =>
        client.PostAsync(
            "/connect/token",
            new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = account.ClientId,
                    ["client_secret"] = account.Secret,
                }
            )
        );
}

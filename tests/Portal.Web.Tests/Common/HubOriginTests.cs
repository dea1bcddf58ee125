using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>
/// Live connections (SignalR hubs) carry the session cookie, which a browser also sends from a page on a sibling host
/// of the same site (SameSite does not tell them apart): the hubs accept only pages of the portal's own origin.
/// </summary>
public sealed class HubOriginTests(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private const string SiblingHost = "https://shop.localhost";

    public static TheoryData<string> Hubs =>
        new()
        {
            Portal.Web.Clusters.HostsHub.Path,
            Portal.Web.Environments.OperationsHub.Path,
            Portal.Web.Applications.ApplicationsHub.Path,
            Portal.Web.Monitoring.MonitoringHub.Path,
            Portal.Web.Middleware.InstancesHub.Path,
        };

    [Theory]
    [MemberData(nameof(Hubs))]
    public async Task A_page_on_another_origin_cannot_open_a_hub_with_the_session_cookie(string hub)
    {
        var admin = await new Arrange(portal.Factory).AdminAsync();

        var foreign = await NegotiateAsync(admin, hub, SiblingHost);
        var opaque = await NegotiateAsync(admin, hub, "null");
        var own = await NegotiateAsync(admin, hub, PortalFactory.Origin.GetLeftPart(UriPartial.Authority));

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, opaque.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task A_websocket_upgrade_from_another_origin_is_refused_even_with_a_connection_token()
    {
        var admin = await new Arrange(portal.Factory).AdminAsync();
        var cookie = admin.Cookies.GetCookieHeader(PortalFactory.Origin);

        var refused = await Record.ExceptionAsync(async () =>
            await UpgradeAsync(await ConnectionUrlAsync(admin), cookie, SiblingHost)
        );
        using var accepted = await UpgradeAsync(await ConnectionUrlAsync(admin), cookie, "https://localhost");

        Assert.Contains("status code: 403", refused?.Message);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, accepted.State);
    }

    [Fact]
    public async Task Tools_that_send_no_origin_still_connect()
    {
        var admin = await new Arrange(portal.Factory).AdminAsync();

        var withoutOrigin = await NegotiateAsync(admin, Portal.Web.Monitoring.MonitoringHub.Path, origin: null);

        Assert.Equal(HttpStatusCode.OK, withoutOrigin.StatusCode);
    }

    [Fact]
    public async Task The_public_address_and_the_origins_the_operator_allows_may_connect()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:PublicUrl"] = "https://portal.example.test/",
                ["Portal:Security:AllowedOrigins:0"] = "https://console.example.test:8443",
            }
        );
        var admin = await new Arrange(factory).AdminAsync();

        var statuses = new List<HttpStatusCode>();
        foreach (
            var origin in new[]
            {
                "https://portal.example.test",
                "https://console.example.test:8443",
                "https://console.example.test",
                "http://portal.example.test",
            }
        )
            statuses.Add((await NegotiateAsync(admin, Portal.Web.Monitoring.MonitoringHub.Path, origin)).StatusCode);

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden],
            statuses
        );
    }

    [Fact]
    public void An_allowed_origin_that_is_not_a_bare_origin_stops_the_start()
    {
        using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:Security:AllowedOrigins:0"] = "https://console.example.test/app",
            }
        );

        var refusal = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("Portal:Security:AllowedOrigins", refusal.ToString());
    }

    private static async Task<HttpResponseMessage> NegotiateAsync(BrowserSession session, string hub, string? origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{hub}/negotiate?negotiateVersion=1");
        if (origin is not null)
            request.Headers.Add("Origin", origin);
        return await session.Http.SendAsync(request);
    }

    /// <summary>
    /// A connection negotiated by the portal's own page, as a hostile page would first have to get one.
    /// </summary>
    private static async Task<Uri> ConnectionUrlAsync(BrowserSession session)
    {
        var negotiated = await (
            await NegotiateAsync(session, Portal.Web.Clusters.HostsHub.Path, "https://localhost")
        ).Content.ReadFromJsonAsync<JsonElement>();
        return new Uri(
            $"wss://localhost{Portal.Web.Clusters.HostsHub.Path}?id="
                + $"{negotiated.GetProperty("connectionToken").GetString()}"
        );
    }

    private async Task<System.Net.WebSockets.WebSocket> UpgradeAsync(Uri url, string cookie, string origin)
    {
        var client = portal.Factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = request =>
        {
            request.Headers.Cookie = cookie;
            request.Headers.Origin = origin;
        };
        return await client.ConnectAsync(url, CancellationToken.None);
    }
}

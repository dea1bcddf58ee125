using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>
/// Behind an ingress every request comes from the ingress: the client's own address is the one the trusted proxies
/// (<c>Portal:Network:TrustedProxies</c>) name in X-Forwarded-For, and only theirs is believed.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Ingress = "10.1.2.3";
    private const string InnerLoadBalancer = "10.0.0.5";
    private const string Outsider = "198.51.100.7";

    private static PortalFactory Portal(int loginAttemptsPerMinute = 10000) =>
        new(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:Network:TrustedProxies:0"] = "10.0.0.0/8",
                ["Portal:Network:TrustedProxies:1"] = "2001:db8::1",
                ["Portal:Security:LoginAttemptsPerMinute"] = loginAttemptsPerMinute.ToString(
                    System.Globalization.CultureInfo.InvariantCulture
                ),
            }
        );

    [Fact]
    public async Task Behind_a_trusted_proxy_each_client_has_its_own_sign_in_rate_limit()
    {
        await using var factory = Portal(loginAttemptsPerMinute: 2);
        var first = From(factory, Ingress, forwardedFor: "203.0.113.1");
        var second = From(factory, Ingress, forwardedFor: "203.0.113.2");

        var firstClient = await SignInAttemptsAsync(first, 3);
        var secondClient = await SignInAttemptsAsync(second, 1);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], firstClient);
        Assert.Equal([HttpStatusCode.OK], secondClient);
    }

    [Fact]
    public async Task A_sender_that_is_not_a_trusted_proxy_cannot_dodge_the_rate_limit_with_x_forwarded_for()
    {
        await using var factory = Portal(loginAttemptsPerMinute: 2);

        var statuses = new List<HttpStatusCode>();
        foreach (var spoofed in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3" })
            statuses.AddRange(await SignInAttemptsAsync(From(factory, Outsider, forwardedFor: spoofed), 1));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task The_audit_records_the_client_address_the_trusted_proxies_forwarded_and_ignores_what_the_client_claimed()
    {
        await using var factory = Portal();
        var arrange = new Arrange(factory);
        var behindProxies = await arrange.UserAsync();
        var direct = await arrange.UserAsync();

        // The client claims 192.0.2.66; the load balancer appends the client's real address, the ingress the
        // balancer's.
        await From(factory, Ingress, forwardedFor: $"192.0.2.66, 203.0.113.9, {InnerLoadBalancer}")
            .SignInAsync(behindProxies.Email, behindProxies.Password);
        await From(factory, Outsider, forwardedFor: "203.0.113.10").SignInAsync(direct.Email, direct.Password);

        Assert.Equal("203.0.113.9", await SignInAddressAsync(arrange, behindProxies));
        Assert.Equal(Outsider, await SignInAddressAsync(arrange, direct));
    }

    [Fact]
    public void A_trusted_proxy_that_is_neither_an_address_nor_a_range_stops_the_start()
    {
        using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:Network:TrustedProxies:0"] = "ingress.internal" }
        );

        var refusal = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("Portal:Network:TrustedProxies", refusal.ToString());
        Assert.Contains("ingress.internal", refusal.ToString());
    }

    private static BrowserSession From(PortalFactory factory, string peer, string forwardedFor)
    {
        var session = new BrowserSession(factory);
        session.Http.DefaultRequestHeaders.Add(TestPeerAddress.Header, peer);
        session.Http.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return session;
    }

    private static async Task<List<HttpStatusCode>> SignInAttemptsAsync(BrowserSession session, int attempts)
    {
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var response = await session.PostFormAsync(
                "/account/login",
                new() { ["Email"] = "nobody@portal.test", ["Password"] = "Whatever-1A" },
                "/account/login"
            );
            statuses.Add(response.StatusCode);
        }
        return statuses;
    }

    private static Task<string?> SignInAddressAsync(Arrange arrange, TestUser user) =>
        arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.Action == "user.signed-in" && a.TargetId == user.Email)
                .Select(a => a.ClientAddress)
                .SingleAsync()
        );
}

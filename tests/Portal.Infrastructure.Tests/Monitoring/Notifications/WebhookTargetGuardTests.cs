using Microsoft.Extensions.Options;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Infrastructure.Tests.Clusters;

namespace Portal.Infrastructure.Tests.Monitoring.Notifications;

public sealed class WebhookTargetGuardTests
{
    private static WebhookTargetGuard Guard(bool allowPrivateTargets = false, params string[] allowedTargets) =>
        new(
            Options.Create(
                new NotificationOptions
                {
                    AllowPrivateTargets = allowPrivateTargets,
                    AllowedTargets = [.. allowedTargets],
                }
            )
        );

    private static Task<Portal.Domain.Common.Result> Check(WebhookTargetGuard guard, string url) =>
        guard.CheckAsync(new Uri(url), CancellationToken.None);

    [Theory]
    [InlineData("http://127.0.0.1/hook", "loopback")]
    [InlineData("http://127.1.2.3/hook", "loopback")]
    [InlineData("http://localhost:8080/hook", "loopback")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://[::ffff:127.0.0.1]/hook", "loopback")]
    [InlineData("https://10.1.2.3/hook", "private")]
    [InlineData("https://172.16.0.1/hook", "private")]
    [InlineData("https://172.31.255.254/hook", "private")]
    [InlineData("https://192.168.1.20/hook", "private")]
    [InlineData("https://[::ffff:192.168.1.20]/hook", "private")]
    [InlineData("https://[fd12:3456::1]/hook", "private")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "cloud metadata")]
    [InlineData("http://169.254.10.1/hook", "link-local")]
    [InlineData("http://[fe80::1]/hook", "link-local")]
    [InlineData("http://100.64.0.1/hook", "carrier-grade NAT")]
    [InlineData("http://0.0.0.0/hook", "unspecified")]
    [InlineData("http://[::]/hook", "unspecified")]
    [InlineData("http://224.0.0.1/hook", "multicast")]
    [InlineData("http://255.255.255.255/hook", "broadcast")]
    [InlineData("http://[64:ff9b::a01:203]/hook", "private")]
    public async Task A_webhook_that_resolves_into_a_private_network_is_refused_saying_which_kind(
        string url,
        string kind
    )
    {
        var verdict = await Check(Guard(), url);

        Assert.False(verdict.Succeeded);
        Assert.Contains(kind, verdict.Problem!.Message);
        Assert.Contains("Portal:Monitoring:Notifications:AllowedTargets", verdict.Problem.Message);
        Assert.Equal("Url", verdict.Problem.Field);
    }

    [Fact]
    public async Task The_refusal_names_the_address_and_how_to_allow_it()
    {
        var verdict = await Check(Guard(), "http://127.0.0.1:9000/hook");

        Assert.Equal(
            "The webhook's host resolves to 127.0.0.1, a loopback address; the "
                + "portal does not send to private networks "
                + "unless Portal:Monitoring:Notifications:AllowedTargets lists it.",
            verdict.Problem!.Message
        );
    }

    [Theory]
    [InlineData("https://93.184.216.34/hook")]
    [InlineData("https://172.15.255.255/hook")]
    [InlineData("https://172.32.0.1/hook")]
    [InlineData("https://100.128.0.1/hook")]
    [InlineData("https://[2606:2800:220:1:248:1893:25c8:1946]/hook")]
    public async Task A_webhook_on_a_public_address_is_allowed(string url)
    {
        var verdict = await Check(Guard(), url);

        Assert.True(verdict.Succeeded, verdict.Problem?.Message);
    }

    [Fact]
    public async Task Private_targets_are_allowed_when_the_operators_allow_them_all()
    {
        Assert.True((await Check(Guard(allowPrivateTargets: true), "http://127.0.0.1/hook")).Succeeded);
        Assert.True((await Check(Guard(allowPrivateTargets: true), "http://10.1.2.3/hook")).Succeeded);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.0/8")]
    [InlineData("localhost")]
    public async Task A_loopback_target_listed_in_allowed_targets_is_allowed(string allowed)
    {
        var guard = Guard(false, allowed);

        var verdict = await Check(guard, allowed == "localhost" ? "http://localhost/hook" : "http://127.0.0.1/hook");

        Assert.True(verdict.Succeeded, verdict.Problem?.Message);
    }

    [Fact]
    public async Task An_allowed_range_covers_its_addresses_and_no_others()
    {
        var guard = Guard(false, "10.20.0.0/16");

        Assert.True((await Check(guard, "http://10.20.30.40/hook")).Succeeded);
        Assert.True((await Check(guard, "http://[::ffff:10.20.30.40]/hook")).Succeeded);
        Assert.False((await Check(guard, "http://10.21.0.1/hook")).Succeeded);
        Assert.False((await Check(guard, "http://127.0.0.1/hook")).Succeeded);
    }

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("192.168.1.5", true)]
    [InlineData("hooks.internal.example", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("not a host", false)]
    [InlineData("", false)]
    public void Allowed_targets_are_host_names_addresses_or_cidr_ranges(string entry, bool valid)
    {
        Assert.Equal(valid, WebhookTargetGuard.IsValidAllowedTarget(entry));
    }

    [Fact]
    public void An_allowed_target_that_is_neither_a_host_nor_a_range_stops_the_portal_at_start()
    {
        using var services = new NotificationServices(("AllowedTargets:0", "10.0.0.0/99"));

        var failure = Assert.Throws<OptionsValidationException>(() =>
            services.Get<IOptions<NotificationOptions>>().Value
        );
        Assert.Contains("AllowedTargets", failure.Message);
    }

    [Fact]
    public async Task The_guarded_handler_refuses_to_connect_to_a_private_address_even_when_asked_directly()
    {
        await using var receiver = await StandInApiServer.StartAsync((context, _) => Task.CompletedTask);
        using var client = new HttpClient(Guard().CreateGuardedHandler(TimeSpan.FromSeconds(5)));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(receiver.Address));

        Assert.IsType<WebhookTargetRefusedException>(failure.InnerException);
        Assert.Contains("loopback", failure.InnerException!.Message);
        Assert.Equal(0, receiver.Requests);
    }

    [Fact]
    public async Task The_guarded_handler_connects_to_an_allowed_target()
    {
        await using var receiver = await StandInApiServer.StartAsync((context, _) => Task.CompletedTask);
        using var client = new HttpClient(Guard(false, "127.0.0.1").CreateGuardedHandler(TimeSpan.FromSeconds(5)));

        using var response = await client.GetAsync(receiver.Address);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(1, receiver.Requests);
    }
}

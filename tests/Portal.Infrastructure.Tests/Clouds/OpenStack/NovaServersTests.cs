using System.Net;
using System.Text.Json.Nodes;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.OpenStack;

namespace Portal.Infrastructure.Tests.Clouds.OpenStack;

/// <summary>
/// Nova's and Keystone's answers as the portal reads them, in the shapes of the OpenStack API references.
/// </summary>
public sealed class NovaServersTests
{
    // Trimmed from the "Show Server Details" response of the Compute API reference (docs.openstack.org/api-ref/
    // compute, microversion 2.79), with the server in ERROR and the fault Nova records for it.
    private const string ServerInError = """
        {"server": {
          "id": "9168b536-cd40-4630-b43f-b259807c6e87", "name": "new-server-test", "status": "ERROR",
          "OS-EXT-STS:task_state": null, "OS-EXT-AZ:availability_zone": "nova",
          "created": "2019-09-09T13:42:10Z",
          "addresses": {"private": [
            {"addr": "192.168.1.30", "version": 4, "OS-EXT-IPS:type": "fixed"},
            {"addr": "fe80::1", "version": 6, "OS-EXT-IPS:type": "fixed"},
            {"addr": "172.24.4.9", "version": 4, "OS-EXT-IPS:type": "floating"}]},
          "flavor": {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0, "original_name": "m1.tiny",
                     "extra_specs": {}},
          "metadata": {"My Server Name": "Apache1", "portal-host": "h-42"},
          "tags": [],
          "fault": {"code": 500, "created": "2019-09-09T13:42:11Z",
                    "message": "No valid host was found. There are not enough hosts available."}
        }}
        """;

    [Fact]
    public void A_server_in_error_is_failed_with_novas_fault_message()
    {
        var instance = NovaServers.ToInstance(JsonNode.Parse(ServerInError)!["server"]!);

        Assert.Equal(CloudInstanceState.Failed, instance.State);
        Assert.Equal("No valid host was found. There are not enough hosts available.", instance.StateReason);
        Assert.Equal("m1.tiny", instance.InstanceType);
        Assert.Equal("192.168.1.30", instance.PrivateAddress);
        Assert.Equal("172.24.4.9", instance.PublicAddress);
        Assert.Equal("h-42", instance.HostTag);
        Assert.Equal(new DateTime(2019, 9, 9, 13, 42, 10, DateTimeKind.Utc), instance.CreatedAt);
    }

    [Fact]
    public void A_shut_off_server_is_stopped()
    {
        var server = JsonNode.Parse(ServerInError)!["server"]!;
        server["status"] = "SHUTOFF";

        Assert.Equal(CloudInstanceState.Stopped, NovaServers.ToInstance(server).State);
    }

    [Fact]
    public void Novas_quota_overlimit_of_old_is_a_quota_refusal_and_its_rate_limit_a_throttle()
    {
        const string quota = """{"overLimit": {"code": 413, "message": "Quota exceeded for cores"}}""";
        const string rate = """{"overLimit": {"code": 413, "message": "This request was rate-limited."}}""";

        Assert.Equal(CloudRefusalKind.Quota, OpenStackRefusals.From(HttpStatusCode.RequestEntityTooLarge, quota).Kind);
        Assert.Equal(
            CloudRefusalKind.Throttled,
            OpenStackRefusals.From(HttpStatusCode.RequestEntityTooLarge, rate).Kind
        );
        Assert.False(OpenStackRefusals.IsThrottled(HttpStatusCode.RequestEntityTooLarge, quota));
    }

    [Fact]
    public void Neutrons_errors_are_read_in_their_own_shape()
    {
        const string body = """
            {"NeutronError": {"type": "NetworkNotFound", "message": "Network nope could not be found.", "detail": ""}}
            """;

        var refusal = OpenStackRefusals.From(HttpStatusCode.NotFound, body);

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.Equal("NetworkNotFound: Network nope could not be found.", refusal.Message);
    }

    [Fact]
    public void A_token_is_renewed_a_while_before_it_expires()
    {
        var issued = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var token = new KeystoneToken("gAAAAAsecret", issued, issued.AddHours(1), "p", []);

        Assert.True(token.FreshAt(issued.AddMinutes(54)));
        Assert.False(token.FreshAt(issued.AddMinutes(56)));
        Assert.DoesNotContain("gAAAAAsecret", token.ToString(), StringComparison.Ordinal);
    }
}

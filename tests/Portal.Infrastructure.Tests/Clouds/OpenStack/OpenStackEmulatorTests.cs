using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portal.SandboxCloud.Hosting;
using Portal.SandboxCloud.OpenStack;

namespace Portal.Infrastructure.Tests.Clouds.OpenStack;

/// <summary>What the sandbox's OpenStack refuses, as Keystone and Nova refuse it, asked over plain HTTP.</summary>
public sealed class OpenStackEmulatorTests : IAsyncLifetime
{
    private readonly OpenStackEmulator _emulator = new();
    private readonly HttpClient _http = new();
    private SandboxCloud.Hosting.SandboxCloud _sandbox = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxCloud.Hosting.SandboxCloud.StartAsync(
            new SandboxCloudOptions(),
            [_emulator],
            CancellationToken.None
        );
        _http.BaseAddress = _sandbox.EndpointOf(_emulator.Kind);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task Nova_refuses_a_call_without_a_token_with_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "sandbox-1/compute/v2.1/limits");
        request.Headers.Add("OpenStack-API-Version", "compute 2.79");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(
            "The request you have made requires authentication.",
            (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())?["error"]?["message"]
        );
    }

    [Fact]
    public async Task Nova_refuses_a_call_without_a_microversion_with_406()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "sandbox-1/compute/v2.1/limits");
        request.Headers.Add("X-Auth-Token", await TokenAsync());

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Equal(
            "Version 2.1 is not supported by the API. Minimum is 2.52 and maximum is 2.96.",
            (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())?["computeFault"]?["message"]
        );
    }

    [Fact]
    public async Task Nova_refuses_a_microversion_newer_than_it_serves_with_406()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "sandbox-1/compute/v2.1/limits");
        request.Headers.Add("X-Auth-Token", await TokenAsync());
        request.Headers.Add("OpenStack-API-Version", "compute 2.100");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }

    [Fact]
    public async Task Nova_answers_a_served_microversion_and_echoes_it()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "sandbox-1/compute/v2.1/limits");
        request.Headers.Add("X-Auth-Token", await TokenAsync());
        request.Headers.Add("OpenStack-API-Version", "compute 2.79");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("compute 2.79", response.Headers.GetValues("OpenStack-API-Version").Single());
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        _emulator.TokenLifetime = TimeSpan.FromMilliseconds(50);
        var token = await TokenAsync();
        await Task.Delay(200);
        using var request = new HttpRequestMessage(HttpMethod.Get, "sandbox-1/network/v2.0/networks");
        request.Headers.Add("X-Auth-Token", token);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Keystone_scopes_a_password_token_to_the_project_only()
    {
        using var response = await _http.PostAsync("v3/auth/tokens", PasswordAuth("another-project"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<string> TokenAsync()
    {
        using var response = await _http.PostAsync("v3/auth/tokens", PasswordAuth(_emulator.ProjectName));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.GetValues("X-Subject-Token").Single();
    }

    private StringContent PasswordAuth(string project) =>
        new(
            new JsonObject
            {
                ["auth"] = new JsonObject
                {
                    ["identity"] = new JsonObject
                    {
                        ["methods"] = new JsonArray("password"),
                        ["password"] = new JsonObject
                        {
                            ["user"] = new JsonObject
                            {
                                ["name"] = _sandbox.Options.AccessKey,
                                ["domain"] = new JsonObject { ["name"] = "Default" },
                                ["password"] = _sandbox.Options.Secret,
                            },
                        },
                    },
                    ["scope"] = new JsonObject
                    {
                        ["project"] = new JsonObject
                        {
                            ["name"] = project,
                            ["domain"] = new JsonObject { ["name"] = "Default" },
                        },
                    },
                },
            }.ToJsonString(),
            Encoding.UTF8,
            "application/json"
        );
}

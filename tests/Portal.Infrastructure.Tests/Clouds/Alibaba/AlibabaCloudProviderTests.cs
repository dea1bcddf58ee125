using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.Alibaba;
using Portal.SandboxCloud.Alibaba;
using Portal.SandboxCloud.Hosting;
using CloudSandbox = Portal.SandboxCloud.Hosting.SandboxCloud;

namespace Portal.Infrastructure.Tests.Clouds.Alibaba;

/// <summary>The ECS client against the sandbox's ECS, which checks every signature as Alibaba's gateway does.</summary>
public sealed class AlibabaCloudProviderTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly AlibabaCloudProvider _provider = new(
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>(),
        TimeProvider.System
    );

    private CloudSandbox _sandbox = null!;

    private EmulatedCloud Cloud => _sandbox["Alibaba"];

    public async Task InitializeAsync() =>
        _sandbox = await CloudSandbox.StartAsync(
            new SandboxCloudOptions { BootDelay = TimeSpan.FromMilliseconds(300) },
            [new AlibabaEmulator()],
            Ct
        );

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task An_instance_is_created_found_by_its_tag_runs_and_is_gone_once_terminated()
    {
        var access = Access();

        Assert.Equal("sandbox-1 (Sandbox sandbox-1)", await _provider.CheckAsync(access, Ct));
        var catalog = await _provider.CatalogAsync(access, Ct);
        Assert.Equal(["sandbox-1a", "sandbox-1b"], catalog.Zones);
        Assert.Contains(new CloudInstanceType("medium.4c8g", 4, 8192), catalog.InstanceTypes);
        Assert.Contains(new CloudImage("img-debian-12", "Debian 12 (bookworm)"), catalog.Images);
        Assert.Equal(["net-sandbox"], catalog.Networks);
        Assert.Equal(["vsw-sandbox-1a", "vsw-sandbox-1b"], catalog.Subnets);
        Assert.Equal(["sg-nodes"], catalog.SecurityGroups);
        Assert.Equal(["ops-key"], catalog.KeyPairs);
        Assert.Equal(new CloudQuota(null, 1000), await _provider.QuotaAsync(access, Ct));

        var created = await _provider.CreateAsync(access, Spec("host-1"), Ct);

        Assert.Contains(created.State, new[] { CloudInstanceState.Pending, CloudInstanceState.Running });
        Assert.Equal("host-1", created.HostTag);
        Assert.Equal("sandbox-1b", created.Zone);
        var emulated = Cloud.Find(created.Id)!;
        Assert.Equal("#cloud-config\nruncmd: [echo hello]\n", emulated.UserData);
        Assert.Equal("vsw-sandbox-1b", emulated.Network);
        Assert.Equal(30, emulated.SystemDiskGiB);
        Assert.Equal("pool-a", emulated.Tags[CloudTags.Pool]);
        Assert.Equal(CloudTags.Portal, emulated.Tags[CloudTags.ManagedBy]);
        Assert.Equal(new CloudQuota(null, 996), await _provider.QuotaAsync(access, Ct));
        Assert.Equal(created.Id, (await _provider.FindByHostTagAsync(access, "host-1", Ct))?.Id);
        Assert.Null(await _provider.FindByHostTagAsync(access, "host-2", Ct));

        var running = await WaitForAsync(access, created.Id, CloudInstanceState.Running);
        Assert.Equal(emulated.PrivateAddress, running.PrivateAddress);
        Assert.Equal([created.Id], (await _provider.ListManagedAsync(access, Ct)).Select(i => i.Id));

        await _provider.TerminateAsync(access, created.Id, Ct);

        Assert.Null(await _provider.GetAsync(access, created.Id, Ct));
        Assert.Null(await _provider.FindByHostTagAsync(access, "host-1", Ct));
        Assert.Empty(await _provider.ListManagedAsync(access, Ct));
        await _provider.TerminateAsync(access, created.Id, Ct);
    }

    [Fact]
    public async Task A_repeated_create_with_the_same_host_tag_makes_no_second_instance()
    {
        var first = await _provider.CreateAsync(Access(), Spec("host-1"), Ct);
        var second = await _provider.CreateAsync(Access(), Spec("host-1"), Ct);

        Assert.Equal(first.Id, second.Id);
        Assert.Single(Cloud.Instances);
    }

    [Fact]
    public async Task The_managed_list_pages_through_every_instance_of_the_portal()
    {
        for (var n = 0; n < 53; n++)
            await _provider.CreateAsync(Access(), Spec($"host-{n}") with { InstanceType = "small.2c4g" }, Ct);

        Assert.Equal(53, (await _provider.ListManagedAsync(Access(), Ct)).Select(i => i.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_wrong_secret_or_key_is_refused_in_Alibabas_words()
    {
        var wrongSecret = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CheckAsync(Access(secret: "not-the-secret"), Ct)
        );
        var unknownKey = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CheckAsync(Access(key: "no-such-key"), Ct)
        );

        Assert.Equal(CloudRefusalKind.Credentials, wrongSecret.Kind);
        Assert.Equal("SignatureDoesNotMatch", wrongSecret.ProviderCode);
        Assert.StartsWith("SignatureDoesNotMatch: Specified signature does not match", wrongSecret.Message);
        Assert.DoesNotContain("not-the-secret", wrongSecret.Message);
        Assert.Equal(CloudRefusalKind.Credentials, unknownKey.Kind);
        Assert.Equal("InvalidAccessKeyId.NotFound: Specified access key is not found.", unknownKey.Message);
    }

    [Fact]
    public async Task An_unknown_region_instance_type_or_image_is_refused_as_invalid()
    {
        var region = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.CheckAsync(Access("nowhere-9"), Ct));
        var catalog = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.CatalogAsync(Access("nowhere-9"), Ct));
        var type = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CreateAsync(Access(), Spec("host-1") with { InstanceType = "huge.96c" }, Ct)
        );
        var image = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CreateAsync(Access(), Spec("host-1") with { Image = "img-gone" }, Ct)
        );

        Assert.Equal(CloudRefusalKind.Invalid, region.Kind);
        Assert.Equal("InvalidRegionId.NotFound", region.ProviderCode);
        Assert.Contains("nowhere-9", region.Message);
        Assert.Equal("InvalidRegionId.NotFound: The specified RegionId does not exist.", catalog.Message);
        Assert.Equal(CloudRefusalKind.Invalid, type.Kind);
        Assert.Equal("InvalidInstanceType.NotSupported: The specified InstanceType is not supported.", type.Message);
        Assert.Equal(CloudRefusalKind.Invalid, image.Kind);
        Assert.Equal("InvalidImageId.NotFound", image.ProviderCode);
        Assert.Empty(Cloud.Instances);
    }

    [Fact]
    public async Task A_create_over_the_vcpu_quota_is_refused_as_quota_with_the_numbers()
    {
        Cloud.CpuLimit = 6;
        await _provider.CreateAsync(Access(), Spec("host-1"), Ct);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.CreateAsync(Access(), Spec("host-2"), Ct));

        Assert.Equal(CloudRefusalKind.Quota, refusal.Kind);
        Assert.Equal("QuotaExceed.ElasticQuota", refusal.ProviderCode);
        Assert.Contains("4 of 6 in use, 4 more asked for", refusal.Message);
        Assert.Equal(new CloudQuota(null, 2), await _provider.QuotaAsync(Access(), Ct));
    }

    [Fact]
    public async Task Throttling_twice_is_retried_through()
    {
        Cloud.Faults.ThrottleNext(2);

        var instance = await _provider.CreateAsync(Access(), Spec("host-1"), Ct);

        Assert.Equal(instance.Id, Assert.Single(Cloud.Instances).Id);
    }

    [Fact]
    public async Task Throttling_that_goes_on_is_refused_as_throttled()
    {
        Cloud.Faults.ThrottleNext(100);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.CheckAsync(Access(), Ct));

        Assert.Equal(CloudRefusalKind.Throttled, refusal.Kind);
        Assert.Equal("Throttling.User: Request was denied due to user flow control.", refusal.Message);
    }

    [Fact]
    public async Task Server_errors_that_go_on_are_refused_as_unavailable_after_retries()
    {
        Cloud.Faults.FailNext(100);
        var before = Cloud.Calls;

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.QuotaAsync(Access(), Ct));

        Assert.Equal(CloudRefusalKind.Unavailable, refusal.Kind);
        Assert.Equal("InternalError", refusal.ProviderCode);
        Assert.True(Cloud.Calls - before > 1, "the client retries a server error");
    }

    [Fact]
    public async Task A_replayed_request_is_refused_for_its_used_nonce()
    {
        var endpoint = _sandbox.EndpointOf("Alibaba");
        var body = "RegionId=sandbox-1"u8.ToArray();
        var headers = new Dictionary<string, string>
        {
            ["host"] = endpoint.Authority,
            ["x-acs-action"] = "DescribeZones",
            ["x-acs-version"] = "2014-05-26",
            ["x-acs-date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["x-acs-signature-nonce"] = Guid.NewGuid().ToString("N"),
            ["x-acs-content-sha256"] = AcsRequestSigner.HexSha256(body),
            ["content-type"] = "application/x-www-form-urlencoded",
        };
        var signature = AcsRequestSigner.Sign("POST", "/", [], headers, "sandbox-access-key", "sandbox-secret-key");
        using var http = new HttpClient();

        async Task<string> SendAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new ByteArrayContent(body),
            };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", headers["content-type"]);
            foreach (var (name, value) in headers.Where(h => h.Key.StartsWith("x-acs-", StringComparison.Ordinal)))
                request.Headers.TryAddWithoutValidation(name, value);
            request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
            using var response = await http.SendAsync(request, Ct);
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
        }

        Assert.StartsWith("200 ", await SendAsync());
        var replay = await SendAsync();
        Assert.StartsWith("400 ", replay);
        Assert.Contains("\"Code\":\"SignatureNonceUsed\"", replay);
    }

    private CloudAccess Access(string region = "sandbox-1", string? key = null, string? secret = null) =>
        new(
            Guid.NewGuid(),
            CloudKind.Alibaba,
            _sandbox.EndpointOf("Alibaba"),
            region,
            new Dictionary<string, string>(),
            new Dictionary<string, string>
            {
                [AlibabaCloudProvider.AccessKeyIdField] = key ?? _sandbox.Options.AccessKey,
                [AlibabaCloudProvider.AccessKeySecretField] = secret ?? _sandbox.Options.Secret,
            }
        );

    private static InstanceSpec Spec(string hostTag) =>
        new(
            hostTag,
            "node-" + hostTag,
            "",
            "medium.4c8g",
            "img-debian-12",
            30,
            "net-sandbox",
            "vsw-sandbox-1b",
            "sg-nodes",
            "ops-key",
            "#cloud-config\nruncmd: [echo hello]\n",
            new Dictionary<string, string> { [CloudTags.Pool] = "pool-a" }
        );

    private async Task<CloudInstance> WaitForAsync(CloudAccess access, string id, CloudInstanceState state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var instance = await _provider.GetAsync(access, id, Ct);
            if (instance?.State == state || DateTime.UtcNow > deadline)
                return instance ?? throw new InvalidOperationException($"{id} is gone");
            await Task.Delay(100, Ct);
        }
    }
}

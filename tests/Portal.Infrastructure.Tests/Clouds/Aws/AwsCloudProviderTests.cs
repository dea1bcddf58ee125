using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.Aws;
using Portal.SandboxCloud.Aws;
using Portal.SandboxCloud.Hosting;
using SandboxHost = Portal.SandboxCloud.Hosting.SandboxCloud;

namespace Portal.Infrastructure.Tests.Clouds.Aws;

/// <summary>The provider, through the real AWS SDK, against the EC2 emulator of the sandbox cloud.</summary>
public sealed class AwsCloudProviderTests : IAsyncLifetime
{
    private const string Region = "sandbox-1";
    private const string Subnet = "subnet-net-sandbox-sandbox-1b";

    private readonly AwsCloudProvider _provider = new(
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>()
    );
    private SandboxHost _sandbox = null!;

    private EmulatedCloud Cloud => _sandbox["Aws"];

    public async Task InitializeAsync() =>
        _sandbox = await SandboxHost.StartAsync(
            new SandboxCloudOptions { BootDelay = TimeSpan.FromMilliseconds(300) },
            [new AwsEmulator()],
            CancellationToken.None
        );

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task A_host_is_checked_for_started_found_running_listed_and_terminated_through_EC2()
    {
        var ct = CancellationToken.None;
        var access = Access();

        var check = await _provider.CheckAsync(access, ct);
        var catalog = await _provider.CatalogAsync(access, ct);
        var quota = await _provider.QuotaAsync(access, ct);
        var created = await _provider.CreateAsync(access, Spec("host-1"), ct);
        var found = await _provider.FindByHostTagAsync(access, "host-1", ct);
        var running = await RunningAsync(access, created.Id, ct);
        var listed = await _provider.ListManagedAsync(access, ct);
        await _provider.TerminateAsync(access, created.Id, ct);

        Assert.Matches(@"^AWS account \d{12}, EC2 in sandbox-1, max-instances 200$", check);
        Assert.Equal(new[] { "sandbox-1a", "sandbox-1b" }, catalog.Zones);
        Assert.Contains(new CloudInstanceType("medium.4c8g", 4, 8192), catalog.InstanceTypes);
        Assert.Contains(new CloudImage("img-debian-12", "Debian 12 (bookworm)"), catalog.Images);
        Assert.Equal(new[] { "net-sandbox" }, catalog.Networks);
        Assert.Contains(Subnet, catalog.Subnets);
        Assert.Equal(new[] { "sg-nodes" }, catalog.SecurityGroups);
        Assert.Equal(new[] { "ops-key" }, catalog.KeyPairs);
        Assert.Equal(new CloudQuota(200, null), quota);
        Assert.Equal(CloudInstanceState.Pending, created.State);
        Assert.Equal("sandbox-1b", created.Zone);
        Assert.Equal("small.2c4g", created.InstanceType);
        Assert.Equal("node-1", created.Name);
        Assert.Equal("host-1", created.HostTag);
        Assert.Equal(CloudTags.Portal, created.Tags[CloudTags.ManagedBy]);
        Assert.Equal("pool-a", created.Tags[CloudTags.Pool]);
        Assert.Equal(created.Id, found?.Id);
        Assert.NotNull(running.PrivateAddress);
        Assert.Equal(new[] { created.Id }, listed.Select(i => i.Id));
        Assert.Null(await _provider.FindByHostTagAsync(access, "host-1", ct));
        Assert.Empty(await _provider.ListManagedAsync(access, ct));
        Assert.Equal(CloudInstanceState.Terminated, (await _provider.GetAsync(access, created.Id, ct))?.State);

        var emulated = Cloud.Find(created.Id)!;
        Assert.Equal("#cloud-config\nruncmd: [echo hi]\n", emulated.UserData);
        Assert.Equal(30, emulated.SystemDiskGiB);
        Assert.Equal("sg-nodes", emulated.SecurityGroup);
        Assert.Equal("ops-key", emulated.KeyPair);
        Assert.Equal(Subnet, emulated.Network);
        Assert.Equal(200, (await _provider.QuotaAsync(access, ct)).InstancesLeft);
    }

    [Fact]
    public async Task A_create_repeated_for_the_same_host_starts_no_second_instance()
    {
        var ct = CancellationToken.None;

        var first = await _provider.CreateAsync(Access(), Spec("host-2"), ct);
        var second = await _provider.CreateAsync(Access(), Spec("host-2"), ct);

        Assert.Equal(first.Id, second.Id);
        Assert.Single(Cloud.Instances);
        Assert.Equal(199, (await _provider.QuotaAsync(Access(), ct)).InstancesLeft);
    }

    [Fact]
    public async Task A_create_for_a_host_whose_instance_was_terminated_starts_one_new_instance()
    {
        var ct = CancellationToken.None;
        var first = await _provider.CreateAsync(Access(), Spec("host-3"), ct);
        await _provider.TerminateAsync(Access(), first.Id, ct);

        var second = await _provider.CreateAsync(Access(), Spec("host-3"), ct);
        var third = await _provider.CreateAsync(Access(), Spec("host-3"), ct);

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(second.Id, third.Id);
        Assert.Equal(2, Cloud.Instances.Count);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_as_credentials_in_AWSs_words()
    {
        var ct = CancellationToken.None;

        var wrongSecret = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CheckAsync(Access(secret: "not-the-secret"), ct)
        );
        var unknownKey = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CheckAsync(Access(key: "AKIAUNKNOWN"), ct)
        );

        Assert.Equal(CloudRefusalKind.Credentials, wrongSecret.Kind);
        Assert.Equal("SignatureDoesNotMatch", wrongSecret.ProviderCode);
        Assert.StartsWith(
            "SignatureDoesNotMatch: The request signature we calculated does not match",
            wrongSecret.Message
        );
        Assert.DoesNotContain("not-the-secret", wrongSecret.ToString());
        Assert.Equal(CloudRefusalKind.Credentials, unknownKey.Kind);
        Assert.Equal("AuthFailure: AWS was not able to validate the provided access credentials", unknownKey.Message);
    }

    [Fact]
    public async Task An_unknown_instance_type_zone_subnet_or_image_is_refused_as_invalid()
    {
        var ct = CancellationToken.None;

        var type = await Refused(Spec("h") with { InstanceType = "huge.64c" }, ct);
        var zone = await Refused(Spec("h") with { Zone = "sandbox-1z", Subnet = "" }, ct);
        var subnet = await Refused(Spec("h") with { Subnet = "subnet-nowhere" }, ct);
        var image = await Refused(Spec("h") with { Image = "ami-0000" }, ct);

        Assert.All(new[] { type, zone, subnet, image }, r => Assert.Equal(CloudRefusalKind.Invalid, r.Kind));
        Assert.Equal("InvalidParameterValue: Invalid value 'huge.64c' for InstanceType.", type.Message);
        Assert.Equal("InvalidParameterValue: Invalid availability zone: [sandbox-1z]", zone.Message);
        Assert.Equal("InvalidSubnetID.NotFound: The subnet ID 'subnet-nowhere' does not exist", subnet.Message);
        Assert.Equal("InvalidAMIID.NotFound: The image id '[ami-0000]' does not exist", image.Message);
        Assert.Empty(Cloud.Instances);
    }

    [Fact]
    public async Task A_region_EC2_does_not_have_is_refused_as_invalid()
    {
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CheckAsync(Access() with { Region = "mars-1" }, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.Contains("mars-1", refusal.Message);
    }

    [Fact]
    public async Task The_instance_and_vcpu_quotas_are_refused_as_quota()
    {
        var ct = CancellationToken.None;
        Cloud.InstanceLimit = 1;
        Cloud.CpuLimit = 3;
        await _provider.CreateAsync(Access(), Spec("q-1"), ct);

        var instances = await Refused(Spec("q-2"), ct);
        Cloud.InstanceLimit = 5;
        var cpus = await Refused(Spec("q-3"), ct);

        Assert.Equal(CloudRefusalKind.Quota, instances.Kind);
        Assert.Equal("InstanceLimitExceeded", instances.ProviderCode);
        Assert.Equal(CloudRefusalKind.Quota, cpus.Kind);
        Assert.Equal("VcpuLimitExceeded", cpus.ProviderCode);
        Assert.Contains("current vCPU limit of 3", cpus.Message);
        Assert.Equal(new CloudQuota(4, null), await _provider.QuotaAsync(Access(), ct));
    }

    [Fact]
    public async Task A_few_throttled_requests_are_retried_through_by_the_SDK()
    {
        Cloud.Faults.ThrottleNext(2);
        var before = Cloud.Calls;

        var quota = await _provider.QuotaAsync(Access(), CancellationToken.None);

        Assert.Equal(200, quota.InstancesLeft);
        Assert.Equal(4, Cloud.Calls - before);
    }

    [Fact]
    public async Task Throttling_that_lasts_is_refused_as_throttled_after_a_bounded_retry()
    {
        Cloud.Faults.ThrottleNext(100);
        var before = Cloud.Calls;

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CheckAsync(Access(), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Throttled, refusal.Kind);
        Assert.Equal("RequestLimitExceeded: Request limit exceeded.", refusal.Message);
        Assert.True(refusal.Transient);
        Assert.Equal(1 + 3, Cloud.Calls - before);
    }

    [Fact]
    public async Task Server_errors_that_last_are_refused_as_unavailable()
    {
        Cloud.Faults.FailNext(100);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CatalogAsync(Access(), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Unavailable, refusal.Kind);
        Assert.Equal("InternalError: An internal error has occurred", refusal.Message);
    }

    [Fact]
    public async Task Terminating_an_instance_EC2_does_not_know_is_no_error_and_getting_it_finds_nothing()
    {
        var ct = CancellationToken.None;

        await _provider.TerminateAsync(Access(), "i-0123456789abcdef0", ct);

        Assert.Null(await _provider.GetAsync(Access(), "i-0123456789abcdef0", ct));
    }

    [Fact]
    public async Task The_catalog_reads_every_page_of_instance_types_and_the_public_images_the_account_names()
    {
        Cloud.InstanceTypes =
        [
            .. Enumerable.Range(1, 130).Select(n => new EmulatedInstanceType($"t{n}.x", n, n * 1024)),
        ];
        var access = Access() with
        {
            Settings = new Dictionary<string, string> { [AwsCloudProvider.ImageIdsField] = "ami-0000" },
        };

        var catalog = await _provider.CatalogAsync(Access(), CancellationToken.None);
        var unknownImage = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CatalogAsync(access, CancellationToken.None)
        );

        Assert.Equal(130, catalog.InstanceTypes.Count);
        Assert.Contains(new CloudInstanceType("t130.x", 130, 130 * 1024), catalog.InstanceTypes);
        Assert.Equal(CloudRefusalKind.Invalid, unknownImage.Kind);
        Assert.Equal("InvalidAMIID.NotFound", unknownImage.ProviderCode);
    }

    private async Task<CloudRefusal> Refused(InstanceSpec spec, CancellationToken ct) =>
        await Assert.ThrowsAsync<CloudRefusal>(() => _provider.CreateAsync(Access(), spec, ct));

    private async Task<CloudInstance> RunningAsync(CloudAccess access, string id, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var instance = await _provider.GetAsync(access, id, ct);
            if (instance?.State == CloudInstanceState.Running || DateTime.UtcNow > deadline)
                return instance is { State: CloudInstanceState.Running }
                    ? instance
                    : throw new TimeoutException($"{id} is {instance?.State} after 10 s");
            await Task.Delay(100, ct);
        }
    }

    private CloudAccess Access(string? key = null, string? secret = null) =>
        new(
            Guid.NewGuid(),
            CloudKind.Aws,
            _sandbox.EndpointOf("Aws"),
            Region,
            new Dictionary<string, string>(),
            new Dictionary<string, string>
            {
                [AwsCloudProvider.AccessKeyIdField] = key ?? _sandbox.Options.AccessKey,
                [AwsCloudProvider.SecretAccessKeyField] = secret ?? _sandbox.Options.Secret,
            }
        );

    private static InstanceSpec Spec(string hostTag) =>
        new(
            hostTag,
            "node-1",
            "sandbox-1b",
            "small.2c4g",
            "img-debian-12",
            30,
            "net-sandbox",
            Subnet,
            "sg-nodes",
            "ops-key",
            "#cloud-config\nruncmd: [echo hi]\n",
            new Dictionary<string, string> { [CloudTags.Pool] = "pool-a" }
        );
}

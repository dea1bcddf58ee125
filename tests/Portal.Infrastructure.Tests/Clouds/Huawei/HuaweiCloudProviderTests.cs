using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.Huawei;
using Portal.SandboxCloud.Hosting;
using Portal.SandboxCloud.Huawei;
using CloudSandbox = Portal.SandboxCloud.Hosting.SandboxCloud;

namespace Portal.Infrastructure.Tests.Clouds.Huawei;

/// <summary>The ECS client against the sandbox's Huawei Cloud, which checks signatures as API Gateway does.</summary>
public sealed class HuaweiCloudProviderTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly HuaweiCloudProvider _provider = new(
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>(),
        TimeProvider.System
    );

    private CloudSandbox _sandbox = null!;

    private EmulatedCloud Cloud => _sandbox["Huawei"];

    public async Task InitializeAsync() =>
        _sandbox = await CloudSandbox.StartAsync(
            new SandboxCloudOptions { BootDelay = TimeSpan.FromMilliseconds(300) },
            [new HuaweiEmulator()],
            Ct
        );

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task A_server_is_created_found_by_its_tag_runs_and_is_gone_once_deleted()
    {
        var access = Access();

        Assert.Equal(HuaweiEmulator.ProjectIdOf("sandbox-1"), await _provider.CheckAsync(access, Ct));
        var catalog = await _provider.CatalogAsync(access, Ct);
        Assert.Equal(["sandbox-1a", "sandbox-1b"], catalog.Zones);
        Assert.Contains(new CloudInstanceType("medium.4c8g", 4, 8192), catalog.InstanceTypes);
        Assert.Contains(new CloudImage("img-ubuntu-2404", "Ubuntu 24.04 LTS"), catalog.Images);
        Assert.Equal(["net-sandbox"], catalog.Networks);
        Assert.Equal(["net-sandbox-subnet"], catalog.Subnets);
        Assert.Equal(["sg-nodes"], catalog.SecurityGroups);
        Assert.Equal(["ops-key"], catalog.KeyPairs);
        Assert.Equal(new CloudQuota(200, 1000), await _provider.QuotaAsync(access, Ct));

        var created = await _provider.CreateAsync(access, Spec("host-1"), Ct);

        // The create job succeeds once the server is ACTIVE.
        Assert.Equal(CloudInstanceState.Running, created.State);
        Assert.Equal("host-1", created.HostTag);
        Assert.Equal("sandbox-1b", created.Zone);
        var emulated = Cloud.Find(created.Id)!;
        Assert.Equal(emulated.PrivateAddress, created.PrivateAddress);
        Assert.Equal("#cloud-config\nruncmd: [echo hello]\n", emulated.UserData);
        Assert.Equal(30, emulated.SystemDiskGiB);
        Assert.Equal("pool-a", emulated.Tags[CloudTags.Pool]);
        Assert.Equal(CloudTags.Portal, emulated.Tags[CloudTags.ManagedBy]);
        Assert.Equal(new CloudQuota(199, 996), await _provider.QuotaAsync(access, Ct));
        Assert.Equal(created.Id, (await _provider.FindByHostTagAsync(access, "host-1", Ct))?.Id);
        Assert.Null(await _provider.FindByHostTagAsync(access, "host-2", Ct));
        Assert.Equal([created.Id], (await _provider.ListManagedAsync(access, Ct)).Select(i => i.Id));

        await _provider.TerminateAsync(access, created.Id, Ct);

        Assert.Equal(CloudInstanceState.Terminated, (await _provider.GetAsync(access, created.Id, Ct))?.State);
        Assert.Null(await _provider.FindByHostTagAsync(access, "host-1", Ct));
        Assert.Empty(await _provider.ListManagedAsync(access, Ct));
        Assert.Null(await _provider.GetAsync(access, "i-never-made", Ct));
        await _provider.TerminateAsync(access, created.Id, Ct);
        await _provider.TerminateAsync(access, "i-never-made", Ct);
    }

    [Fact]
    public async Task A_repeated_create_with_the_same_host_tag_makes_no_second_server()
    {
        var first = await _provider.CreateAsync(Access(), Spec("host-1"), Ct);
        var second = await _provider.CreateAsync(Access(), Spec("host-1"), Ct);

        Assert.Equal(first.Id, second.Id);
        Assert.Single(Cloud.Instances);
    }

    [Fact]
    public async Task The_managed_list_pages_through_every_server_of_the_portal()
    {
        var access = Access();
        for (var n = 0; n < 103; n++)
            await Cloud.CreateAsync(
                "sandbox-1",
                "sandbox-1a",
                "small.2c4g",
                "img-debian-12",
                $"node-{n}",
                new Dictionary<string, string> { [CloudTags.ManagedBy] = CloudTags.Portal },
                "",
                null,
                Ct
            );

        Assert.Equal(103, (await _provider.ListManagedAsync(access, Ct)).Select(i => i.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_wrong_secret_key_is_refused_in_Huaweis_words()
    {
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CheckAsync(Access(secret: "not-the-secret"), Ct)
        );

        Assert.Equal(CloudRefusalKind.Credentials, refusal.Kind);
        Assert.Equal("APIGW.0301", refusal.ProviderCode);
        Assert.Equal(
            "APIGW.0301: Incorrect IAM authentication information: verify aksk signature fail",
            refusal.Message
        );
    }

    [Fact]
    public async Task An_unknown_region_or_a_project_of_another_region_is_refused_as_invalid()
    {
        var region = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.CheckAsync(Access("nowhere-9"), Ct));
        var project = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CheckAsync(Access(projectId: HuaweiEmulator.ProjectIdOf("sandbox-2")), Ct)
        );

        Assert.Equal(CloudRefusalKind.Invalid, region.Kind);
        Assert.Contains("nowhere-9", region.Message);
        Assert.Equal(CloudRefusalKind.Invalid, project.Kind);
        Assert.Contains(HuaweiEmulator.ProjectIdOf("sandbox-1"), project.Message);
    }

    [Fact]
    public async Task An_unknown_flavor_or_image_is_refused_as_invalid()
    {
        var flavor = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CreateAsync(Access(), Spec("host-1") with { InstanceType = "huge.96c" }, Ct)
        );
        var image = await Assert.ThrowsAsync<CloudRefusal>(() =>
            _provider.CreateAsync(Access(), Spec("host-1") with { Image = "img-gone" }, Ct)
        );

        Assert.Equal(CloudRefusalKind.Invalid, flavor.Kind);
        Assert.Equal("Ecs.0005", flavor.ProviderCode);
        Assert.Contains("huge.96c", flavor.Message);
        Assert.Equal(CloudRefusalKind.Invalid, image.Kind);
        Assert.Contains("img-gone", image.Message);
        Assert.Empty(Cloud.Instances);
    }

    [Fact]
    public async Task A_create_over_the_instance_quota_is_refused_as_quota_with_the_numbers()
    {
        Cloud.InstanceLimit = 1;
        await _provider.CreateAsync(Access(), Spec("host-1"), Ct);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.CreateAsync(Access(), Spec("host-2"), Ct));

        Assert.Equal(CloudRefusalKind.Quota, refusal.Kind);
        Assert.Equal("Ecs.0001", refusal.ProviderCode);
        Assert.Contains("1 of 1 in use", refusal.Message);
        Assert.Equal(new CloudQuota(0, 996), await _provider.QuotaAsync(Access(), Ct));
    }

    [Fact]
    public async Task A_server_deleted_before_it_runs_fails_its_create_job()
    {
        var create = _provider.CreateAsync(Access(), Spec("host-1"), Ct);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Cloud.Instances.Count == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(10, Ct);
        Cloud.Terminate(Assert.Single(Cloud.Instances).Id);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => create);

        Assert.Equal("Ecs.0000: The server was deleted before it became active.", refusal.Message);
    }

    [Fact]
    public async Task Throttling_twice_is_retried_through()
    {
        Cloud.Faults.ThrottleNext(2);

        var server = await _provider.CreateAsync(Access(), Spec("host-1"), Ct);

        Assert.Equal(server.Id, Assert.Single(Cloud.Instances).Id);
    }

    [Fact]
    public async Task Throttling_that_goes_on_is_refused_as_throttled()
    {
        Cloud.Faults.ThrottleNext(100);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.QuotaAsync(Access(), Ct));

        Assert.Equal(CloudRefusalKind.Throttled, refusal.Kind);
        Assert.Equal("APIGW.0308", refusal.ProviderCode);
    }

    [Fact]
    public async Task Server_errors_that_go_on_are_refused_as_unavailable_after_retries()
    {
        Cloud.Faults.FailNext(100);
        var before = Cloud.Calls;

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => _provider.QuotaAsync(Access(), Ct));

        Assert.Equal(CloudRefusalKind.Unavailable, refusal.Kind);
        Assert.Equal("Ecs.0002", refusal.ProviderCode);
        Assert.True(Cloud.Calls - before > 1, "the client retries a server error");
    }

    private CloudAccess Access(string region = "sandbox-1", string? secret = null, string projectId = "") =>
        new(
            Guid.NewGuid(),
            CloudKind.Huawei,
            _sandbox.EndpointOf("Huawei"),
            region,
            new Dictionary<string, string> { [HuaweiCloudProvider.ProjectIdField] = projectId },
            new Dictionary<string, string>
            {
                [HuaweiCloudProvider.AccessKeyField] = _sandbox.Options.AccessKey,
                [HuaweiCloudProvider.SecretKeyField] = secret ?? _sandbox.Options.Secret,
            }
        );

    private static InstanceSpec Spec(string hostTag) =>
        new(
            hostTag,
            "node-" + hostTag,
            "sandbox-1b",
            "medium.4c8g",
            "img-debian-12",
            30,
            "net-sandbox",
            "net-sandbox-subnet",
            "sg-nodes",
            "ops-key",
            "#cloud-config\nruncmd: [echo hello]\n",
            new Dictionary<string, string> { [CloudTags.Pool] = "pool-a" }
        );
}

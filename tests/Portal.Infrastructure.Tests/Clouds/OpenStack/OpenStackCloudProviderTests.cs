using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.OpenStack;
using Portal.SandboxCloud.Hosting;
using Portal.SandboxCloud.OpenStack;

namespace Portal.Infrastructure.Tests.Clouds.OpenStack;

/// <summary>The OpenStack provider against the sandbox cloud's OpenStack (Keystone, Nova, Glance, Neutron).</summary>
public sealed class OpenStackCloudProviderTests : IAsyncLifetime
{
    private const string Region = "sandbox-1";

    private static readonly IHttpClientFactory HttpFactory = new ServiceCollection()
        .AddHttpClient()
        .BuildServiceProvider()
        .GetRequiredService<IHttpClientFactory>();

    private readonly OpenStackEmulator _emulator = new();
    private readonly ShiftedClock _clock = new();
    private SandboxCloud.Hosting.SandboxCloud _sandbox = null!;

    private EmulatedCloud Cloud => _sandbox[_emulator.Kind];

    public async Task InitializeAsync() =>
        _sandbox = await SandboxCloud.Hosting.SandboxCloud.StartAsync(
            new SandboxCloudOptions { BootDelay = TimeSpan.FromMilliseconds(300) },
            [_emulator],
            CancellationToken.None
        );

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Password_authentication_checks_the_account_and_answers_its_project_id()
    {
        var projectId = await Provider().CheckAsync(PasswordAccess(), CancellationToken.None);

        Assert.Equal(_emulator.ProjectId, projectId);
        Assert.Equal(1, _emulator.TokensIssued);
    }

    [Fact]
    public async Task Application_credential_authentication_checks_the_account()
    {
        Cloud.Credentials["4c7b0e4a9d2f4e1b"] = "app-credential-secret";
        var access = Access(
            new() { [OpenStackAccount.ApplicationCredentialId] = "4c7b0e4a9d2f4e1b" },
            new() { [OpenStackAccount.ApplicationCredentialSecret] = "app-credential-secret" }
        );

        var projectId = await Provider().CheckAsync(access, CancellationToken.None);

        Assert.Equal(_emulator.ProjectId, projectId);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_as_credentials_in_keystones_words()
    {
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().CheckAsync(PasswordAccess(password: "not-the-password"), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Credentials, refusal.Kind);
        Assert.Equal("Unauthorized: The request you have made requires authentication.", refusal.Message);
        Assert.DoesNotContain("not-the-password", refusal.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_application_credential_secret_is_refused_as_credentials()
    {
        Cloud.Credentials["4c7b0e4a9d2f4e1b"] = "app-credential-secret";
        var access = Access(
            new() { [OpenStackAccount.ApplicationCredentialId] = "4c7b0e4a9d2f4e1b" },
            new() { [OpenStackAccount.ApplicationCredentialSecret] = "another-secret" }
        );

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().CheckAsync(access, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Credentials, refusal.Kind);
    }

    [Fact]
    public async Task An_account_without_an_auth_url_is_refused_as_invalid()
    {
        var access = PasswordAccess() with { Endpoint = null };

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().CheckAsync(access, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
    }

    [Fact]
    public async Task One_token_serves_the_calls_of_an_account_until_shortly_before_it_expires()
    {
        var provider = Provider();
        var access = PasswordAccess();

        await provider.CheckAsync(access, CancellationToken.None);
        await provider.CatalogAsync(access, CancellationToken.None);
        await provider.QuotaAsync(access, CancellationToken.None);
        Assert.Equal(1, _emulator.TokensIssued);

        _clock.Shift = _emulator.TokenLifetime - TimeSpan.FromMinutes(2);
        await provider.QuotaAsync(access, CancellationToken.None);
        Assert.Equal(2, _emulator.TokensIssued);
    }

    [Fact]
    public async Task Concurrent_calls_of_an_account_take_one_token()
    {
        var provider = Provider();
        var access = PasswordAccess();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => provider.QuotaAsync(access, CancellationToken.None)));

        Assert.Equal(1, _emulator.TokensIssued);
    }

    [Fact]
    public async Task A_token_refused_with_401_is_replaced_once()
    {
        var provider = Provider();
        var access = PasswordAccess();
        await provider.QuotaAsync(access, CancellationToken.None);

        _emulator.RevokeTokens();
        var quota = await provider.QuotaAsync(access, CancellationToken.None);

        Assert.Equal(200, quota.InstancesLeft);
        Assert.Equal(2, _emulator.TokensIssued);
    }

    [Fact]
    public async Task A_changed_password_authenticates_again_instead_of_using_the_old_token()
    {
        var provider = Provider();
        await provider.CheckAsync(PasswordAccess(), CancellationToken.None);

        await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.CheckAsync(PasswordAccess(password: "changed"), CancellationToken.None)
        );
    }

    [Fact]
    public async Task The_catalog_lists_zones_flavors_images_networks_groups_and_key_pairs_of_the_region()
    {
        var catalog = await Provider().CatalogAsync(PasswordAccess(), CancellationToken.None);

        Assert.Equal(new[] { "sandbox-1a", "sandbox-1b" }, catalog.Zones);
        Assert.Contains(new CloudInstanceType("medium.4c8g", 4, 8192), catalog.InstanceTypes);
        Assert.Contains(new CloudImage("img-debian-12", "Debian 12 (bookworm)"), catalog.Images);
        Assert.Equal(new[] { "net-sandbox" }, catalog.Networks);
        Assert.Equal(new[] { "sg-nodes" }, catalog.SecurityGroups);
        Assert.Equal(new[] { "ops-key" }, catalog.KeyPairs);
    }

    [Fact]
    public async Task The_catalog_follows_glances_pages()
    {
        Cloud.Images = Enumerable.Range(1, 30).ToDictionary(i => $"img-{i:D2}", i => $"Image {i:D2}");

        var catalog = await Provider().CatalogAsync(PasswordAccess(), CancellationToken.None);

        Assert.Equal(30, catalog.Images.Count);
    }

    [Fact]
    public async Task The_quota_is_what_novas_absolute_limits_leave()
    {
        Cloud.InstanceLimit = 5;
        Cloud.CpuLimit = 12;
        var provider = Provider();
        var access = PasswordAccess();
        await provider.CreateAsync(access, Spec("host-a", "medium.4c8g"), CancellationToken.None);

        var quota = await provider.QuotaAsync(access, CancellationToken.None);

        Assert.Equal(new CloudQuota(4, 8), quota);
    }

    [Fact]
    public async Task An_instance_is_created_found_by_its_host_tag_runs_is_listed_and_is_terminated()
    {
        var provider = Provider();
        var access = PasswordAccess();
        Assert.Equal(_emulator.ProjectId, await provider.CheckAsync(access, CancellationToken.None));
        var catalog = await provider.CatalogAsync(access, CancellationToken.None);
        Assert.NotEmpty(catalog.InstanceTypes);
        Assert.Equal(200, (await provider.QuotaAsync(access, CancellationToken.None)).InstancesLeft);

        var created = await provider.CreateAsync(access, Spec("host-1"), CancellationToken.None);

        Assert.Equal(CloudInstanceState.Pending, created.State);
        Assert.Equal("host-1", created.HostTag);
        Assert.Equal("small.2c4g", created.InstanceType);
        Assert.Equal("sandbox-1b", created.Zone);
        var found = await provider.FindByHostTagAsync(access, "host-1", CancellationToken.None);
        Assert.Equal(created.Id, found?.Id);
        var running = await RunningAsync(provider, access, created.Id);
        Assert.NotNull(running.PrivateAddress);
        Assert.Equal("pool-7", running.Tags[CloudTags.Pool]);
        Assert.Equal(CloudTags.Portal, running.Tags[CloudTags.ManagedBy]);
        var emulated = Cloud.Find(created.Id)!;
        Assert.Equal("#cloud-config\nruncmd: [echo hello]\n", emulated.UserData);
        Assert.Equal(60, emulated.SystemDiskGiB);
        Assert.Equal("net-sandbox", emulated.Network);
        Assert.Equal("sg-nodes", emulated.SecurityGroup);
        Assert.Equal("ops-key", emulated.KeyPair);
        var managed = await provider.ListManagedAsync(access, CancellationToken.None);
        Assert.Equal(new[] { created.Id }, managed.Select(i => i.Id));

        await provider.TerminateAsync(access, created.Id, CancellationToken.None);

        Assert.Null(await provider.GetAsync(access, created.Id, CancellationToken.None));
        Assert.Null(await provider.FindByHostTagAsync(access, "host-1", CancellationToken.None));
        Assert.Empty(await provider.ListManagedAsync(access, CancellationToken.None));
        await provider.TerminateAsync(access, created.Id, CancellationToken.None);
    }

    [Fact]
    public async Task A_repeated_create_for_a_host_starts_no_second_server()
    {
        var provider = Provider();
        var access = PasswordAccess();

        var first = await provider.CreateAsync(access, Spec("host-2"), CancellationToken.None);
        var again = await provider.CreateAsync(access, Spec("host-2"), CancellationToken.None);

        Assert.Equal(first.Id, again.Id);
        Assert.Single(Cloud.Instances);
    }

    [Fact]
    public async Task An_unknown_flavor_is_refused_as_invalid_in_novas_words()
    {
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().CreateAsync(PasswordAccess(), Spec("host-3", "huge.64c"), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.Equal("badRequest: Flavor huge.64c could not be found.", refusal.Message);
    }

    [Fact]
    public async Task An_unknown_image_is_refused_as_invalid_in_novas_words()
    {
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().CreateAsync(PasswordAccess(), Spec("host-3") with { Image = "img-gone" }, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.Equal("badRequest: Image img-gone could not be found.", refusal.Message);
    }

    [Fact]
    public async Task An_unknown_zone_is_refused_as_invalid_in_novas_words()
    {
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().CreateAsync(PasswordAccess(), Spec("host-3") with { Zone = "moon-1" }, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.Equal("badRequest: The requested availability zone is not available", refusal.Message);
    }

    [Fact]
    public async Task A_region_missing_from_the_service_catalog_is_refused_as_invalid()
    {
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().QuotaAsync(PasswordAccess() with { Region = "mars-1" }, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.Contains("sandbox-1", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exceeded_instance_quota_is_refused_as_quota_with_novas_numbers()
    {
        Cloud.InstanceLimit = 1;
        var provider = Provider();
        var access = PasswordAccess();
        await provider.CreateAsync(access, Spec("host-4"), CancellationToken.None);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.CreateAsync(access, Spec("host-5"), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Quota, refusal.Kind);
        Assert.Equal(
            "forbidden: Quota exceeded for instances: Requested 1, but already used 1 of 1 instances",
            refusal.Message
        );
    }

    [Fact]
    public async Task An_exceeded_core_quota_is_refused_as_quota_with_novas_numbers()
    {
        Cloud.CpuLimit = 3;
        var provider = Provider();
        var access = PasswordAccess();
        await provider.CreateAsync(access, Spec("host-4"), CancellationToken.None);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.CreateAsync(access, Spec("host-5"), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Quota, refusal.Kind);
        Assert.Equal(
            "forbidden: Quota exceeded for cores: Requested 2, but already used 2 of 3 cores",
            refusal.Message
        );
    }

    [Fact]
    public async Task Throttled_calls_are_retried_through()
    {
        Cloud.Faults.ThrottleNext(2);

        var quota = await Provider().QuotaAsync(PasswordAccess(), CancellationToken.None);

        Assert.Equal(1000, quota.CpusLeft);
        Assert.False(Cloud.Faults.Throttles());
    }

    [Fact]
    public async Task A_throttled_call_waits_as_long_as_retry_after_says()
    {
        var provider = Provider();
        var access = PasswordAccess();
        await provider.QuotaAsync(access, CancellationToken.None);
        Cloud.Faults.ThrottleNext(1);
        var started = DateTime.UtcNow;

        await provider.QuotaAsync(access, CancellationToken.None);

        // The emulator says Retry-After: 1; the client's own first backoff would be a quarter of that.
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(900));
    }

    [Fact]
    public async Task Persistent_throttling_is_refused_as_throttled()
    {
        Cloud.Faults.ThrottleNext(100);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().QuotaAsync(PasswordAccess(), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Throttled, refusal.Kind);
        Assert.Equal("overLimit: This request was rate-limited.", refusal.Message);
    }

    [Fact]
    public async Task A_failing_nova_is_refused_as_unavailable()
    {
        Cloud.Faults.FailNext(100);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            Provider().QuotaAsync(PasswordAccess(), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Unavailable, refusal.Kind);
        Assert.StartsWith("computeFault: Unexpected API Error.", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_that_passes_is_retried_through()
    {
        Cloud.Faults.FailNext(2);

        var quota = await Provider().QuotaAsync(PasswordAccess(), CancellationToken.None);

        Assert.Equal(200, quota.InstancesLeft);
    }

    private OpenStackCloudProvider Provider() => new(HttpFactory, _clock);

    private CloudAccess PasswordAccess(string? password = null) =>
        Access(
            new()
            {
                [OpenStackAccount.UserName] = _sandbox.Options.AccessKey,
                [OpenStackAccount.ProjectName] = _emulator.ProjectName,
            },
            new() { [OpenStackAccount.Password] = password ?? _sandbox.Options.Secret }
        );

    private CloudAccess Access(Dictionary<string, string> settings, Dictionary<string, string> secrets) =>
        new(Guid.NewGuid(), CloudKind.OpenStack, _sandbox.EndpointOf(_emulator.Kind), Region, settings, secrets);

    private static InstanceSpec Spec(string hostTag, string flavor = "small.2c4g") =>
        new(
            hostTag,
            $"node-{hostTag}",
            "sandbox-1b",
            flavor,
            "img-debian-12",
            60,
            "net-sandbox",
            "",
            "sg-nodes",
            "ops-key",
            "#cloud-config\nruncmd: [echo hello]\n",
            new Dictionary<string, string> { [CloudTags.Pool] = "pool-7" }
        );

    private static async Task<CloudInstance> RunningAsync(ICloudProvider provider, CloudAccess access, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var instance = await provider.GetAsync(access, id, CancellationToken.None);
            if (instance?.State == CloudInstanceState.Running)
                return instance;
            Assert.True(DateTime.UtcNow < deadline, $"The server is {instance?.State}, not Running, after 15 s.");
            await Task.Delay(100);
        }
    }

    /// <summary>The system's clock, moved on by <see cref="Shift"/>, to let the client's tokens age.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }
}

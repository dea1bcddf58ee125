using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.VSphere;
using Portal.SandboxCloud.Hosting;

namespace Portal.Infrastructure.Tests.Clouds.VSphere;

/// <summary>The vSphere provider against the sandbox cloud's emulated vCenter.</summary>
public sealed class VSphereCloudProviderTests
{
    [Fact]
    public async Task A_session_is_made_once_reused_and_made_again_once_after_vcenter_forgets_it()
    {
        await using var world = await VSphereWorld.StartAsync();

        var said = await world.Provider.CheckAsync(world.Account, world.Ct);
        await world.Provider.CatalogAsync(world.Account, world.Ct);
        await world.Provider.FindByHostTagAsync(world.Account, "host-1", world.Ct);
        Assert.Equal(1, world.Emulator.SessionsMade);

        world.Emulator.ExpireSessions();
        var catalog = await world.Provider.CatalogAsync(world.Account, world.Ct);
        await world.Provider.CatalogAsync(world.Account, world.Ct);

        Assert.Equal(2, world.Emulator.SessionsMade);
        Assert.Contains("sandbox-access-key", said, StringComparison.Ordinal);
        Assert.Contains("datacenter sandbox-1", said, StringComparison.Ordinal);
        Assert.Equal(["sandbox-1a", "sandbox-1b"], catalog.Zones);
    }

    [Fact]
    public async Task Lookups_made_at_once_without_a_session_make_one_session_and_no_tag_category()
    {
        await using var world = await VSphereWorld.StartAsync();

        await Task.WhenAll(
            Enumerable.Range(0, 8).Select(_ => world.Provider.FindByHostTagAsync(world.Account, "host-1", world.Ct))
        );

        Assert.Equal(1, world.Emulator.SessionsMade);
        Assert.Empty(world.Emulator.Inventory.Categories);
    }

    [Fact]
    public async Task The_catalog_offers_the_clusters_the_library_templates_the_networks_and_the_accounts_sizes()
    {
        await using var world = await VSphereWorld.StartAsync();

        var catalog = await world.Provider.CatalogAsync(world.Account, world.Ct);

        Assert.Equal(["sandbox-1a", "sandbox-1b"], catalog.Zones);
        Assert.Equal([new("small", 2, 4096), new("medium", 4, 8192), new("large", 8, 32768)], catalog.InstanceTypes);
        Assert.Equal(
            [new("img-debian-12", "Debian 12 (bookworm)"), new("img-ubuntu-2404", "Ubuntu 24.04 LTS")],
            catalog.Images.OrderBy(i => i.Id, StringComparer.Ordinal)
        );
        Assert.Equal(["net-sandbox"], catalog.Networks);
        Assert.Equal(new CloudQuota(null, null), await world.Provider.QuotaAsync(world.Account, world.Ct));
    }

    [Fact]
    public async Task A_host_is_deployed_customised_with_its_user_data_powered_on_found_by_its_tag_and_terminated()
    {
        await using var world = await VSphereWorld.StartAsync();
        var spec = VSphereWorld.Spec("host-1");
        await world.Provider.CheckAsync(world.Account, world.Ct);

        var created = await world.Provider.CreateAsync(world.Account, spec, world.Ct);
        var found = await world.Provider.FindByHostTagAsync(world.Account, "host-1", world.Ct);
        var running = await world.RunningAsync(created.Id);
        var managed = await world.Provider.ListManagedAsync(world.Account, world.Ct);

        Assert.Equal(created.Id, found?.Id);
        Assert.Equal("host-1", found?.HostTag);
        Assert.Equal("gpu", found?.Tags[CloudTags.Pool]);
        Assert.Equal(CloudTags.Portal, found?.Tags[CloudTags.ManagedBy]);
        var booted = Assert.Single(world.Cloud.Instances);
        Assert.Equal(spec.UserData, booted.UserData);
        Assert.Equal(("medium.4c8g", "sandbox-1a", 60), (booted.Type.Name, booted.Zone, booted.SystemDiskGiB));
        Assert.Equal("host-1", booted.Tags[CloudTags.Host]);
        Assert.Equal(booted.PrivateAddress, running.PrivateAddress);
        Assert.Equal(("node-host-1", "medium", "sandbox-1a"), (running.Name, running.InstanceType, running.Zone));
        Assert.Equal([created.Id], managed.Select(i => i.Id));

        await world.Provider.TerminateAsync(world.Account, created.Id, world.Ct);

        Assert.Null(await world.Provider.GetAsync(world.Account, created.Id, world.Ct));
        Assert.Null(await world.Provider.FindByHostTagAsync(world.Account, "host-1", world.Ct));
        Assert.Empty(await world.Provider.ListManagedAsync(world.Account, world.Ct));
        Assert.Empty(world.Emulator.Inventory.Vms);
        Assert.Equal(EmulatedState.Terminated, booted.State);
        Assert.DoesNotContain(world.Emulator.Inventory.Tags.Values, t => t.Name == "portal-host=host-1");
        await world.Provider.TerminateAsync(world.Account, created.Id, world.Ct);
    }

    [Fact]
    public async Task A_host_is_pending_until_vmware_tools_reports_its_address()
    {
        await using var world = await VSphereWorld.StartAsync(bootDelay: TimeSpan.FromSeconds(3));

        var created = await world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("host-1"), world.Ct);

        Assert.Equal(CloudInstanceState.Pending, created.State);
        Assert.Null(created.PrivateAddress);
        Assert.NotNull((await world.RunningAsync(created.Id)).PrivateAddress);
    }

    [Fact]
    public async Task A_create_repeated_for_one_host_makes_no_second_vm()
    {
        await using var world = await VSphereWorld.StartAsync();
        var spec = VSphereWorld.Spec("host-1");
        var first = await world.Provider.CreateAsync(world.Account, spec, world.Ct);

        // After a crash the caller looks for the host's VM first and finds it; a create repeated anyway (its answer
        // lost) is refused by vCenter for the name, and the provider takes up the VM it made.
        var found = await world.Provider.FindByHostTagAsync(world.Account, "host-1", world.Ct);
        var again = await world.Provider.CreateAsync(world.Account, spec, world.Ct);

        Assert.Equal(first.Id, found?.Id);
        Assert.Equal(first.Id, again.Id);
        Assert.Single(world.Emulator.Inventory.Vms);
        Assert.Single(world.Cloud.Instances);
    }

    [Fact]
    public async Task A_name_taken_by_another_hosts_vm_is_refused_in_vcenters_words()
    {
        await using var world = await VSphereWorld.StartAsync();
        await world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("host-1"), world.Ct);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("host-1") with { HostTag = "host-2" }, world.Ct)
        );

        Assert.Equal(("ALREADY_EXISTS", CloudRefusalKind.Invalid), (refusal.ProviderCode, refusal.Kind));
        Assert.Contains("The name 'node-host-1' already exists.", refusal.Message, StringComparison.Ordinal);
        Assert.Single(world.Emulator.Inventory.Vms);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_as_credentials_in_vcenters_words()
    {
        await using var world = await VSphereWorld.StartAsync();
        var account = world.AccountWith("not-the-password");

        var check = await Assert.ThrowsAsync<CloudRefusal>(() => world.Provider.CheckAsync(account, world.Ct));
        var catalog = await Assert.ThrowsAsync<CloudRefusal>(() => world.Provider.CatalogAsync(account, world.Ct));

        Assert.Equal((CloudRefusalKind.Credentials, "UNAUTHENTICATED"), (check.Kind, check.ProviderCode));
        Assert.Contains("Authentication required.", check.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", check.Message, StringComparison.Ordinal);
        Assert.Equal(CloudRefusalKind.Credentials, catalog.Kind);
    }

    [Fact]
    public async Task An_unknown_template_cluster_or_size_is_refused_as_invalid_and_leaves_no_vm()
    {
        await using var world = await VSphereWorld.StartAsync();

        var template = await Assert.ThrowsAsync<CloudRefusal>(() =>
            world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("h1", image: "img-windows"), world.Ct)
        );
        var cluster = await Assert.ThrowsAsync<CloudRefusal>(() =>
            world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("h2", zone: "sandbox-9z"), world.Ct)
        );
        var size = await Assert.ThrowsAsync<CloudRefusal>(() =>
            world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("h3", size: "huge"), world.Ct)
        );
        var unfit = await Assert.ThrowsAsync<CloudRefusal>(() =>
            world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("h4", size: "3x1000"), world.Ct)
        );

        Assert.All([template, cluster, size, unfit], r => Assert.Equal(CloudRefusalKind.Invalid, r.Kind));
        Assert.Equal("NOT_FOUND", template.ProviderCode);
        Assert.Contains("The library item 'img-windows' does not exist.", template.Message, StringComparison.Ordinal);
        Assert.Contains("cluster (zone) 'sandbox-9z'", cluster.Message, StringComparison.Ordinal);
        Assert.Contains(
            "The size 'huge' is not one of the account's (small, medium, large)",
            size.Message,
            StringComparison.Ordinal
        );
        Assert.Equal("INVALID_ARGUMENT", unfit.ProviderCode);
        Assert.Empty(world.Emulator.Inventory.Vms);
    }

    [Fact]
    public async Task A_full_quota_at_power_on_is_refused_as_quota_and_the_half_made_vm_is_deleted()
    {
        await using var world = await VSphereWorld.StartAsync();
        world.Cloud.InstanceLimit = 0;

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("host-1"), world.Ct)
        );

        Assert.Equal((CloudRefusalKind.Quota, "UNABLE_TO_ALLOCATE_RESOURCE"), (refusal.Kind, refusal.ProviderCode));
        Assert.Empty(world.Emulator.Inventory.Vms);
        Assert.Null(await world.Provider.FindByHostTagAsync(world.Account, "host-1", world.Ct));
    }

    [Fact]
    public async Task Throttling_and_a_failure_are_retried_through_and_persistent_ones_are_refused_as_such()
    {
        await using var world = await VSphereWorld.StartAsync();
        await world.Provider.CheckAsync(world.Account, world.Ct);

        world.Cloud.Faults.ThrottleNext(2);
        var catalog = await world.Provider.CatalogAsync(world.Account, world.Ct);
        world.Cloud.Faults.FailNext(1);
        var created = await world.Provider.CreateAsync(world.Account, VSphereWorld.Spec("host-1"), world.Ct);

        world.Cloud.Faults.ThrottleNext(100);
        var throttled = await Assert.ThrowsAsync<CloudRefusal>(() =>
            world.Provider.CatalogAsync(world.Account, world.Ct)
        );
        world.Cloud.Faults.Clear();
        world.Cloud.Faults.FailNext(100);
        var failed = await Assert.ThrowsAsync<CloudRefusal>(() =>
            world.Provider.GetAsync(world.Account, created.Id, world.Ct)
        );

        Assert.Equal(2, catalog.Zones.Count);
        Assert.Single(world.Emulator.Inventory.Vms);
        Assert.Equal((CloudRefusalKind.Throttled, "RESOURCE_BUSY"), (throttled.Kind, throttled.ProviderCode));
        Assert.Equal((CloudRefusalKind.Unavailable, "ERROR"), (failed.Kind, failed.ProviderCode));
        Assert.Contains("An internal error occurred in vpxd.", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_accounts_folder_resource_pool_and_datastore_are_checked_and_used()
    {
        await using var world = await VSphereWorld.StartAsync();
        var placed = world.AccountWith(
            world.Sandbox.Options.Secret,
            new Dictionary<string, string>
            {
                [VSphereFields.Folder] = "vm",
                [VSphereFields.ResourcePool] = "sandbox-1b-pool",
                [VSphereFields.Datastore] = "datastore1",
            }
        );
        var missing = world.AccountWith(
            world.Sandbox.Options.Secret,
            new Dictionary<string, string> { [VSphereFields.Datastore] = "datastore9" }
        );

        await world.Provider.CheckAsync(placed, world.Ct);
        var created = await world.Provider.CreateAsync(placed, VSphereWorld.Spec("host-1", zone: ""), world.Ct);
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() => world.Provider.CheckAsync(missing, world.Ct));

        Assert.Equal("sandbox-1b", created.Zone);
        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.Contains("datastore 'datastore9'", refusal.Message, StringComparison.Ordinal);
    }
}

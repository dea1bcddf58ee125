using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.VSphere;

/// <summary>
/// VMware vSphere through vCenter's Automation API. The account's region (or its Datacenter setting) is a datacenter,
/// its zones are the datacenter's clusters, its images the VM templates of its content libraries, its instance types
/// the sizes of its <see cref="VSphereFields.Sizes"/> setting. A host is a VM deployed powered off from a template
/// with the size's CPUs and memory, tagged through vSphere tagging (<see cref="VSphereTagging"/>), given the user data
/// by a cloud-init guest customisation (vSphere 7.0U3 and later), then powered on.
/// </summary>
public sealed class VSphereCloudProvider : ICloudProvider
{
    private const string VirtualMachine = "VirtualMachine";
    private const string PoweredOn = "POWERED_ON";

    private readonly VSphereApi _api;
    private readonly VSphereTagging _tags;

    public VSphereCloudProvider(IHttpClientFactory httpClients, TimeProvider clock)
    {
        _api = new VSphereApi(httpClients, clock);
        _tags = new VSphereTagging(_api);
    }

    public CloudKind Kind => CloudKind.VSphere;

    public IReadOnlyList<CloudField> Fields => VSphereFields.All;

    public async Task<string> CheckAsync(CloudAccess access, CancellationToken ct)
    {
        await _api.LoginAsync(access, ct);
        var session = await _api.GetAsync(access, "api/session", ct);
        var datacenter = await DatacenterAsync(access, ct);
        var placement = new Placement(datacenter);
        await PlaceInSettingsAsync(access, placement, ct);
        VSphereSizes.Of(access);
        return $"{session?["user"]?.GetValue<string>()} in datacenter {datacenter.Name} ({datacenter.Id})";
    }

    public async Task<CloudCatalog> CatalogAsync(CloudAccess access, CancellationToken ct)
    {
        var datacenter = await DatacenterAsync(access, ct);
        var clusters = await _api.GetAsync(access, Query("api/vcenter/cluster", ("datacenters", datacenter.Id)), ct);
        var networks = await _api.GetAsync(access, Query("api/vcenter/network", ("datacenters", datacenter.Id)), ct);
        var templateIds = await _api.PostAsync(
            access,
            "api/content/library/item?action=find",
            new JsonObject { ["type"] = "vm-template" },
            ct
        );
        var images = new List<CloudImage>();
        foreach (var id in VSphereTagging.Strings(templateIds))
        {
            var item = await _api.GetAsync(access, $"api/content/library/item/{Uri.EscapeDataString(id)}", ct);
            images.Add(new CloudImage(id, item?["name"]?.GetValue<string>() ?? id));
        }
        return new CloudCatalog(Names(clusters), VSphereSizes.Of(access), images, Names(networks), [], [], []);
    }

    /// <summary>vSphere sets no quota on an account; what a cluster holds is for DRS and admission control.</summary>
    public Task<CloudQuota> QuotaAsync(CloudAccess access, CancellationToken ct) =>
        Task.FromResult(new CloudQuota(null, null));

    public async Task<CloudInstance> CreateAsync(CloudAccess access, InstanceSpec spec, CancellationToken ct)
    {
        var size = VSphereSizes.Resolve(access, spec.InstanceType);
        var placement = new Placement(await DatacenterAsync(access, ct));
        if (spec.Zone.Length > 0)
            placement.Cluster = await ClusterIdAsync(access, placement.Datacenter, spec.Zone, ct);
        await PlaceInSettingsAsync(access, placement, ct);
        if (placement.Cluster is null && placement.ResourcePool is null)
            throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                "A vSphere host needs a cluster (the template's zone) or the account's resource pool."
            );
        var template = await _api.GetAsync(
            access,
            $"api/vcenter/vm-template/library-items/{Uri.EscapeDataString(spec.Image)}",
            ct
        );
        var network = spec.Network.Length > 0 ? await NetworkIdAsync(access, placement.Datacenter, spec, ct) : null;
        var vm = await DeployAsync(access, spec, size, placement, template, network, ct);
        if (vm.AlreadyOn)
            return await GetAsync(access, vm.Id, ct) ?? throw Vanished(vm.Id);
        try
        {
            await TagAsync(access, vm.Id, spec, ct);
            await _api.PutAsync(access, $"api/vcenter/vm/{vm.Id}/guest/customization", Customization(vm.Id, spec), ct);
            await PowerOnAsync(access, vm.Id, ct);
        }
        catch (CloudRefusal)
        {
            await DeleteHalfMadeAsync(access, vm.Id);
            throw;
        }
        return await GetAsync(access, vm.Id, ct) ?? throw Vanished(vm.Id);
    }

    public async Task<CloudInstance?> FindByHostTagAsync(CloudAccess access, string hostTag, CancellationToken ct)
    {
        foreach (var instance in await TaggedAsync(access, VSphereTagging.TagName(CloudTags.Host, hostTag), ct))
            if (instance.State != CloudInstanceState.Terminated)
                return instance;
        return null;
    }

    public async Task<CloudInstance?> GetAsync(CloudAccess access, string instanceId, CancellationToken ct)
    {
        var found = await DescribeAsync(access, [instanceId], ct);
        return found.Count == 0 ? null : found[0];
    }

    public async Task TerminateAsync(CloudAccess access, string instanceId, CancellationToken ct)
    {
        var vm = Uri.EscapeDataString(instanceId);
        try
        {
            await _api.PostAsync(access, $"api/vcenter/vm/{vm}/power?action=stop", null, ct);
        }
        catch (CloudRefusal refusal)
            when (refusal.ProviderCode is "ALREADY_IN_DESIRED_STATE" or "NOT_ALLOWED_IN_CURRENT_STATE") { }
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "NOT_FOUND")
        {
            return;
        }
        var hostTags = new List<string>();
        foreach (var tagId in (await TagIdsOfAsync(access, [instanceId], ct)).GetValueOrDefault(instanceId) ?? [])
            if (
                (await _tags.NameOfAsync(access, tagId, ct))?.StartsWith(CloudTags.Host + "=", StringComparison.Ordinal)
                == true
            )
                hostTags.Add(tagId);
        try
        {
            await _api.DeleteAsync(access, $"api/vcenter/vm/{vm}", ct);
        }
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "NOT_FOUND") { }
        // A host's tag names one host only: it goes with its VM, so that the category does not grow without end.
        foreach (var tagId in hostTags)
            await DeleteTagAsync(access, tagId, ct);
    }

    public async Task<IReadOnlyList<CloudInstance>> ListManagedAsync(CloudAccess access, CancellationToken ct) =>
        [
            .. (await TaggedAsync(access, VSphereTagging.TagName(CloudTags.ManagedBy, CloudTags.Portal), ct)).Where(i =>
                i.State != CloudInstanceState.Terminated
            ),
        ];

    private async Task<(string Id, bool AlreadyOn)> DeployAsync(
        CloudAccess access,
        InstanceSpec spec,
        CloudInstanceType size,
        Placement placement,
        JsonNode? template,
        string? network,
        CancellationToken ct
    )
    {
        var hardware = new JsonObject
        {
            ["cpu_update"] = new JsonObject { ["num_cpus"] = size.Cpus },
            ["memory_update"] = new JsonObject { ["memory"] = size.MemoryMiB },
        };
        var systemDisk = (template?["disks"] as JsonObject)
            ?.Select(d => d.Key)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
        if (spec.SystemDiskGiB > 0 && systemDisk is not null)
            hardware["disks_to_update"] = new JsonObject
            {
                [systemDisk] = new JsonObject { ["capacity"] = spec.SystemDiskGiB * 1024L * 1024 * 1024 },
            };
        if (network is not null && template?["nics"] is JsonObject nics)
        {
            var updates = new JsonObject();
            foreach (var nic in nics)
                updates[nic.Key] = new JsonObject { ["network"] = network };
            hardware["nics"] = updates;
        }
        var target = new JsonObject();
        foreach (var (key, value) in placement.Targets())
            target[key] = value;
        var deploy = new JsonObject
        {
            ["name"] = spec.Name,
            ["description"] = $"{CloudTags.ManagedBy}={CloudTags.Portal}; {CloudTags.Host}={spec.HostTag}",
            ["placement"] = target,
            ["powered_on"] = false,
            ["hardware_customization"] = hardware,
        };
        if (placement.Datastore is not null)
        {
            deploy["disk_storage"] = new JsonObject { ["datastore"] = placement.Datastore };
            deploy["vm_home_storage"] = new JsonObject { ["datastore"] = placement.Datastore };
        }
        try
        {
            var made = await _api.PostAsync(
                access,
                $"api/vcenter/vm-template/library-items/{Uri.EscapeDataString(spec.Image)}?action=deploy",
                deploy,
                ct
            );
            return (made!.GetValue<string>(), false);
        }
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "ALREADY_EXISTS")
        {
            return await AdoptAsync(access, spec, placement, refusal, ct);
        }
    }

    /// <summary>
    /// The VM of this name that a create cut short (or a deploy retried after a lost answer) has made already, unless
    /// it is another host's.
    /// </summary>
    private async Task<(string Id, bool AlreadyOn)> AdoptAsync(
        CloudAccess access,
        InstanceSpec spec,
        Placement placement,
        CloudRefusal refusal,
        CancellationToken ct
    )
    {
        var named = await _api.GetAsync(
            access,
            Query("api/vcenter/vm", ("names", spec.Name), ("datacenters", placement.Datacenter.Id)),
            ct
        );
        var existing = (named as JsonArray)?.FirstOrDefault();
        var id = existing?["vm"]?.GetValue<string>() ?? throw refusal;
        var tags = await TagsOfAsync(access, [id], ct);
        var host = tags.GetValueOrDefault(id)?.GetValueOrDefault(CloudTags.Host);
        if (host is not null && host != spec.HostTag)
            throw refusal;
        return (id, existing?["power_state"]?.GetValue<string>() == PoweredOn);
    }

    private async Task TagAsync(CloudAccess access, string vm, InstanceSpec spec, CancellationToken ct)
    {
        var names = new List<string>
        {
            VSphereTagging.TagName(CloudTags.ManagedBy, CloudTags.Portal),
            VSphereTagging.TagName(CloudTags.Host, spec.HostTag),
        };
        foreach (var (key, value) in spec.Tags)
            if (key is not CloudTags.ManagedBy and not CloudTags.Host)
                names.Add(VSphereTagging.TagName(key, value));
        for (var attempt = 1; ; attempt++)
        {
            var ids = await _tags.EnsureAsync(access, names, ct);
            var attached = await _api.PostAsync(
                access,
                "api/cis/tagging/tag-association?action=attach-multiple-tags-to-object",
                new JsonObject { ["object_id"] = ObjectId(vm), ["tag_ids"] = new JsonArray([.. ids.Select(Node)]) },
                ct
            );
            if (attached?["success"]?.GetValue<bool>() != false)
                return;
            // A tag known here may have been deleted by another portal instance since: look the tags up again once.
            foreach (var id in ids)
                _tags.Forget(access, id);
            if (attempt == 2)
                throw new CloudRefusal(
                    CloudRefusalKind.Invalid,
                    $"vCenter did not attach the tags to {vm}: {attached?["error_messages"]?.ToJsonString()}"
                );
        }
    }

    private static JsonObject Customization(string vm, InstanceSpec spec) =>
        new()
        {
            ["spec"] = new JsonObject
            {
                ["configuration_spec"] = new JsonObject
                {
                    ["cloud_config"] = new JsonObject
                    {
                        ["type"] = "CLOUDINIT",
                        ["cloudinit"] = new JsonObject
                        {
                            ["metadata"] = new JsonObject
                            {
                                ["instance-id"] = vm,
                                ["local-hostname"] = spec.Name,
                            }.ToJsonString(),
                            ["userdata"] = spec.UserData,
                        },
                    },
                },
                ["global_DNS_settings"] = new JsonObject(),
                ["interfaces"] = new JsonArray(),
            },
        };

    private async Task PowerOnAsync(CloudAccess access, string vm, CancellationToken ct)
    {
        try
        {
            await _api.PostAsync(access, $"api/vcenter/vm/{vm}/power?action=start", null, ct);
        }
        // A start retried after a lost answer finds the VM started.
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "ALREADY_IN_DESIRED_STATE") { }
    }

    private async Task DeleteHalfMadeAsync(CloudAccess access, string vm)
    {
        // Best effort, with its own deadline: the refusal that got us here is what the caller must see.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await TerminateAsync(access, vm, deadline.Token);
        }
        catch (Exception e) when (e is CloudRefusal or OperationCanceledException) { }
    }

    private async Task DeleteTagAsync(CloudAccess access, string tagId, CancellationToken ct)
    {
        try
        {
            await _api.DeleteAsync(access, $"api/cis/tagging/tag/{Uri.EscapeDataString(tagId)}", ct);
        }
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "NOT_FOUND") { }
        _tags.Forget(access, tagId);
    }

    private async Task<IReadOnlyList<CloudInstance>> TaggedAsync(CloudAccess access, string tag, CancellationToken ct)
    {
        var tagId = await _tags.FindAsync(access, tag, ct);
        if (tagId is null)
            return [];
        JsonNode? objects;
        try
        {
            objects = await _api.PostAsync(
                access,
                $"api/cis/tagging/tag-association/{Uri.EscapeDataString(tagId)}?action=list-attached-objects",
                null,
                ct
            );
        }
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "NOT_FOUND")
        {
            _tags.Forget(access, tagId);
            return [];
        }
        var vms = (objects as JsonArray ?? [])
            .Where(o => o?["type"]?.GetValue<string>() == VirtualMachine)
            .Select(o => o!["id"]!.GetValue<string>())
            .ToList();
        return vms.Count == 0 ? [] : await DescribeAsync(access, vms, ct);
    }

    /// <summary>The VMs of these ids that vCenter still has, with their tags, clusters and guest addresses.</summary>
    private async Task<IReadOnlyList<CloudInstance>> DescribeAsync(
        CloudAccess access,
        IReadOnlyList<string> ids,
        CancellationToken ct
    )
    {
        var found = new List<(string Id, JsonNode Vm)>();
        foreach (var id in ids)
        {
            try
            {
                var vm = await _api.GetAsync(access, $"api/vcenter/vm/{Uri.EscapeDataString(id)}", ct);
                if (vm is not null)
                    found.Add((id, vm));
            }
            catch (CloudRefusal refusal) when (refusal.ProviderCode is "NOT_FOUND" or "INVALID_ARGUMENT") { }
        }
        if (found.Count == 0)
            return [];
        var tags = await TagsOfAsync(access, [.. found.Select(f => f.Id)], ct);
        var zones = await ClustersOfAsync(access, [.. found.Select(f => f.Id)], ct);
        var sizes = VSphereSizes.Of(access);
        var instances = new List<CloudInstance>();
        foreach (var (id, vm) in found)
        {
            var power = vm["power_state"]?.GetValue<string>();
            string? address = null;
            var state = power == PoweredOn ? CloudInstanceState.Pending : CloudInstanceState.Stopped;
            string? reason = power == PoweredOn ? "VMware Tools reports no address yet" : $"The VM is {power}";
            if (power == PoweredOn)
            {
                address = await GuestAddressAsync(access, id, ct);
                if (address is not null)
                    (state, reason) = (CloudInstanceState.Running, null);
            }
            var cpus = vm["cpu"]?["count"]?.GetValue<int>() ?? 0;
            var memory = vm["memory"]?["size_MiB"]?.GetValue<int>() ?? 0;
            var size = sizes.FirstOrDefault(s => s.Cpus == cpus && s.MemoryMiB == memory)?.Name
                ?? string.Create(CultureInfo.InvariantCulture, $"{cpus}x{memory}");
            instances.Add(
                new CloudInstance(
                    id,
                    vm["name"]?.GetValue<string>() ?? id,
                    state,
                    address,
                    null,
                    size,
                    zones.GetValueOrDefault(id) ?? "",
                    tags.GetValueOrDefault(id) ?? new Dictionary<string, string>(),
                    null,
                    reason
                )
            );
        }
        return instances;
    }

    private async Task<string?> GuestAddressAsync(CloudAccess access, string vm, CancellationToken ct)
    {
        try
        {
            var identity = await _api.GetOnceUnavailableAsync(
                access,
                $"api/vcenter/vm/{Uri.EscapeDataString(vm)}/guest/identity",
                ct
            );
            return identity?["ip_address"]?.GetValue<string>() is { Length: > 0 } address ? address : null;
        }
        catch (CloudRefusal refusal) when (refusal.ProviderCode is "SERVICE_UNAVAILABLE" or "NOT_FOUND")
        {
            return null;
        }
    }

    private async Task<Dictionary<string, IReadOnlyList<string>>> TagIdsOfAsync(
        CloudAccess access,
        IReadOnlyList<string> vms,
        CancellationToken ct
    )
    {
        var listed = await _api.PostAsync(
            access,
            "api/cis/tagging/tag-association?action=list-attached-tags-on-objects",
            new JsonObject { ["object_ids"] = new JsonArray([.. vms.Select(ObjectId)]) },
            ct
        );
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var entry in listed as JsonArray ?? [])
            if (entry?["object_id"]?["id"]?.GetValue<string>() is { } vm)
                result[vm] = VSphereTagging.Strings(entry["tag_ids"]);
        return result;
    }

    /// <summary>The portal's tags (<c>key=value</c> in its category) on each VM, as a dictionary per VM.</summary>
    private async Task<Dictionary<string, IReadOnlyDictionary<string, string>>> TagsOfAsync(
        CloudAccess access,
        IReadOnlyList<string> vms,
        CancellationToken ct
    )
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (vm, tagIds) in await TagIdsOfAsync(access, vms, ct))
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var tagId in tagIds)
            {
                var name = await _tags.NameOfAsync(access, tagId, ct);
                var equals = name?.IndexOf('=', StringComparison.Ordinal) ?? -1;
                if (equals > 0)
                    tags[name![..equals]] = name[(equals + 1)..];
            }
            result[vm] = tags;
        }
        return result;
    }

    /// <summary>The cluster of each VM: vCenter's VM info does not say, so each cluster's VMs are listed.</summary>
    private async Task<Dictionary<string, string>> ClustersOfAsync(
        CloudAccess access,
        IReadOnlyList<string> vms,
        CancellationToken ct
    )
    {
        var datacenter = await DatacenterAsync(access, ct);
        var clusters = await _api.GetAsync(access, Query("api/vcenter/cluster", ("datacenters", datacenter.Id)), ct);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var cluster in clusters as JsonArray ?? [])
        {
            var id = cluster?["cluster"]?.GetValue<string>();
            if (id is null)
                continue;
            var filter = new List<(string, string)> { ("clusters", id) };
            filter.AddRange(vms.Select(vm => ("vms", vm)));
            var members = await _api.GetAsync(access, Query("api/vcenter/vm", [.. filter]), ct);
            foreach (var member in members as JsonArray ?? [])
                if (member?["vm"]?.GetValue<string>() is { } vm)
                    result[vm] = cluster!["name"]?.GetValue<string>() ?? id;
        }
        return result;
    }

    private async Task<Inventory> DatacenterAsync(CloudAccess access, CancellationToken ct)
    {
        var name = access.Setting(VSphereFields.Datacenter);
        if (name.Length == 0)
            name = access.Region;
        var listed = await _api.GetAsync(
            access,
            name.Length == 0 ? "api/vcenter/datacenter" : Query("api/vcenter/datacenter", ("names", name)),
            ct
        );
        var datacenters = listed as JsonArray ?? [];
        if (datacenters.Count != 1)
            throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                name.Length == 0
                    ? $"vCenter has {datacenters.Count} datacenters: the account must name one."
                    : $"vCenter has no datacenter named '{name}'."
            );
        return new Inventory(
            datacenters[0]!["datacenter"]!.GetValue<string>(),
            datacenters[0]!["name"]?.GetValue<string>() ?? name
        );
    }

    private async Task<string> ClusterIdAsync(
        CloudAccess access,
        Inventory datacenter,
        string name,
        CancellationToken ct
    ) =>
        await OneAsync(
            access,
            Query("api/vcenter/cluster", ("names", name), ("datacenters", datacenter.Id)),
            "cluster",
            $"cluster (zone) '{name}' in datacenter {datacenter.Name}",
            ct
        );

    private async Task<string> NetworkIdAsync(
        CloudAccess access,
        Inventory datacenter,
        InstanceSpec spec,
        CancellationToken ct
    ) =>
        await OneAsync(
            access,
            Query("api/vcenter/network", ("names", spec.Network), ("datacenters", datacenter.Id)),
            "network",
            $"network '{spec.Network}' in datacenter {datacenter.Name}",
            ct
        );

    /// <summary>The folder, resource pool and datastore the account's settings name, checked to exist.</summary>
    private async Task PlaceInSettingsAsync(CloudAccess access, Placement placement, CancellationToken ct)
    {
        var datacenter = placement.Datacenter.Id;
        if (access.Setting(VSphereFields.Folder) is { Length: > 0 } folder)
            placement.Folder = await OneAsync(
                access,
                Query(
                    "api/vcenter/folder",
                    ("names", folder),
                    ("type", "VIRTUAL_MACHINE"),
                    ("datacenters", datacenter)
                ),
                "folder",
                $"VM folder '{folder}'",
                ct
            );
        if (access.Setting(VSphereFields.ResourcePool) is { Length: > 0 } pool)
            placement.ResourcePool = await OneAsync(
                access,
                Query("api/vcenter/resource-pool", ("names", pool), ("datacenters", datacenter)),
                "resource_pool",
                $"resource pool '{pool}'",
                ct
            );
        if (access.Setting(VSphereFields.Datastore) is { Length: > 0 } datastore)
            placement.Datastore = await OneAsync(
                access,
                Query("api/vcenter/datastore", ("names", datastore), ("datacenters", datacenter)),
                "datastore",
                $"datastore '{datastore}'",
                ct
            );
    }

    private async Task<string> OneAsync(
        CloudAccess access,
        string path,
        string idField,
        string what,
        CancellationToken ct
    )
    {
        var listed = await _api.GetAsync(access, path, ct) as JsonArray ?? [];
        return listed.FirstOrDefault()?[idField]?.GetValue<string>()
            ?? throw new CloudRefusal(CloudRefusalKind.Invalid, $"vCenter has no {what}.", "NOT_FOUND");
    }

    private static List<string> Names(JsonNode? summaries) =>
        (summaries as JsonArray ?? []).Select(s => s?["name"]?.GetValue<string>()).OfType<string>().ToList();

    private static string Query(string path, params (string Key, string Value)[] parameters) =>
        path + "?" + string.Join('&', parameters.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));

    private static JsonObject ObjectId(string vm) => new() { ["type"] = VirtualMachine, ["id"] = vm };

    private static JsonNode Node(string value) => JsonValue.Create(value);

    private static CloudRefusal Vanished(string vm) =>
        new(CloudRefusalKind.Unavailable, $"vCenter lost the VM {vm} right after making it.");

    private sealed record Inventory(string Id, string Name);

    private sealed class Placement(Inventory datacenter)
    {
        public Inventory Datacenter { get; } = datacenter;
        public string? Cluster { get; set; }
        public string? Folder { get; set; }
        public string? ResourcePool { get; set; }
        public string? Datastore { get; set; }

        public IEnumerable<(string, string)> Targets()
        {
            if (Folder is not null)
                yield return ("folder", Folder);
            if (ResourcePool is not null)
                yield return ("resource_pool", ResourcePool);
            if (Cluster is not null)
                yield return ("cluster", Cluster);
        }
    }
}

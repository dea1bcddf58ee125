using System.Collections.Concurrent;
using System.Globalization;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.VSphere;

/// <summary>
/// What the emulated vCenter holds beside its <see cref="EmulatedCloud"/>: its inventory (a datacenter per region, a
/// cluster per zone, a VM folder, a root resource pool per cluster and a datastore per datacenter), its VMs, and its
/// tagging (categories, tags and what they are attached to).
/// </summary>
public sealed class VSphereInventory
{
    public const long TemplateDiskBytes = 10L * 1024 * 1024 * 1024;

    private int _next;

    public VSphereInventory(EmulatedCloud cloud)
    {
        Cloud = cloud;
        var index = 0;
        foreach (var (region, zones) in cloud.Regions.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            index++;
            var datacenter = new Item($"datacenter-{index}", region, region);
            Datacenters.Add(datacenter);
            Folders.Add(new Item($"group-v{index}", "vm", region));
            Datastores.Add(new Item($"datastore-{index}", "datastore1", region));
            foreach (var zone in zones)
            {
                var number = NextNumber();
                Clusters.Add(new Item($"domain-c{number}", zone, region));
                ResourcePools.Add(new Item($"resgroup-{number}", $"{zone}-pool", region, zone));
            }
            foreach (var network in cloud.Networks)
                Networks.Add(new Item($"network-{NextNumber()}", network, region));
        }
    }

    public EmulatedCloud Cloud { get; }

    public List<Item> Datacenters { get; } = [];
    public List<Item> Clusters { get; } = [];
    public List<Item> Folders { get; } = [];
    public List<Item> ResourcePools { get; } = [];
    public List<Item> Datastores { get; } = [];
    public List<Item> Networks { get; } = [];

    /// <summary>Session id → user name.</summary>
    public ConcurrentDictionary<string, string> Sessions { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, EmulatedVm> Vms { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Category> Categories { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Tag> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Tag id → the VMs it is attached to.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> Attached { get; } =
        new(StringComparer.Ordinal);

    public string NextId(string prefix) => prefix + NextNumber().ToString(CultureInfo.InvariantCulture);

    public IEnumerable<string> TagIdsOf(string vm) =>
        Attached.Where(a => a.Value.ContainsKey(vm)).Select(a => a.Key).Order(StringComparer.Ordinal);

    private int NextNumber() => Interlocked.Increment(ref _next);

    /// <summary>An inventory object: its id, name, datacenter's name and, for a resource pool, its cluster.</summary>
    public sealed record Item(string Id, string Name, string Region, string? Cluster = null);

    public sealed record Category(string Id, string Name, string Description, string Cardinality, string[] Types);

    public sealed record Tag(string Id, string Name, string Description, string CategoryId);
}

/// <summary>
/// A VM of the emulated vCenter. It boots (becomes an <see cref="EmulatedInstance"/>) when it is powered on, for only
/// then is the cloud-init user data of its guest customisation known.
/// </summary>
public sealed class EmulatedVm
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Region { get; init; }
    public required string Zone { get; init; }
    public required string Folder { get; init; }
    public required string Template { get; init; }
    public required EmulatedInstanceType Size { get; init; }
    public required long DiskBytes { get; init; }
    public required string Network { get; init; }
    public string Description { get; init; } = "";

    public string? UserData { get; set; }
    public string? MetaData { get; set; }
    public bool PoweredOn { get; set; }
    public int Boots { get; set; }

    /// <summary>The instance of its current boot, while it runs.</summary>
    public EmulatedInstance? Instance { get; set; }

    public object Gate { get; } = new();
}

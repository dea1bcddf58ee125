using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.VSphere;

/// <summary>
/// An emulated vCenter: the subset of the vSphere Automation API (<c>/api/…</c>) the portal uses, in its shapes.
/// Sessions are made with basic auth checked against <see cref="EmulatedCloud.Credentials"/>; datacenters are the
/// cloud's regions, clusters its zones, content-library VM templates its images; a VM's CPUs and memory must be those
/// of one of the cloud's instance types. A VM is deployed powered off, takes its cloud-init user data from its guest
/// customisation, and boots in the <see cref="EmulatedCloud"/> at power-on.
/// </summary>
public sealed class VSphereEmulator : CloudEmulator
{
    private const string JsonType = "application/json";
    private const string Library = "library-sandbox";

    private VSphereInventory? _inventory;
    private int _sessionsMade;

    public override string Kind => "VSphere";

    /// <summary>The emulator's state, once it is mapped.</summary>
    public VSphereInventory Inventory =>
        _inventory ?? throw new InvalidOperationException("The vSphere emulator is not started.");

    /// <summary>How many sessions were made (POST /api/session answered with an id).</summary>
    public int SessionsMade => Volatile.Read(ref _sessionsMade);

    /// <summary>Ends every session, as vCenter does when they idle out or it restarts.</summary>
    public void ExpireSessions() => Inventory.Sessions.Clear();

    public override void Map(WebApplication app, EmulatedCloud cloud)
    {
        var inventory = new VSphereInventory(cloud);
        _inventory = inventory;
        app.Use(
            async (context, next) =>
            {
                if (cloud.Faults.Throttles())
                {
                    await WriteAsync(context, Error(429, "RESOURCE_BUSY", "Too many requests, try again later."));
                    return;
                }
                if (cloud.Faults.Fails())
                {
                    await WriteAsync(context, Error(500, "ERROR", "An internal error occurred in vpxd."));
                    return;
                }
                var login = context.Request.Path == "/api/session" && HttpMethods.IsPost(context.Request.Method);
                if (!login && !IsSession(context, inventory))
                {
                    await WriteAsync(context, Error(401, "UNAUTHENTICATED", "Authentication required."));
                    return;
                }
                await next(context);
            }
        );

        app.MapPost("/api/session", (HttpContext context) => Login(context, inventory));
        app.MapGet("/api/session", (HttpContext context) => Session(context, inventory));
        app.MapDelete("/api/session", (HttpContext context) =>
        {
            inventory.Sessions.TryRemove(context.Request.Headers[SessionHeader].ToString(), out _);
            return Results.NoContent();
        });

        app.MapGet("/api/vcenter/datacenter", (HttpContext c) =>
            List(c, inventory, inventory.Datacenters, "datacenter")
        );
        app.MapGet("/api/vcenter/cluster", (HttpContext c) => List(c, inventory, inventory.Clusters, "cluster"));
        app.MapGet("/api/vcenter/folder", (HttpContext c) => List(c, inventory, inventory.Folders, "folder"));
        app.MapGet("/api/vcenter/resource-pool", (HttpContext c) =>
            List(c, inventory, inventory.ResourcePools, "resource_pool")
        );
        app.MapGet("/api/vcenter/datastore", (HttpContext c) => List(c, inventory, inventory.Datastores, "datastore"));
        app.MapGet("/api/vcenter/network", (HttpContext c) => List(c, inventory, inventory.Networks, "network"));

        app.MapPost("/api/content/library/item", (HttpRequest r) => FindTemplatesAsync(r.HttpContext, cloud));
        app.MapGet("/api/content/library/item/{item}", (string item) => TemplateItem(cloud, item));
        app.MapGet("/api/vcenter/vm-template/library-items/{item}", (string item) => TemplateInfo(inventory, item));
        app.MapPost("/api/vcenter/vm-template/library-items/{item}", (HttpContext c, string item) =>
            DeployAsync(c, inventory, item)
        );

        app.MapGet("/api/vcenter/vm", (HttpContext c) => ListVms(c, inventory));
        app.MapGet("/api/vcenter/vm/{vm}", (string vm) => VmInfo(inventory, vm));
        app.MapDelete("/api/vcenter/vm/{vm}", (string vm) => DeleteVm(inventory, vm));
        app.MapPut("/api/vcenter/vm/{vm}/guest/customization", (HttpContext c, string vm) =>
            CustomizeAsync(c, inventory, vm)
        );
        app.MapGet("/api/vcenter/vm/{vm}/guest/identity", (string vm) => GuestIdentity(inventory, vm));
        app.MapGet("/api/vcenter/vm/{vm}/power", (string vm) => Power(inventory, vm));
        app.MapPost("/api/vcenter/vm/{vm}/power", (HttpContext c, string vm) => PowerAsync(c, inventory, vm));

        VSphereTaggingRoutes.Map(app, inventory);
    }

    public const string SessionHeader = "vmware-api-session-id";

    private static bool IsSession(HttpContext context, VSphereInventory inventory) =>
        context.Request.Headers.TryGetValue(SessionHeader, out var id) && inventory.Sessions.ContainsKey(id.ToString());

    private IResult Login(HttpContext context, VSphereInventory inventory)
    {
        var header = context.Request.Headers.Authorization.ToString();
        string? user = null;
        string? password = null;
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                    (user, password) = (pair[..colon], pair[(colon + 1)..]);
            }
            catch (FormatException) { }
        }
        if (user is null || password is null || !inventory.Cloud.Accepts(user, password))
            return Error(401, "UNAUTHENTICATED", "Authentication required.");
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        inventory.Sessions[id] = user;
        Interlocked.Increment(ref _sessionsMade);
        return Json(JsonValue.Create(id), 201);
    }

    private static IResult Session(HttpContext context, VSphereInventory inventory)
    {
        var user = inventory.Sessions.GetValueOrDefault(context.Request.Headers[SessionHeader].ToString()) ?? "";
        var now = DateTimeOffset.UtcNow.ToString("O");
        return Json(
            new JsonObject
            {
                ["user"] = $"VSPHERE.LOCAL\\{user}",
                ["created_time"] = now,
                ["last_accessed_time"] = now,
            }
        );
    }

    private static IResult List(
        HttpContext context,
        VSphereInventory inventory,
        List<VSphereInventory.Item> items,
        string idField
    )
    {
        var query = context.Request.Query;
        var regions = query["datacenters"]
            .Select(d => inventory.Datacenters.FirstOrDefault(dc => dc.Id == d)?.Region)
            .ToList();
        var selected = items.Where(i =>
            Matches(query["names"], i.Name)
            && Matches(query[idField + "s"], i.Id)
            && (regions.Count == 0 || regions.Contains(i.Region))
            && (idField != "folder" || Matches(query["type"], "VIRTUAL_MACHINE"))
        );
        var result = new JsonArray();
        foreach (var item in selected)
        {
            var summary = new JsonObject { [idField] = item.Id, ["name"] = item.Name };
            switch (idField)
            {
                case "cluster":
                    summary["ha_enabled"] = true;
                    summary["drs_enabled"] = true;
                    break;
                case "folder":
                    summary["type"] = "VIRTUAL_MACHINE";
                    break;
                case "network":
                    summary["type"] = "STANDARD_PORTGROUP";
                    break;
                case "datastore":
                    summary["type"] = "VMFS";
                    summary["capacity"] = 4L * 1024 * 1024 * 1024 * 1024;
                    summary["free_space"] = 3L * 1024 * 1024 * 1024 * 1024;
                    break;
            }
            result.Add(summary);
        }
        return Json(result);
    }

    private static bool Matches(StringValues filter, string value) => filter.Count == 0 || filter.Contains(value);

    private static async Task<IResult> FindTemplatesAsync(HttpContext context, EmulatedCloud cloud)
    {
        if (context.Request.Query["action"] != "find")
            return Error(400, "INVALID_ARGUMENT", "Only the find action is emulated on library items.");
        var spec = await BodyAsync(context);
        var type = spec?["type"]?.GetValue<string>();
        var name = spec?["name"]?.GetValue<string>();
        var ids = cloud
            .Images.Where(i => (type is null || type == "vm-template") && (name is null || name == i.Value))
            .Select(i => JsonValue.Create(i.Key))
            .ToArray<JsonNode?>();
        return Json(new JsonArray(ids));
    }

    private static IResult TemplateItem(EmulatedCloud cloud, string item) =>
        cloud.Images.TryGetValue(item, out var name)
            ? Json(
                new JsonObject
                {
                    ["id"] = item,
                    ["name"] = name,
                    ["type"] = "vm-template",
                    ["library_id"] = Library,
                    ["content_version"] = "1",
                    ["cached"] = true,
                }
            )
            : Error(404, "NOT_FOUND", $"The library item '{item}' does not exist.");

    private static IResult TemplateInfo(VSphereInventory inventory, string item)
    {
        if (!inventory.Cloud.Images.ContainsKey(item))
            return Error(404, "NOT_FOUND", $"The library item '{item}' does not exist.");
        var network = inventory.Networks.FirstOrDefault()?.Id;
        var datastore = inventory.Datastores.FirstOrDefault()?.Id;
        return Json(
            new JsonObject
            {
                ["guest_OS"] = "OTHER_LINUX_64",
                ["cpu"] = new JsonObject { ["count"] = 1, ["cores_per_socket"] = 1 },
                ["memory"] = new JsonObject { ["size_MiB"] = 2048 },
                ["vm_home_storage"] = new JsonObject { ["datastore"] = datastore },
                ["disks"] = new JsonObject
                {
                    ["2000"] = new JsonObject
                    {
                        ["capacity"] = VSphereInventory.TemplateDiskBytes,
                        ["disk_storage"] = new JsonObject { ["datastore"] = datastore },
                    },
                },
                ["nics"] = new JsonObject
                {
                    ["4000"] = new JsonObject
                    {
                        ["backing_type"] = "STANDARD_PORTGROUP",
                        ["mac_type"] = "GENERATED",
                        ["network"] = network,
                    },
                },
                ["vm_template"] = $"vmtx-{item}",
            }
        );
    }

    private static async Task<IResult> DeployAsync(HttpContext context, VSphereInventory inventory, string item)
    {
        if (context.Request.Query["action"] != "deploy")
            return Error(400, "INVALID_ARGUMENT", "Only the deploy action is emulated on VM templates.");
        if (!inventory.Cloud.Images.ContainsKey(item))
            return Error(404, "NOT_FOUND", $"The library item '{item}' does not exist.");
        var spec = await BodyAsync(context);
        if (spec?["powered_on"]?.GetValue<bool>() == true)
            return Error(400, "INVALID_ARGUMENT", "The emulator deploys VMs powered off only.");
        var name = spec?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
            return Error(400, "INVALID_ARGUMENT", "The spec's name is required.");
        var placement = spec?["placement"];
        var clusterId = placement?["cluster"]?.GetValue<string>();
        var poolId = placement?["resource_pool"]?.GetValue<string>();
        var folderId = placement?["folder"]?.GetValue<string>();
        var cluster = clusterId is null ? null : inventory.Clusters.FirstOrDefault(c => c.Id == clusterId);
        if (clusterId is not null && cluster is null)
            return Error(404, "NOT_FOUND", $"The cluster '{clusterId}' does not exist.");
        var pool = poolId is null ? null : inventory.ResourcePools.FirstOrDefault(p => p.Id == poolId);
        if (poolId is not null && pool is null)
            return Error(404, "NOT_FOUND", $"The resource pool '{poolId}' does not exist.");
        if (cluster is not null && pool is not null && pool.Cluster != cluster.Name)
            return Error(400, "INVALID_ARGUMENT", $"The resource pool '{poolId}' is not in cluster '{clusterId}'.");
        var zone = cluster?.Name ?? pool?.Cluster;
        var region = cluster?.Region ?? pool?.Region;
        if (zone is null || region is null)
            return Error(400, "INVALID_ARGUMENT", "The placement names no cluster, resource pool or host.");
        var folder = folderId is null
            ? inventory.Folders.First(f => f.Region == region)
            : inventory.Folders.FirstOrDefault(f => f.Id == folderId);
        if (folder is null)
            return Error(404, "NOT_FOUND", $"The folder '{folderId}' does not exist.");
        var hardware = spec?["hardware_customization"];
        var cpus = hardware?["cpu_update"]?["num_cpus"]?.GetValue<int>() ?? 1;
        var memory = hardware?["memory_update"]?["memory"]?.GetValue<int>() ?? 2048;
        var size = inventory.Cloud.InstanceTypes.FirstOrDefault(t => t.Cpus == cpus && t.MemoryMiB == memory);
        if (size is null)
            return Error(
                400,
                "INVALID_ARGUMENT",
                $"No host of the sandbox fits a VM of {cpus} CPUs and {memory} MiB; its sizes are "
                    + string.Join(", ", inventory.Cloud.InstanceTypes.Select(t => $"{t.Cpus}x{t.MemoryMiB}"))
                    + "."
            );
        var disk = VSphereInventory.TemplateDiskBytes;
        if (hardware?["disks_to_update"] is JsonObject disks)
        {
            foreach (var (key, update) in disks)
            {
                if (key != "2000")
                    return Error(404, "NOT_FOUND", $"The template has no disk '{key}'.");
                var capacity = update?["capacity"]?.GetValue<long>() ?? disk;
                if (capacity < VSphereInventory.TemplateDiskBytes)
                    return Error(400, "INVALID_ARGUMENT", "A disk's capacity cannot be smaller than the template's.");
                disk = capacity;
            }
        }
        var network = inventory.Networks.First(n => n.Region == region).Name;
        if (hardware?["nics"] is JsonObject nics)
            foreach (var (key, update) in nics)
            {
                var networkId = update?["network"]?.GetValue<string>();
                var chosen = inventory.Networks.FirstOrDefault(n => n.Id == networkId && n.Region == region);
                if (key != "4000" || chosen is null)
                    return Error(404, "NOT_FOUND", $"The nic '{key}' or the network '{networkId}' does not exist.");
                network = chosen.Name;
            }
        var datastore = spec?["disk_storage"]?["datastore"]?.GetValue<string>();
        if (datastore is not null && !inventory.Datastores.Any(d => d.Id == datastore && d.Region == region))
            return Error(404, "NOT_FOUND", $"The datastore '{datastore}' does not exist.");
        lock (inventory.Vms)
        {
            if (inventory.Vms.Values.Any(v => v.Folder == folder.Id && v.Name == name))
                return Error(400, "ALREADY_EXISTS", $"The name '{name}' already exists.");
            var vm = new EmulatedVm
            {
                Id = inventory.NextId("vm-"),
                Name = name,
                Region = region,
                Zone = zone,
                Folder = folder.Id,
                Template = item,
                Size = size,
                DiskBytes = disk,
                Network = network,
                Description = spec?["description"]?.GetValue<string>() ?? "",
            };
            inventory.Vms[vm.Id] = vm;
            return Json(JsonValue.Create(vm.Id), 201);
        }
    }

    private static IResult ListVms(HttpContext context, VSphereInventory inventory)
    {
        var query = context.Request.Query;
        var datacenters = query["datacenters"]
            .Select(d => inventory.Datacenters.FirstOrDefault(dc => dc.Id == d)?.Region)
            .ToList();
        var clusters = query["clusters"]
            .Select(c => inventory.Clusters.FirstOrDefault(cl => cl.Id == c)?.Name)
            .ToList();
        var result = new JsonArray();
        foreach (var vm in inventory.Vms.Values.OrderBy(v => v.Id, StringComparer.Ordinal))
        {
            if (
                !Matches(query["vms"], vm.Id)
                || !Matches(query["names"], vm.Name)
                || !Matches(query["folders"], vm.Folder)
                || !Matches(query["power_states"], PowerState(vm))
                || (datacenters.Count > 0 && !datacenters.Contains(vm.Region))
                || (clusters.Count > 0 && !clusters.Contains(vm.Zone))
            )
                continue;
            result.Add(
                new JsonObject
                {
                    ["vm"] = vm.Id,
                    ["name"] = vm.Name,
                    ["power_state"] = PowerState(vm),
                    ["cpu_count"] = vm.Size.Cpus,
                    ["memory_size_MiB"] = vm.Size.MemoryMiB,
                }
            );
        }
        return Json(result);
    }

    private static IResult VmInfo(VSphereInventory inventory, string id)
    {
        if (!inventory.Vms.TryGetValue(id, out var vm))
            return NoVm(id);
        return Json(
            new JsonObject
            {
                ["name"] = vm.Name,
                ["power_state"] = PowerState(vm),
                ["guest_OS"] = "OTHER_LINUX_64",
                ["cpu"] = new JsonObject
                {
                    ["count"] = vm.Size.Cpus,
                    ["cores_per_socket"] = 1,
                    ["hot_add_enabled"] = false,
                    ["hot_remove_enabled"] = false,
                },
                ["memory"] = new JsonObject { ["size_MiB"] = vm.Size.MemoryMiB, ["hot_add_enabled"] = false },
                ["disks"] = new JsonObject
                {
                    ["2000"] = new JsonObject
                    {
                        ["label"] = "Hard disk 1",
                        ["type"] = "SCSI",
                        ["capacity"] = vm.DiskBytes,
                    },
                },
                ["nics"] = new JsonObject
                {
                    ["4000"] = new JsonObject
                    {
                        ["label"] = "Network adapter 1",
                        ["type"] = "VMXNET3",
                        ["state"] = vm.PoweredOn ? "CONNECTED" : "NOT_CONNECTED",
                        ["backing"] = new JsonObject
                        {
                            ["type"] = "STANDARD_PORTGROUP",
                            ["network"] = inventory
                                .Networks.FirstOrDefault(n => n.Name == vm.Network && n.Region == vm.Region)
                                ?.Id,
                        },
                    },
                },
                ["identity"] = new JsonObject { ["name"] = vm.Name, ["instance_uuid"] = vm.Id },
            }
        );
    }

    private static IResult DeleteVm(VSphereInventory inventory, string id)
    {
        if (!inventory.Vms.TryGetValue(id, out var vm))
            return NoVm(id);
        lock (vm.Gate)
        {
            if (PowerState(vm) == "POWERED_ON")
                return Error(400, "NOT_ALLOWED_IN_CURRENT_STATE", $"The VM '{id}' is powered on.");
            inventory.Vms.TryRemove(id, out _);
        }
        foreach (var attached in inventory.Attached.Values)
            attached.TryRemove(id, out _);
        return Results.NoContent();
    }

    private static async Task<IResult> CustomizeAsync(HttpContext context, VSphereInventory inventory, string id)
    {
        if (!inventory.Vms.TryGetValue(id, out var vm))
            return NoVm(id);
        var body = await BodyAsync(context);
        var cloudConfig = body?["spec"]?["configuration_spec"]?["cloud_config"];
        var cloudinit = cloudConfig?["cloudinit"];
        if (
            body?["spec"]?["global_DNS_settings"] is null
            || body["spec"]?["interfaces"] is null
            || cloudConfig?["type"]?.GetValue<string>() != "CLOUDINIT"
            || cloudinit?["metadata"]?.GetValue<string>() is not { Length: > 0 } metadata
        )
            return Error(
                400,
                "INVALID_ARGUMENT",
                "The emulator customises guests with a CLOUDINIT cloud_config carrying metadata only, "
                    + "and the spec's global_DNS_settings and interfaces are required."
            );
        lock (vm.Gate)
        {
            if (vm.PoweredOn)
                return Error(400, "NOT_ALLOWED_IN_CURRENT_STATE", $"The VM '{id}' is not powered off.");
            vm.MetaData = metadata;
            vm.UserData = cloudinit?["userdata"]?.GetValue<string>() ?? "";
        }
        return Results.NoContent();
    }

    private static IResult GuestIdentity(VSphereInventory inventory, string id)
    {
        if (!inventory.Vms.TryGetValue(id, out var vm))
            return NoVm(id);
        var instance = vm.Instance;
        if (PowerState(vm) != "POWERED_ON" || instance?.State != EmulatedState.Running)
            return Error(503, "SERVICE_UNAVAILABLE", $"VMware Tools is not running in the VM '{id}'.");
        return Json(
            new JsonObject
            {
                ["name"] = "OTHER_LINUX_64",
                ["family"] = "LINUX",
                ["full_name"] = new JsonObject
                {
                    ["id"] = "vmsg.guestos.other_linux_64",
                    ["default_message"] = inventory.Cloud.Images.GetValueOrDefault(vm.Template) ?? "Linux",
                    ["args"] = new JsonArray(),
                },
                ["host_name"] = vm.Name,
                ["ip_address"] = instance.PrivateAddress,
            }
        );
    }

    private static IResult Power(VSphereInventory inventory, string id) =>
        inventory.Vms.TryGetValue(id, out var vm) ? Json(new JsonObject { ["state"] = PowerState(vm) }) : NoVm(id);

    private static async Task<IResult> PowerAsync(HttpContext context, VSphereInventory inventory, string id)
    {
        if (!inventory.Vms.TryGetValue(id, out var vm))
            return NoVm(id);
        var action = context.Request.Query["action"].ToString();
        if (action == "stop")
        {
            EmulatedInstance? stopped;
            lock (vm.Gate)
            {
                if (PowerState(vm) == "POWERED_OFF")
                    return Error(400, "ALREADY_IN_DESIRED_STATE", $"The VM '{id}' is already powered off.");
                (stopped, vm.Instance, vm.PoweredOn) = (vm.Instance, null, false);
            }
            if (stopped is not null)
                inventory.Cloud.Terminate(stopped.Id);
            return Results.NoContent();
        }
        if (action != "start")
            return Error(400, "INVALID_ARGUMENT", $"The power action '{action}' is not emulated.");
        int boot;
        lock (vm.Gate)
        {
            if (PowerState(vm) == "POWERED_ON")
                return Error(400, "ALREADY_IN_DESIRED_STATE", $"The VM '{id}' is already powered on.");
            boot = ++vm.Boots;
        }
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tagId in inventory.TagIdsOf(vm.Id))
            if (inventory.Tags.TryGetValue(tagId, out var tag) && tag.Name.IndexOf('=', StringComparison.Ordinal) > 0)
                tags[tag.Name[..tag.Name.IndexOf('=', StringComparison.Ordinal)]] = tag.Name[
                    (tag.Name.IndexOf('=', StringComparison.Ordinal) + 1)..
                ];
        try
        {
            var instance = await inventory.Cloud.CreateAsync(
                vm.Region,
                vm.Zone,
                vm.Size.Name,
                vm.Template,
                vm.Name,
                tags,
                vm.UserData ?? "",
                $"{vm.Id}/boot-{boot}",
                context.RequestAborted,
                network: vm.Network,
                systemDiskGiB: (int)(vm.DiskBytes / (1024L * 1024 * 1024))
            );
            lock (vm.Gate)
                (vm.Instance, vm.PoweredOn) = (instance, true);
            return Results.NoContent();
        }
        catch (EmulatedRefusal refusal)
        {
            return refusal.Kind switch
            {
                EmulatedRefusalKind.QuotaExceeded => Error(400, "UNABLE_TO_ALLOCATE_RESOURCE", refusal.Message),
                EmulatedRefusalKind.NotFound => Error(404, "NOT_FOUND", refusal.Message),
                _ => Error(400, "INVALID_ARGUMENT", refusal.Message),
            };
        }
    }

    /// <summary>A VM whose guest the emulated cloud has terminated is off, as a VM whose guest halted is.</summary>
    private static string PowerState(EmulatedVm vm) =>
        vm.PoweredOn && vm.Instance?.State != EmulatedState.Terminated ? "POWERED_ON" : "POWERED_OFF";

    private static IResult NoVm(string id) =>
        Error(
            404,
            "NOT_FOUND",
            $"The object 'vim.VirtualMachine:{id}' has already been deleted or has not been " + "completely created"
        );

    internal static async Task<JsonNode?> BodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength is 0)
            return null;
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static IResult Json(JsonNode? node, int status = 200) =>
        Results.Text(node?.ToJsonString() ?? "null", JsonType, Encoding.UTF8, status);

    /// <summary>vCenter's error shape: its error type, and messages with an id, a default message and args.</summary>
    internal static IResult Error(int status, string type, string message) =>
        Json(
            new JsonObject
            {
                ["error_type"] = type,
                ["messages"] = new JsonArray(
                    new JsonObject
                    {
                        ["id"] = "com.vmware.sandbox." + type.ToLowerInvariant(),
                        ["default_message"] = message,
                        ["args"] = new JsonArray(),
                    }
                ),
            },
            status
        );

    private static async Task WriteAsync(HttpContext context, IResult result) => await result.ExecuteAsync(context);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.OpenStack;

/// <summary>
/// The subset of Nova (compute API v2.1) the portal uses, in Nova's shapes: servers with tags and metadata, flavors,
/// availability zones, key pairs and absolute limits. Microversions from <see cref="Minimum"/> to
/// <see cref="Maximum"/> are served; a request without one is a 2.1 request, refused with 406 as Nova refuses a
/// version it does not serve.
/// </summary>
internal sealed class NovaEmulation(OpenStackEmulator emulator, EmulatedCloud cloud)
{
    public static readonly Version Minimum = new(2, 52);
    public static readonly Version Maximum = new(2, 96);

    private const int MaxLimit = 1000;

    /// <summary>
    /// The Nova tags of each server (the emulated cloud keeps key/value tags, which Nova calls metadata).
    /// </summary>
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _serverTags = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _bootsFromVolume = new(StringComparer.Ordinal);

    public void Map(WebApplication app)
    {
        const string root = "/{region}/compute/v2.1";
        app.MapGet(root + "/limits", (HttpContext http, string region) => Guarded(http, region, Limits));
        app.MapGet(root + "/flavors/detail", (HttpContext http, string region) => Guarded(http, region, Flavors));
        app.MapGet(root + "/os-availability-zone", (HttpContext http, string region) => Guarded(http, region, Zones));
        app.MapGet(root + "/os-keypairs", (HttpContext http, string region) => Guarded(http, region, KeyPairs));
        app.MapPost(root + "/servers", (HttpContext http, string region) => GuardedAsync(http, region, CreateAsync));
        app.MapGet(root + "/servers/detail", (HttpContext http, string region) => Guarded(http, region, List));
        app.MapGet(root + "/servers/{id}", (HttpContext http, string region, string id) =>
            Guarded(http, region, (h, r) => Show(h, r, id))
        );
        app.MapDelete(root + "/servers/{id}", (HttpContext http, string region, string id) =>
            Guarded(http, region, (_, r) => Delete(r, id))
        );
    }

    private Task<IResult> Guarded(HttpContext http, string region, Func<HttpContext, string, IResult> handle) =>
        GuardedAsync(http, region, (h, r) => Task.FromResult(handle(h, r)));

    /// <summary>
    /// What Nova and the middleware in front of it check before the call: token, version, rate, health.
    /// </summary>
    private async Task<IResult> GuardedAsync(
        HttpContext http,
        string region,
        Func<HttpContext, string, Task<IResult>> handle
    )
    {
        if (emulator.Unauthenticated(http) is { } refused)
            return refused;
        if (!cloud.Regions.ContainsKey(region))
            return Fault(404, "itemNotFound", "The resource could not be found.");
        var asked = Microversion(http.Request.Headers);
        if (asked is null)
            return Fault(
                400,
                "badRequest",
                "API Version String "
                    + $"{http.Request.Headers["OpenStack-API-Version"]} is of invalid format. Must be of format "
                    + "MajorNum.MinorNum."
            );
        if (asked < Minimum || asked > Maximum)
            return Fault(
                406,
                "computeFault",
                $"Version {asked.Major}.{asked.Minor} is not supported by the API. Minimum is "
                    + $"{Minimum.Major}.{Minimum.Minor} and maximum is {Maximum.Major}.{Maximum.Minor}."
            );
        http.Response.Headers["OpenStack-API-Version"] = $"compute {asked.Major}.{asked.Minor}";
        http.Response.Headers["X-OpenStack-Nova-API-Version"] = $"{asked.Major}.{asked.Minor}";
        http.Response.Headers.Vary = "OpenStack-API-Version, X-OpenStack-Nova-API-Version";
        if (cloud.Faults.Throttles())
        {
            http.Response.Headers.RetryAfter = "1";
            return Fault(429, "overLimit", "This request was rate-limited.", retryAfter: "1");
        }
        if (cloud.Faults.Fails())
            return Fault(
                500,
                "computeFault",
                "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API "
                    + "log if possible.\n<class 'oslo_db.exception.DBConnectionError'>"
            );
        return await handle(http, region);
    }

    /// <summary>The microversion asked for: 2.1 when none is; null when the header cannot be read.</summary>
    private static Version? Microversion(IHeaderDictionary headers)
    {
        string? asked = null;
        foreach (var part in headers["OpenStack-API-Version"].ToString().Split(','))
        {
            var words = part.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 2 && words[0].Equals("compute", StringComparison.OrdinalIgnoreCase))
                asked = words[1];
        }
        asked ??= headers["X-OpenStack-Nova-API-Version"].ToString() is { Length: > 0 } legacy ? legacy : "2.1";
        if (asked.Equals("latest", StringComparison.OrdinalIgnoreCase))
            return Maximum;
        var numbers = asked.Split('.');
        return
            numbers.Length == 2
            && int.TryParse(numbers[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(numbers[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            ? new Version(major, minor)
            : null;
    }

    private IResult Limits(HttpContext http, string region)
    {
        var live = cloud.Instances.Where(i => i.State != EmulatedState.Terminated).ToList();
        return OpenStackEmulator.Json(
            new JsonObject
            {
                ["limits"] = new JsonObject
                {
                    ["rate"] = new JsonArray(),
                    ["absolute"] = new JsonObject
                    {
                        ["maxServerMeta"] = 128,
                        ["maxTotalInstances"] = cloud.InstanceLimit,
                        ["maxPersonality"] = 5,
                        ["maxImageMeta"] = 128,
                        ["maxPersonalitySize"] = 10240,
                        ["maxTotalRAMSize"] = -1,
                        ["maxTotalKeypairs"] = 100,
                        ["maxTotalCores"] = cloud.CpuLimit,
                        ["maxServerGroups"] = 10,
                        ["maxServerGroupMembers"] = 10,
                        ["totalRAMUsed"] = live.Sum(i => i.Type.MemoryMiB),
                        ["totalInstancesUsed"] = live.Count,
                        ["totalCoresUsed"] = live.Sum(i => i.Type.Cpus),
                        ["totalServerGroupsUsed"] = 0,
                    },
                },
            }
        );
    }

    private IResult Flavors(HttpContext http, string region)
    {
        var flavors = new JsonArray();
        foreach (var type in cloud.InstanceTypes)
            flavors.Add(
                new JsonObject
                {
                    ["id"] = type.Name,
                    ["name"] = type.Name,
                    ["vcpus"] = type.Cpus,
                    ["ram"] = type.MemoryMiB,
                    ["disk"] = 40,
                    ["OS-FLV-EXT-DATA:ephemeral"] = 0,
                    ["OS-FLV-DISABLED:disabled"] = false,
                    ["os-flavor-access:is_public"] = true,
                    ["swap"] = 0,
                    ["rxtx_factor"] = 1.0,
                    ["description"] = null,
                    ["extra_specs"] = new JsonObject(),
                    ["links"] = Links(http, region, "flavors", type.Name),
                }
            );
        return OpenStackEmulator.Json(new JsonObject { ["flavors"] = flavors });
    }

    private IResult Zones(HttpContext http, string region) =>
        OpenStackEmulator.Json(
            new JsonObject
            {
                ["availabilityZoneInfo"] = new JsonArray([
                    .. cloud
                        .Regions[region]
                        .Select(zone => new JsonObject
                        {
                            ["zoneName"] = zone,
                            ["zoneState"] = new JsonObject { ["available"] = true },
                            ["hosts"] = null,
                        }),
                ]),
            }
        );

    private IResult KeyPairs(HttpContext http, string region) =>
        OpenStackEmulator.Json(
            new JsonObject
            {
                ["keypairs"] = new JsonArray([
                    .. cloud.KeyPairs.Select(name => new JsonObject
                    {
                        ["keypair"] = new JsonObject
                        {
                            ["name"] = name,
                            ["type"] = "ssh",
                            ["fingerprint"] = Fingerprint(name),
                            ["public_key"] =
                                $"ssh-ed25519 {Convert.ToBase64String(Encoding.UTF8.GetBytes(name))} {name}",
                        },
                    }),
                ]),
            }
        );

    private async Task<IResult> CreateAsync(HttpContext http, string region)
    {
        var body = await OpenStackEmulator.ReadAsync(http);
        if (body?["server"] is not JsonObject server)
            return BadRequest("Invalid input for field/attribute server. Value: None. None is not of type 'object'");
        var name = (string?)server["name"] ?? "";
        if (name.Trim().Length == 0)
            return BadRequest("Invalid input for field/attribute server. 'name' is a required property");
        var flavorRef = (string?)server["flavorRef"] ?? "";
        var flavor = cloud.InstanceTypes.FirstOrDefault(t => t.Name == flavorRef);
        if (flavor is null)
            return BadRequest($"Flavor {flavorRef} could not be found.");
        var bootVolume = (server["block_device_mapping_v2"] as JsonArray)
            ?.OfType<JsonObject>()
            .FirstOrDefault(d => d["boot_index"]?.ToString() == "0");
        var image = (string?)server["imageRef"] is { Length: > 0 } imageRef ? imageRef : (string?)bootVolume?["uuid"];
        if (image is null)
            return BadRequest(
                "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping "
                    + "combination is not valid."
            );
        var diskGiB = bootVolume?["volume_size"] is JsonValue size && size.TryGetValue<int>(out var gib) ? gib : 40;
        var network = "";
        if (server["networks"] is JsonArray networks)
            foreach (var wanted in networks.OfType<JsonObject>())
            {
                var uuid = (string?)wanted["uuid"] ?? "";
                var named = cloud.Networks.FirstOrDefault(n => OpenStackEmulator.IdOf("network", n) == uuid);
                if (named is null)
                    return BadRequest($"Network {uuid} could not be found.");
                network = network.Length == 0 ? named : network;
            }
        else if ((string?)server["networks"] == "auto")
            network = cloud.Networks.FirstOrDefault() ?? "";
        var groups = (server["security_groups"] as JsonArray)?.Select(g => (string?)g?["name"] ?? "").ToList() ?? [];
        if (groups.FirstOrDefault(g => !cloud.SecurityGroups.Contains(g)) is { } unknownGroup)
            return BadRequest($"Security group {unknownGroup} not found.");
        var keyName = (string?)server["key_name"] ?? "";
        if (keyName.Length > 0 && !cloud.KeyPairs.Contains(keyName))
            return BadRequest("Invalid key_name provided.");
        var tags = (server["tags"] as JsonArray)?.Select(t => (string?)t ?? "").ToList() ?? [];
        if (tags.Count > 50 || tags.Any(t => t.Length is 0 or > 60 || t.Contains('/') || t.Contains(',')))
            return BadRequest(
                "Invalid input for field/attribute tags. Tags are at most 50, of 1 to 60 characters "
                    + "without '/' or ','."
            );
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in server["metadata"] as JsonObject ?? [])
            metadata[key] = (string?)value ?? "";
        string userData;
        try
        {
            userData = Encoding.UTF8.GetString(Convert.FromBase64String((string?)server["user_data"] ?? ""));
        }
        catch (FormatException)
        {
            return BadRequest("User data needs to be valid base 64.");
        }
        EmulatedInstance instance;
        try
        {
            instance = await cloud.CreateAsync(
                region,
                (string?)server["availability_zone"] ?? "",
                flavor.Name,
                image,
                name,
                metadata,
                userData,
                clientToken: null,
                http.RequestAborted,
                network,
                groups.FirstOrDefault() ?? "",
                keyName,
                diskGiB
            );
        }
        catch (EmulatedRefusal refusal)
        {
            return Refused(refusal, flavor, image);
        }
        _serverTags[instance.Id] = tags;
        _bootsFromVolume[instance.Id] = bootVolume is not null;
        return OpenStackEmulator.Json(
            new JsonObject
            {
                ["server"] = new JsonObject
                {
                    ["id"] = instance.Id,
                    ["links"] = Links(http, region, "servers", instance.Id),
                    ["OS-DCF:diskConfig"] = "MANUAL",
                    ["security_groups"] = new JsonArray([
                        .. groups.DefaultIfEmpty("default").Select(g => new JsonObject { ["name"] = g }),
                    ]),
                    ["adminPass"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(9)),
                },
            },
            202
        );
    }

    private IResult Refused(EmulatedRefusal refusal, EmulatedInstanceType flavor, string image) =>
        refusal.Kind switch
        {
            EmulatedRefusalKind.QuotaExceeded when cloud.RunningCount + 1 > cloud.InstanceLimit => Fault(
                403,
                "forbidden",
                $"Quota exceeded for instances: Requested 1, but already used {cloud.RunningCount} of "
                    + $"{cloud.InstanceLimit} instances"
            ),
            EmulatedRefusalKind.QuotaExceeded => Fault(
                403,
                "forbidden",
                $"Quota exceeded for cores: Requested {flavor.Cpus}, but already used {cloud.CpusInUse} of "
                    + $"{cloud.CpuLimit} cores"
            ),
            EmulatedRefusalKind.InvalidZone => BadRequest("The requested availability zone is not available"),
            EmulatedRefusalKind.InvalidInstanceType => BadRequest($"Flavor {flavor.Name} could not be found."),
            EmulatedRefusalKind.InvalidImage => BadRequest($"Image {image} could not be found."),
            _ => BadRequest(refusal.Message),
        };

    private IResult List(HttpContext http, string region)
    {
        var query = http.Request.Query;
        var wanted = query["tags"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
        var any = query["tags-any"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
        var limit = int.TryParse(query["limit"].ToString(), CultureInfo.InvariantCulture, out var asked)
            ? Math.Clamp(asked, 0, MaxLimit)
            : MaxLimit;
        var servers = Live(region)
            .Where(i =>
            {
                var tags = TagsOf(i);
                return wanted.All(tags.Contains) && (any.Length == 0 || any.Any(tags.Contains));
            })
            .OrderByDescending(i => i.CreatedAt)
            .ThenByDescending(i => i.Id, StringComparer.Ordinal)
            .ToList();
        var marker = query["marker"].ToString();
        if (marker.Length > 0)
        {
            var at = servers.FindIndex(i => i.Id == marker);
            if (at < 0)
                return BadRequest($"marker [{marker}] not found");
            servers = [.. servers.Skip(at + 1)];
        }
        var page = servers.Take(limit).ToList();
        var body = new JsonObject { ["servers"] = new JsonArray([.. page.Select(i => Server(http, i))]) };
        if (servers.Count > page.Count && page.Count > 0)
        {
            var next = $"{Root(http, region)}/servers/detail?limit={limit}&marker={Uri.EscapeDataString(page[^1].Id)}";
            if (query["tags"].ToString().Length > 0)
                next += $"&tags={Uri.EscapeDataString(query["tags"].ToString())}";
            body["servers_links"] = new JsonArray(new JsonObject { ["href"] = next, ["rel"] = "next" });
        }
        return OpenStackEmulator.Json(body);
    }

    private IResult Show(HttpContext http, string region, string id) =>
        Live(region).FirstOrDefault(i => i.Id == id) is { } instance
            ? OpenStackEmulator.Json(new JsonObject { ["server"] = Server(http, instance) })
            : Fault(404, "itemNotFound", $"Instance {id} could not be found.");

    private IResult Delete(string region, string id)
    {
        if (Live(region).FirstOrDefault(i => i.Id == id) is null)
            return Fault(404, "itemNotFound", $"Instance {id} could not be found.");
        cloud.Terminate(id);
        return Results.NoContent();
    }

    private IEnumerable<EmulatedInstance> Live(string region) =>
        cloud.Instances.Where(i => i.Region == region && i.State != EmulatedState.Terminated);

    private IReadOnlyList<string> TagsOf(EmulatedInstance instance) =>
        _serverTags.TryGetValue(instance.Id, out var tags) ? tags : [];

    private JsonObject Server(HttpContext http, EmulatedInstance instance)
    {
        var running = instance.State == EmulatedState.Running;
        var network = instance.Network.Length > 0 ? instance.Network : cloud.Networks.FirstOrDefault() ?? "private";
        var metadata = new JsonObject();
        foreach (var (key, value) in instance.Tags)
            metadata[key] = value;
        var fromVolume = _bootsFromVolume.TryGetValue(instance.Id, out var volume) && volume;
        var created = instance.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["id"] = instance.Id,
            ["name"] = instance.Name,
            ["status"] = running ? "ACTIVE" : "BUILD",
            ["OS-EXT-STS:vm_state"] = running ? "active" : "building",
            ["OS-EXT-STS:task_state"] = running ? null : "spawning",
            ["OS-EXT-STS:power_state"] = running ? 1 : 0,
            ["OS-EXT-AZ:availability_zone"] = instance.Zone,
            ["tenant_id"] = emulator.ProjectId.Replace("-", "", StringComparison.Ordinal),
            ["user_id"] = OpenStackEmulator.IdOf("user", "portal").Replace("-", "", StringComparison.Ordinal),
            ["hostId"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(instance.Zone)))[..56],
            ["created"] = created,
            ["updated"] = created,
            ["addresses"] = new JsonObject
            {
                [network] = new JsonArray(
                    new JsonObject
                    {
                        ["version"] = 4,
                        ["addr"] = instance.PrivateAddress,
                        ["OS-EXT-IPS:type"] = "fixed",
                        ["OS-EXT-IPS-MAC:mac_addr"] = Mac(instance.Id),
                    }
                ),
            },
            ["accessIPv4"] = "",
            ["accessIPv6"] = "",
            ["flavor"] = new JsonObject
            {
                ["original_name"] = instance.Type.Name,
                ["vcpus"] = instance.Type.Cpus,
                ["ram"] = instance.Type.MemoryMiB,
                ["disk"] = fromVolume ? 0 : instance.SystemDiskGiB,
                ["ephemeral"] = 0,
                ["swap"] = 0,
                ["extra_specs"] = new JsonObject(),
            },
            ["image"] = fromVolume ? "" : new JsonObject { ["id"] = instance.Image },
            ["key_name"] = instance.KeyPair.Length > 0 ? instance.KeyPair : null,
            ["security_groups"] = new JsonArray(
                new JsonObject { ["name"] = instance.SecurityGroup.Length > 0 ? instance.SecurityGroup : "default" }
            ),
            ["metadata"] = metadata,
            ["tags"] = new JsonArray([.. TagsOf(instance).Select(t => (JsonNode)t)]),
            ["locked"] = false,
            ["description"] = null,
            ["OS-SRV-USG:launched_at"] = instance.RunningAt?.UtcDateTime.ToString(
                "yyyy-MM-ddTHH:mm:ss.ffffff",
                CultureInfo.InvariantCulture
            ),
            ["OS-SRV-USG:terminated_at"] = null,
            ["links"] = Links(http, instance.Region, "servers", instance.Id),
        };
    }

    private static string Root(HttpContext http, string region) =>
        $"{http.Request.Scheme}://{http.Request.Host}/{region}/compute/v2.1";

    private static JsonArray Links(HttpContext http, string region, string collection, string id) =>
        new(
            new JsonObject { ["href"] = $"{Root(http, region)}/{collection}/{id}", ["rel"] = "self" },
            new JsonObject
            {
                ["href"] = $"{http.Request.Scheme}://{http.Request.Host}/{region}/compute/{collection}/{id}",
                ["rel"] = "bookmark",
            }
        );

    private static string Fingerprint(string name) =>
        string.Join(
            ':',
            MD5.HashData(Encoding.UTF8.GetBytes(name)).Select(b => b.ToString("x2", CultureInfo.InvariantCulture))
        );

    private static string Mac(string id) =>
        "fa:16:3e:"
        + string.Join(
            ':',
            SHA256.HashData(Encoding.UTF8.GetBytes(id))[..3].Select(b => b.ToString("x2", CultureInfo.InvariantCulture))
        );

    private static IResult BadRequest(string message) => Fault(400, "badRequest", message);

    private static IResult Fault(int code, string name, string message, string? retryAfter = null)
    {
        var fault = new JsonObject { ["code"] = code, ["message"] = message };
        if (retryAfter is not null)
            fault["retryAfter"] = retryAfter;
        return OpenStackEmulator.Json(new JsonObject { [name] = fault }, code);
    }
}

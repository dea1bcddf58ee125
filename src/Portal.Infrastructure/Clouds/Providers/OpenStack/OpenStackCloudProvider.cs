using System.Text;
using System.Text.Json.Nodes;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.OpenStack;

/// <summary>
/// OpenStack through its HTTP APIs: Keystone v3 for the token and the service catalog, Nova (microversion
/// <see cref="OpenStackApi.ComputeMicroversion"/>) for servers, flavors, zones, key pairs and limits, Glance for
/// images, Neutron for networks and security groups. Keep one instance (a singleton): it holds the tokens.
/// </summary>
public sealed class OpenStackCloudProvider(IHttpClientFactory httpFactory, TimeProvider clock) : ICloudProvider
{
    private readonly OpenStackApi _api = new(httpFactory, clock);

    public CloudKind Kind => CloudKind.OpenStack;

    public IReadOnlyList<CloudField> Fields => OpenStackAccount.Fields;

    public async Task<string> CheckAsync(CloudAccess access, CancellationToken ct)
    {
        var token = await _api.TokenAsync(access, rejected: null, ct);
        await _api.CallAsync(access, OpenStackApi.Compute, HttpMethod.Get, "/limits", ct);
        return token.ProjectId;
    }

    public async Task<CloudCatalog> CatalogAsync(CloudAccess access, CancellationToken ct)
    {
        var zones = ListAsync(access, OpenStackApi.Compute, "/os-availability-zone", "availabilityZoneInfo", ct);
        var flavors = ListAsync(access, OpenStackApi.Compute, "/flavors/detail", "flavors", ct);
        var images = ImagesAsync(access, ct);
        var networks = ListAsync(access, OpenStackApi.Network, "/v2.0/networks", "networks", ct);
        var groups = ListAsync(access, OpenStackApi.Network, "/v2.0/security-groups", "security_groups", ct);
        var keyPairs = ListAsync(access, OpenStackApi.Compute, "/os-keypairs", "keypairs", ct);
        await Task.WhenAll(zones, flavors, images, networks, groups, keyPairs);
        return new CloudCatalog(
            [
                .. (await zones)
                    .Where(z => z["zoneState"]?["available"]?.GetValue<bool>() != false)
                    .Select(z => (string?)z["zoneName"] ?? "")
                    .Where(z => z.Length > 0)
                    .Order(StringComparer.Ordinal),
            ],
            [
                .. (await flavors)
                    .Select(f => new CloudInstanceType(
                        (string?)f["name"] ?? (string?)f["id"] ?? "",
                        f["vcpus"]?.GetValue<int>() ?? 0,
                        f["ram"]?.GetValue<int>() ?? 0
                    ))
                    .OrderBy(f => f.Cpus)
                    .ThenBy(f => f.MemoryMiB)
                    .ThenBy(f => f.Name, StringComparer.Ordinal),
            ],
            await images,
            NamesOf(await networks),
            [],
            NamesOf(await groups),
            [
                .. (await keyPairs)
                    .Select(k => (string?)k["keypair"]?["name"] ?? "")
                    .Where(k => k.Length > 0)
                    .Order(StringComparer.Ordinal),
            ]
        );
    }

    public async Task<CloudQuota> QuotaAsync(CloudAccess access, CancellationToken ct)
    {
        var limits = await _api.CallAsync(access, OpenStackApi.Compute, HttpMethod.Get, "/limits", ct);
        var absolute = limits?["limits"]?["absolute"];
        return new CloudQuota(
            Left(absolute, "maxTotalInstances", "totalInstancesUsed"),
            Left(absolute, "maxTotalCores", "totalCoresUsed")
        );
    }

    public async Task<CloudInstance> CreateAsync(CloudAccess access, InstanceSpec spec, CancellationToken ct)
    {
        // Nova takes no idempotency token: the host's tag is what makes a repeated create find the first server.
        if (await FindByHostTagAsync(access, spec.HostTag, ct) is { } made)
            return made;
        var server = new JsonObject
        {
            ["name"] = spec.Name,
            ["flavorRef"] = await FlavorRefAsync(access, spec.InstanceType, ct),
            ["networks"] =
                spec.Network.Trim().Length == 0
                    ? "auto"
                    : new JsonArray(new JsonObject { ["uuid"] = await NetworkIdAsync(access, spec.Network, ct) }),
            ["user_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(spec.UserData)),
            ["metadata"] = Metadata(spec),
            ["tags"] = new JsonArray(NovaServers.HostTag(spec.HostTag), NovaServers.ManagedTag),
        };
        if (spec.SystemDiskGiB > 0)
            server["block_device_mapping_v2"] = new JsonArray(
                new JsonObject
                {
                    ["boot_index"] = 0,
                    ["uuid"] = spec.Image,
                    ["source_type"] = "image",
                    ["destination_type"] = "volume",
                    ["volume_size"] = spec.SystemDiskGiB,
                    ["delete_on_termination"] = true,
                }
            );
        else
            server["imageRef"] = spec.Image;
        if (spec.Zone.Trim().Length > 0)
            server["availability_zone"] = spec.Zone.Trim();
        if (spec.KeyPair.Trim().Length > 0)
            server["key_name"] = spec.KeyPair.Trim();
        if (spec.SecurityGroup.Trim().Length > 0)
            server["security_groups"] = new JsonArray(new JsonObject { ["name"] = spec.SecurityGroup.Trim() });
        var created = await _api.CallAsync(
            access,
            OpenStackApi.Compute,
            HttpMethod.Post,
            "/servers",
            ct,
            new JsonObject { ["server"] = server }
        );
        var id = (string?)created?["server"]?["id"]
            ?? throw new CloudRefusal(CloudRefusalKind.Unavailable, "Nova accepted the server but named no id.");
        return await GetAsync(access, id, ct)
            ?? new CloudInstance(
                id,
                spec.Name,
                CloudInstanceState.Pending,
                null,
                null,
                spec.InstanceType,
                spec.Zone,
                Metadata(spec).ToDictionary(p => p.Key, p => (string?)p.Value ?? "", StringComparer.Ordinal),
                null
            );
    }

    public async Task<CloudInstance?> FindByHostTagAsync(CloudAccess access, string hostTag, CancellationToken ct) =>
        (await ServersTaggedAsync(access, NovaServers.HostTag(hostTag), ct))
            .Where(i => i.State != CloudInstanceState.Terminated && i.HostTag == hostTag)
            .OrderBy(i => i.CreatedAt)
            .FirstOrDefault();

    public async Task<CloudInstance?> GetAsync(CloudAccess access, string instanceId, CancellationToken ct)
    {
        var found = await _api.CallAsync(
            access,
            OpenStackApi.Compute,
            HttpMethod.Get,
            $"/servers/{Uri.EscapeDataString(instanceId)}",
            ct,
            nullWhenNotFound: true
        );
        return found?["server"] is { } server ? NovaServers.ToInstance(server) : null;
    }

    public Task TerminateAsync(CloudAccess access, string instanceId, CancellationToken ct) =>
        _api.CallAsync(
            access,
            OpenStackApi.Compute,
            HttpMethod.Delete,
            $"/servers/{Uri.EscapeDataString(instanceId)}",
            ct,
            nullWhenNotFound: true
        );

    public async Task<IReadOnlyList<CloudInstance>> ListManagedAsync(CloudAccess access, CancellationToken ct) =>
        [
            .. (await ServersTaggedAsync(access, NovaServers.ManagedTag, ct)).Where(i =>
                i.State != CloudInstanceState.Terminated
            ),
        ];

    /// <summary>
    /// Every server carrying the Nova tag, page by page (Nova pages at its max_limit, 1000 by default).
    /// </summary>
    private async Task<List<CloudInstance>> ServersTaggedAsync(CloudAccess access, string tag, CancellationToken ct)
    {
        var instances = new List<CloudInstance>();
        string? marker = null;
        while (true)
        {
            var query = $"/servers/detail?tags={Uri.EscapeDataString(tag)}";
            if (marker is not null)
                query += $"&marker={Uri.EscapeDataString(marker)}";
            var page = await _api.CallAsync(access, OpenStackApi.Compute, HttpMethod.Get, query, ct);
            var servers = page?["servers"]?.AsArray() ?? [];
            foreach (var server in servers)
                if (server is not null)
                    instances.Add(NovaServers.ToInstance(server));
            var hasNext = page?["servers_links"]?.AsArray().Any(l => (string?)l?["rel"] == "next") == true;
            if (!hasNext || servers.Count == 0)
                return instances;
            marker = instances[^1].Id;
        }
    }

    /// <summary>Glance's active images, following its <c>next</c> links (relative to the endpoint).</summary>
    private async Task<IReadOnlyList<CloudImage>> ImagesAsync(CloudAccess access, CancellationToken ct)
    {
        var images = new List<CloudImage>();
        string? next = "/v2/images?status=active";
        for (var page = 0; next is not null && page < 100; page++)
        {
            var answer = await _api.CallAsync(access, OpenStackApi.Image, HttpMethod.Get, next, ct);
            foreach (var image in answer?["images"]?.AsArray() ?? [])
            {
                var id = (string?)image?["id"] ?? "";
                if (id.Length > 0)
                    images.Add(new CloudImage(id, (string?)image?["name"] is { Length: > 0 } name ? name : id));
            }
            next = (string?)answer?["next"];
        }
        return [.. images.OrderBy(i => i.Name, StringComparer.Ordinal)];
    }

    private async Task<List<JsonNode>> ListAsync(
        CloudAccess access,
        string service,
        string path,
        string property,
        CancellationToken ct
    )
    {
        var answer = await _api.CallAsync(access, service, HttpMethod.Get, path, ct);
        return [.. (answer?[property]?.AsArray() ?? []).OfType<JsonNode>()];
    }

    /// <summary>
    /// The flavor's id, for a template that names it by name; as written when Nova has no such flavor.
    /// </summary>
    private async Task<string> FlavorRefAsync(CloudAccess access, string flavor, CancellationToken ct)
    {
        var flavors = await ListAsync(access, OpenStackApi.Compute, "/flavors/detail", "flavors", ct);
        var match = flavors.FirstOrDefault(f => (string?)f["id"] == flavor)
            ?? flavors.FirstOrDefault(f => (string?)f["name"] == flavor);
        return (string?)match?["id"] ?? flavor;
    }

    /// <summary>
    /// The network's id, for a template that names it by name; as written when Neutron has no such one.
    /// </summary>
    private async Task<string> NetworkIdAsync(CloudAccess access, string network, CancellationToken ct)
    {
        var networks = await ListAsync(access, OpenStackApi.Network, "/v2.0/networks", "networks", ct);
        var match = networks.FirstOrDefault(n => (string?)n["id"] == network)
            ?? networks.FirstOrDefault(n => (string?)n["name"] == network);
        return (string?)match?["id"] ?? network;
    }

    private static JsonObject Metadata(InstanceSpec spec)
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in spec.Tags)
            metadata[key] = value;
        metadata[CloudTags.Host] = spec.HostTag;
        metadata[CloudTags.ManagedBy] = CloudTags.Portal;
        return metadata;
    }

    private static List<string> NamesOf(IEnumerable<JsonNode> items) =>
        [
            .. items
                .Select(i => (string?)i["name"] is { Length: > 0 } name ? name : (string?)i["id"] ?? "")
                .Where(n => n.Length > 0)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal),
        ];

    /// <summary>What is left of a limit; null where Nova says it is unlimited (-1) or does not say.</summary>
    private static int? Left(JsonNode? absolute, string limit, string used)
    {
        if (absolute?[limit] is not JsonValue max || !max.TryGetValue<int>(out var most) || most < 0)
            return null;
        var inUse = absolute[used] is JsonValue u && u.TryGetValue<int>(out var n) ? n : 0;
        return Math.Max(0, most - inUse);
    }
}

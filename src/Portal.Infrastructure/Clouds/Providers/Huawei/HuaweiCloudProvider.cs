using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.Huawei;

/// <summary>
/// Huawei Cloud ECS through its REST API, each call signed with SDK-HMAC-SHA256 (<see cref="SdkHmacSigner"/>). ECS
/// creates and deletes servers by asynchronous jobs, which this client follows to their end. The region's project is
/// the account's ProjectId, or else the IAM project named after the region.
/// </summary>
public sealed class HuaweiCloudProvider(IHttpClientFactory httpClients, TimeProvider clock) : ICloudProvider
{
    public const string ProjectIdField = "ProjectId";
    public const string AccessKeyField = "AccessKey";
    public const string SecretKeyField = "SecretKey";

    private const int ListLimit = 100;
    private static readonly TimeSpan _firstPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan _longestPoll = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan _jobDeadline = TimeSpan.FromMinutes(20);

    private readonly HuaweiApi _api = new(httpClients, clock);
    private readonly ConcurrentDictionary<(string?, string, string), string> _projects = new();

    public CloudKind Kind => CloudKind.Huawei;

    public IReadOnlyList<CloudField> Fields { get; } =
    [
        new(
            ProjectIdField,
            "Project ID",
            Secret: false,
            Required: false,
            "The project of the region (My Credentials → API Credentials); when empty, the IAM project named after the "
                + "region is used."
        ),
        new(AccessKeyField, "Access key ID (AK)", Secret: true, Required: true, "The IAM user's access key ID."),
        new(
            SecretKeyField,
            "Secret access key (SK)",
            Secret: true,
            Required: true,
            "The IAM user's secret access key; the user needs the ECS permissions to create and delete servers."
        ),
    ];

    /// <summary>Finds the region's project in IAM, checks the account's ProjectId by it, then lists flavors.</summary>
    public async Task<string> CheckAsync(CloudAccess access, CancellationToken ct)
    {
        var project = await RegionProjectAsync(access, ct);
        var configured = access.Setting(ProjectIdField);
        if (configured.Length > 0 && configured != project)
            throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                $"The project ID {configured} is not the project of {access.Region} in IAM ({project}).",
                null
            );
        await _api.CallAsync(access, "ecs", HttpMethod.Get, $"/v1/{project}/cloudservers/flavors", [], null, ct);
        return project;
    }

    public async Task<CloudCatalog> CatalogAsync(CloudAccess access, CancellationToken ct)
    {
        var project = await ProjectAsync(access, ct);
        var zones = await GetAsync(access, "ecs", $"/v2.1/{project}/os-availability-zone", [], ct);
        var flavors = await GetAsync(access, "ecs", $"/v1/{project}/cloudservers/flavors", [], ct);
        var images = new List<CloudImage>();
        var marker = "";
        while (true)
        {
            List<KeyValuePair<string, string>> query = [new("status", "active"), new("limit", "500")];
            if (marker.Length > 0)
                query.Add(new("marker", marker));
            var page = HuaweiApi.Items(await GetAsync(access, "ims", "/v2/cloudimages", query, ct), "images").ToList();
            images.AddRange(page.Select(i => new CloudImage(HuaweiApi.Text(i, "id"), HuaweiApi.Text(i, "name"))));
            if (page.Count < 500)
                break;
            marker = HuaweiApi.Text(page[^1], "id");
        }
        var vpcs = await GetAsync(access, "vpc", $"/v1/{project}/vpcs", [new("limit", "2000")], ct);
        var subnets = await GetAsync(access, "vpc", $"/v1/{project}/subnets", [new("limit", "2000")], ct);
        var groups = await GetAsync(access, "vpc", $"/v1/{project}/security-groups", [new("limit", "2000")], ct);
        var keyPairs = await GetAsync(access, "ecs", $"/v2.1/{project}/os-keypairs", [], ct);
        return new CloudCatalog(
            [
                .. HuaweiApi
                    .Items(zones, "availabilityZoneInfo")
                    .Where(z => !z.TryGetProperty("zoneState", out var s) || HuaweiApi.Text(s, "available") != "false")
                    .Select(z => HuaweiApi.Text(z, "zoneName")),
            ],
            [
                .. HuaweiApi
                    .Items(flavors, "flavors")
                    .Select(f => new CloudInstanceType(
                        HuaweiApi.Text(f, "id"),
                        Number(HuaweiApi.Text(f, "vcpus")),
                        Number(HuaweiApi.Text(f, "ram"))
                    )),
            ],
            images,
            [.. HuaweiApi.Items(vpcs, "vpcs").Select(v => HuaweiApi.Text(v, "id"))],
            [.. HuaweiApi.Items(subnets, "subnets").Select(s => HuaweiApi.Text(s, "id"))],
            [.. HuaweiApi.Items(groups, "security_groups").Select(g => HuaweiApi.Text(g, "id"))],
            [
                .. HuaweiApi
                    .Items(keyPairs, "keypairs")
                    .Select(k => k.TryGetProperty("keypair", out var pair) ? HuaweiApi.Text(pair, "name") : ""),
            ]
        );
    }

    public async Task<CloudQuota> QuotaAsync(CloudAccess access, CancellationToken ct)
    {
        var project = await ProjectAsync(access, ct);
        var limits = await GetAsync(access, "ecs", $"/v1/{project}/cloudservers/limits", [], ct);
        var absolute = limits.TryGetProperty("absolute", out var a) ? a : default;
        int? Left(string max, string used)
        {
            var limit = HuaweiApi.Text(absolute, max);
            if (limit.Length == 0 || limit == "-1")
                return null;
            return Math.Max(0, Number(limit) - Number(HuaweiApi.Text(absolute, used)));
        }
        return new CloudQuota(Left("maxTotalInstances", "totalInstancesUsed"), Left("maxTotalCores", "totalCoresUsed"));
    }

    public async Task<CloudInstance> CreateAsync(CloudAccess access, InstanceSpec spec, CancellationToken ct)
    {
        // ECS takes no idempotency token, so a create repeated after a crash finds the server the first one made.
        var existing = await FindByHostTagAsync(access, spec.HostTag, ct);
        if (existing is not null)
            return existing;
        var project = await ProjectAsync(access, ct);
        var tags = new Dictionary<string, string>(spec.Tags, StringComparer.Ordinal)
        {
            [CloudTags.ManagedBy] = CloudTags.Portal,
            [CloudTags.Host] = spec.HostTag,
        };
        var server = new JsonObject
        {
            ["name"] = spec.Name,
            ["flavorRef"] = spec.InstanceType,
            ["imageRef"] = spec.Image,
            ["user_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(spec.UserData)),
            ["vpcid"] = spec.Network,
            ["nics"] = new JsonArray(new JsonObject { ["subnet_id"] = spec.Subnet }),
            ["root_volume"] = new JsonObject { ["volumetype"] = "SSD", ["size"] = spec.SystemDiskGiB },
            ["server_tags"] = new JsonArray([
                .. tags.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["value"] = t.Value }),
            ]),
            ["count"] = 1,
            ["extendparam"] = new JsonObject { ["chargingMode"] = "postPaid" },
        };
        if (spec.Zone.Length > 0)
            server["availability_zone"] = spec.Zone;
        if (spec.SecurityGroup.Length > 0)
            server["security_groups"] = new JsonArray(new JsonObject { ["id"] = spec.SecurityGroup });
        if (spec.KeyPair.Length > 0)
            server["key_name"] = spec.KeyPair;
        var answer = (
            await _api.CallAsync(
                access,
                "ecs",
                HttpMethod.Post,
                $"/v1.1/{project}/cloudservers",
                [],
                new JsonObject { ["server"] = server },
                ct
            )
        ).GetValueOrDefault();
        var job = await WaitForJobAsync(access, project, HuaweiApi.Text(answer, "job_id"), ct);
        var id = HuaweiApi.Items(answer, "serverIds").Select(i => i.GetString()).FirstOrDefault()
            ?? (job.TryGetProperty("entities", out var entities) ? SubJobServers(entities).FirstOrDefault() : null);
        if (string.IsNullOrEmpty(id))
            throw new CloudRefusal(CloudRefusalKind.Unavailable, "ECS created the server but named no server id.");
        return await GetAsync(access, id, ct)
            ?? throw new CloudRefusal(CloudRefusalKind.Unavailable, $"ECS created server {id} but does not find it.");
    }

    public async Task<CloudInstance?> FindByHostTagAsync(CloudAccess access, string hostTag, CancellationToken ct) =>
        (await ListAsync(access, CloudTags.Host, hostTag, ct)).FirstOrDefault(i => i.HostTag == hostTag);

    public async Task<CloudInstance?> GetAsync(CloudAccess access, string instanceId, CancellationToken ct)
    {
        var project = await ProjectAsync(access, ct);
        var answer = await _api.CallAsync(
            access,
            "ecs",
            HttpMethod.Get,
            $"/v1/{project}/cloudservers/{instanceId}",
            [],
            null,
            ct,
            notFoundIsNull: true
        );
        return answer is { } found && found.TryGetProperty("server", out var server) ? Instance(server) : null;
    }

    public async Task TerminateAsync(CloudAccess access, string instanceId, CancellationToken ct)
    {
        var instance = await GetAsync(access, instanceId, ct);
        if (instance is null || instance.State == CloudInstanceState.Terminated)
            return;
        var project = await ProjectAsync(access, ct);
        var answer = (
            await _api.CallAsync(
                access,
                "ecs",
                HttpMethod.Post,
                $"/v1/{project}/cloudservers/delete",
                [],
                new JsonObject
                {
                    ["servers"] = new JsonArray(new JsonObject { ["id"] = instanceId }),
                    ["delete_publicip"] = true,
                    ["delete_volume"] = true,
                },
                ct
            )
        ).GetValueOrDefault();
        await WaitForJobAsync(access, project, HuaweiApi.Text(answer, "job_id"), ct);
    }

    public async Task<IReadOnlyList<CloudInstance>> ListManagedAsync(CloudAccess access, CancellationToken ct) =>
        await ListAsync(access, CloudTags.ManagedBy, CloudTags.Portal, ct);

    /// <summary>The servers tagged key=value and not deleted, page by page (ECS's offset is a page number).</summary>
    private async Task<List<CloudInstance>> ListAsync(
        CloudAccess access,
        string key,
        string value,
        CancellationToken ct
    )
    {
        var project = await ProjectAsync(access, ct);
        var instances = new List<CloudInstance>();
        for (var page = 1; ; page++)
        {
            var answer = await GetAsync(
                access,
                "ecs",
                $"/v1/{project}/cloudservers/detail",
                [
                    new("tags", $"{key}={value}"),
                    new("limit", ListLimit.ToString(CultureInfo.InvariantCulture)),
                    new("offset", page.ToString(CultureInfo.InvariantCulture)),
                ],
                ct
            );
            var servers = HuaweiApi.Items(answer, "servers").ToList();
            instances.AddRange(
                servers
                    .Select(Instance)
                    .Where(i => i.State != CloudInstanceState.Terminated)
                    .Where(i => i.Tags.TryGetValue(key, out var tagged) && tagged == value)
            );
            if (servers.Count < ListLimit)
                return instances;
        }
    }

    /// <summary>Follows an ECS job until it succeeds; a failed job is refused with its own reason.</summary>
    private async Task<JsonElement> WaitForJobAsync(
        CloudAccess access,
        string project,
        string jobId,
        CancellationToken ct
    )
    {
        if (jobId.Length == 0)
            throw new CloudRefusal(CloudRefusalKind.Unavailable, "ECS accepted the request but named no job.");
        var deadline = clock.GetUtcNow() + _jobDeadline;
        var wait = _firstPoll;
        while (true)
        {
            var job = await GetAsync(access, "ecs", $"/v1/{project}/jobs/{jobId}", [], ct);
            switch (HuaweiApi.Text(job, "status"))
            {
                case "SUCCESS":
                    return job;
                case "FAIL":
                    var code = HuaweiApi.Text(job, "error_code");
                    var reason = HuaweiApi.Text(job, "fail_reason");
                    throw new CloudRefusal(
                        HuaweiApi.KindOf(System.Net.HttpStatusCode.BadRequest, code),
                        $"{(code.Length > 0 ? code : "ECS job " + jobId)}: "
                            + (reason.Length > 0 ? reason : "the job failed"),
                        code.Length > 0 ? code : null
                    );
            }
            if (clock.GetUtcNow() > deadline)
                throw new CloudRefusal(
                    CloudRefusalKind.Unavailable,
                    $"ECS job {jobId} did not finish within {_jobDeadline.TotalMinutes} minutes."
                );
            await Task.Delay(wait, clock, ct);
            wait = wait * 2 < _longestPoll ? wait * 2 : _longestPoll;
        }
    }

    private async Task<JsonElement> GetAsync(
        CloudAccess access,
        string service,
        string path,
        IReadOnlyList<KeyValuePair<string, string>> query,
        CancellationToken ct
    ) => (await _api.CallAsync(access, service, HttpMethod.Get, path, query, null, ct)).GetValueOrDefault();

    private async Task<string> ProjectAsync(CloudAccess access, CancellationToken ct)
    {
        var configured = access.Setting(ProjectIdField);
        return configured.Length > 0 ? configured : await RegionProjectAsync(access, ct);
    }

    private async Task<string> RegionProjectAsync(CloudAccess access, CancellationToken ct)
    {
        var key = (access.Endpoint?.ToString(), access.Secret(AccessKeyField), access.Region);
        if (_projects.TryGetValue(key, out var known))
            return known;
        var answer = await GetAsync(access, "iam", "/v3/projects", [new("name", access.Region)], ct);
        var project = HuaweiApi
            .Items(answer, "projects")
            .Where(p => HuaweiApi.Text(p, "name") == access.Region)
            .Select(p => HuaweiApi.Text(p, "id"))
            .FirstOrDefault();
        if (string.IsNullOrEmpty(project))
            throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                $"IAM has no project named {access.Region}: the region does not exist or the account may not use it."
            );
        return _projects[key] = project;
    }

    private static IEnumerable<string> SubJobServers(JsonElement entities) =>
        HuaweiApi
            .Items(entities, "sub_jobs")
            .Select(s => s.TryGetProperty("entities", out var e) ? HuaweiApi.Text(e, "server_id") : "")
            .Where(id => id.Length > 0);

    private static CloudInstance Instance(JsonElement server)
    {
        var addresses =
            server.TryGetProperty("addresses", out var networks) && networks.ValueKind == JsonValueKind.Object
                ? networks.EnumerateObject().SelectMany(n => n.Value.EnumerateArray()).ToList()
                : [];
        string? Address(string type) =>
            addresses
                .Where(a => HuaweiApi.Text(a, "OS-EXT-IPS:type") == type && HuaweiApi.Text(a, "version") == "4")
                .Select(a => HuaweiApi.Text(a, "addr"))
                .FirstOrDefault();
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in HuaweiApi.Items(server, "tags").Select(t => t.GetString() ?? ""))
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
                tags[tag[..equals]] = tag[(equals + 1)..];
        }
        var flavor = server.TryGetProperty("flavor", out var f) ? HuaweiApi.Text(f, "id") : "";
        return new CloudInstance(
            HuaweiApi.Text(server, "id"),
            HuaweiApi.Text(server, "name"),
            HuaweiApi.Text(server, "status") switch
            {
                "ACTIVE" or "REBOOT" or "HARD_REBOOT" or "RESIZE" or "VERIFY_RESIZE" or "MIGRATING" =>
                    CloudInstanceState.Running,
                "SHUTOFF" => CloudInstanceState.Stopped,
                "DELETED" or "SOFT_DELETED" => CloudInstanceState.Terminated,
                "ERROR" => CloudInstanceState.Failed,
                _ => CloudInstanceState.Pending,
            },
            Address("fixed"),
            Address("floating"),
            flavor,
            HuaweiApi.Text(server, "OS-EXT-AZ:availability_zone"),
            tags,
            DateTime.TryParse(
                HuaweiApi.Text(server, "created"),
                CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
                out var created
            )
                ? created
                : null,
            server.TryGetProperty("fault", out var fault) ? HuaweiApi.Text(fault, "message") : null
        );
    }

    private static int Number(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
}

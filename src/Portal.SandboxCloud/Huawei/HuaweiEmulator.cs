using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.Huawei;

/// <summary>
/// Huawei Cloud as far as the portal calls it, every service on one endpoint: IAM's project list, ECS's servers, jobs,
/// flavors, zones, key pairs and limits, IMS's images and the VPC service's lists. Each request is signed with
/// SDK-HMAC-SHA256 and answered in Huawei's JSON shapes and error codes. A region's project id is
/// <see cref="ProjectIdOf"/>.
/// </summary>
public sealed class HuaweiEmulator : CloudEmulator
{
    private readonly SdkHmacVerifier _verifier = new();
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);

    public override string Kind => "Huawei";

    /// <summary>The id of the IAM project named after the region, as the emulator's IAM lists it.</summary>
    public static string ProjectIdOf(string region) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("project:" + region)))[..32];

    public override void Map(WebApplication app, EmulatedCloud cloud) =>
        app.Run(context => HandleAsync(context, cloud));

    private async Task HandleAsync(HttpContext context, EmulatedCloud cloud)
    {
        var ct = context.RequestAborted;
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        Answer answer;
        if (_verifier.Verify(context.Request, body, cloud) is { } why)
            answer = Gateway(401, "APIGW.0301", why);
        else if (cloud.Faults.Throttles())
            answer = Gateway(
                429,
                "APIGW.0308",
                "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute"
            );
        else if (cloud.Faults.Fails())
            answer = Ecs(500, "Ecs.0002", "A system exception occurred. Try again later or contact customer service.");
        else
        {
            try
            {
                answer = await RouteAsync(context.Request, body, cloud, ct);
            }
            catch (EcsRefusal e)
            {
                answer = e.Answer;
            }
            catch (EmulatedRefusal e)
            {
                answer = Translate(e);
            }
        }
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json;charset=UTF-8";
        context.Response.Headers["X-Request-Id"] = Guid.NewGuid().ToString("N");
        await context.Response.WriteAsync(answer.Body.ToJsonString(), ct);
    }

    private async Task<Answer> RouteAsync(HttpRequest request, byte[] body, EmulatedCloud cloud, CancellationToken ct)
    {
        var path = (request.Path.Value ?? "").Trim('/').Split('/');
        var get = HttpMethods.IsGet(request.Method);
        if (get && path is ["v3", "projects"])
            return Ok(Projects(cloud, request.Query["name"].ToString()));
        if (get && path is ["v2", "cloudimages"])
            return Ok(
                new JsonObject
                {
                    ["images"] = new JsonArray([
                        .. cloud
                            .Images.OrderBy(i => i.Key, StringComparer.Ordinal)
                            .Where(i => string.CompareOrdinal(i.Key, request.Query["marker"].ToString()) > 0)
                            .Take(Limit(request, 500, 1000))
                            .Select(i =>
                                (JsonNode)
                                    new JsonObject
                                    {
                                        ["id"] = i.Key,
                                        ["name"] = i.Value,
                                        ["status"] = "active",
                                        ["__imagetype"] = "gold",
                                    }
                            ),
                    ]),
                }
            );
        if (path.Length < 3)
            throw NoSuchApi();
        var region = cloud.Regions.Keys.FirstOrDefault(r => ProjectIdOf(r) == path[1])
            ?? throw new EcsRefusal(
                Ecs(403, "Ecs.0003", "You do not have permission to perform this operation: the project is not yours.")
            );
        var zones = cloud.Regions[region];
        return (request.Method, path[0], path[2..]) switch
        {
            ("GET", "v1", ["cloudservers", "flavors"]) => Ok(Flavors(cloud)),
            ("GET", "v1", ["cloudservers", "limits"]) => Ok(Limits(cloud)),
            ("GET", "v1", ["cloudservers", "detail"]) => Ok(Detail(request, cloud, region)),
            ("POST", "v1", ["cloudservers", "delete"]) => Ok(Delete(body, cloud, region)),
            ("GET", "v1", ["cloudservers", var id]) => Ok(Server(id, cloud, region)),
            ("POST", "v1.1", ["cloudservers"]) => Ok(await CreateAsync(body, cloud, region, zones, ct)),
            ("GET", "v1", ["jobs", var id]) => Ok(JobOf(id, cloud)),
            ("GET", "v2.1", ["os-availability-zone"]) => Ok(
                new JsonObject
                {
                    ["availabilityZoneInfo"] = new JsonArray([
                        .. zones.Select(z =>
                            (JsonNode)
                                new JsonObject
                                {
                                    ["zoneName"] = z,
                                    ["zoneState"] = new JsonObject { ["available"] = true },
                                    ["hosts"] = null,
                                }
                        ),
                    ]),
                }
            ),
            ("GET", "v2.1", ["os-keypairs"]) => Ok(
                List(
                    "keypairs",
                    cloud.KeyPairs.Select(k => new JsonObject { ["keypair"] = new JsonObject { ["name"] = k } })
                )
            ),
            ("GET", "v1", ["vpcs"]) => Ok(List("vpcs", cloud.Networks.Select(n => Named(n, "OK")))),
            ("GET", "v1", ["subnets"]) => Ok(
                List(
                    "subnets",
                    cloud.Networks.Select(n =>
                    {
                        var subnet = Named(SubnetOf(n), "ACTIVE");
                        subnet["vpc_id"] = n;
                        return subnet;
                    })
                )
            ),
            ("GET", "v1", ["security-groups"]) => Ok(
                List("security_groups", cloud.SecurityGroups.Select(g => Named(g, "")))
            ),
            _ => throw NoSuchApi(),
        };
    }

    private static JsonObject Projects(EmulatedCloud cloud, string name) =>
        List(
            "projects",
            cloud
                .Regions.Keys.Where(r => name.Length == 0 || r == name)
                .Select(r => new JsonObject
                {
                    ["id"] = ProjectIdOf(r),
                    ["name"] = r,
                    ["domain_id"] = "sandbox-domain",
                    ["enabled"] = true,
                    ["is_domain"] = false,
                })
        );

    private static JsonObject Flavors(EmulatedCloud cloud) =>
        List(
            "flavors",
            cloud.InstanceTypes.Select(t => new JsonObject
            {
                ["id"] = t.Name,
                ["name"] = t.Name,
                ["vcpus"] = t.Cpus.ToString(CultureInfo.InvariantCulture),
                ["ram"] = t.MemoryMiB,
                ["disk"] = "0",
            })
        );

    private static JsonObject Limits(EmulatedCloud cloud) =>
        new()
        {
            ["absolute"] = new JsonObject
            {
                ["maxTotalInstances"] = cloud.InstanceLimit,
                ["totalInstancesUsed"] = cloud.RunningCount,
                ["maxTotalCores"] = cloud.CpuLimit,
                ["totalCoresUsed"] = cloud.CpusInUse,
                ["maxTotalRAMSize"] = -1,
                ["totalRAMUsed"] = cloud
                    .Instances.Where(i => i.State != EmulatedState.Terminated)
                    .Sum(i => i.Type.MemoryMiB),
            },
        };

    private async Task<JsonObject> CreateAsync(
        byte[] body,
        EmulatedCloud cloud,
        string region,
        IReadOnlyList<string> zones,
        CancellationToken ct
    )
    {
        JsonNode? server;
        try
        {
            server = JsonNode.Parse(body)?["server"];
        }
        catch (JsonException)
        {
            server = null;
        }
        if (server is null)
            throw Invalid("request body is illegal.");
        if (server["count"] is { } count && count.GetValue<int>() != 1)
            throw Invalid("the emulated ECS creates one server per request.");
        var vpc = Text(server["vpcid"]);
        if (!cloud.Networks.Contains(vpc))
            throw Invalid($"vpc [{vpc}] is invalid.");
        var subnet = Text(server["nics"]?[0]?["subnet_id"]);
        if (subnet != SubnetOf(vpc))
            throw Invalid($"subnet [{subnet}] is not in vpc [{vpc}].");
        var group = Text(server["security_groups"]?[0]?["id"]);
        if (group.Length > 0 && !cloud.SecurityGroups.Contains(group))
            throw Invalid($"security group [{group}] is invalid.");
        var keyName = Text(server["key_name"]);
        if (keyName.Length > 0 && !cloud.KeyPairs.Contains(keyName))
            throw Invalid($"keypair [{keyName}] is invalid.");
        string userData;
        try
        {
            userData = Encoding.UTF8.GetString(Convert.FromBase64String(Text(server["user_data"])));
        }
        catch (FormatException)
        {
            throw Invalid("user_data is not base64.");
        }
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in server["server_tags"]?.AsArray() ?? new JsonArray())
            tags[Text(tag?["key"])] = Text(tag?["value"]);
        var zone = Text(server["availability_zone"]);
        var instance = await cloud.CreateAsync(
            region,
            zone.Length > 0 ? zone : zones[0],
            Text(server["flavorRef"]),
            Text(server["imageRef"]),
            Text(server["name"]),
            tags,
            userData,
            null,
            ct,
            network: vpc,
            securityGroup: group,
            keyPair: keyName,
            systemDiskGiB: server["root_volume"]?["size"]?.GetValue<int>() ?? 40
        );
        var jobId = Guid.NewGuid().ToString("N");
        _jobs[jobId] = new Job("createServer", instance.Id, DateTimeOffset.UtcNow);
        return new JsonObject { ["job_id"] = jobId, ["serverIds"] = new JsonArray(instance.Id) };
    }

    private JsonObject Delete(byte[] body, EmulatedCloud cloud, string region)
    {
        var ids = (JsonNode.Parse(body)?["servers"]?.AsArray() ?? new JsonArray()).Select(s => Text(s?["id"])).ToList();
        foreach (var id in ids)
        {
            var instance = cloud.Find(id);
            if (instance is null || instance.Region != region)
                throw new EcsRefusal(Ecs(404, "Ecs.0114", $"Instance[{id}] could not be found."));
            cloud.Terminate(id);
        }
        var jobId = Guid.NewGuid().ToString("N");
        _jobs[jobId] = new Job("deleteServer", string.Join(',', ids), DateTimeOffset.UtcNow);
        return new JsonObject { ["job_id"] = jobId };
    }

    /// <summary>A create job runs until its server is ACTIVE, and fails if the server is deleted before that.</summary>
    private JsonObject JobOf(string id, EmulatedCloud cloud)
    {
        if (!_jobs.TryGetValue(id, out var job))
            throw new EcsRefusal(Ecs(404, "Ecs.0103", $"The job [{id}] does not exist."));
        var instance = cloud.Find(job.ServerId.Split(',')[0]);
        var (status, reason) = job.Type switch
        {
            "deleteServer" => ("SUCCESS", ""),
            _ when instance?.State == EmulatedState.Running => ("SUCCESS", ""),
            _ when instance?.State == EmulatedState.Pending => ("RUNNING", ""),
            _ => ("FAIL", "The server was deleted before it became active."),
        };
        var subJob = new JsonObject
        {
            ["status"] = status,
            ["entities"] = new JsonObject { ["server_id"] = job.ServerId },
            ["job_id"] = id + "-1",
            ["job_type"] = job.Type == "createServer" ? "createSingleServer" : "deleteSingleServer",
            ["fail_reason"] = reason.Length > 0 ? reason : null,
            ["error_code"] = reason.Length > 0 ? "Ecs.0000" : null,
        };
        return new JsonObject
        {
            ["status"] = status,
            ["entities"] = new JsonObject { ["sub_jobs_total"] = 1, ["sub_jobs"] = new JsonArray(subJob) },
            ["job_id"] = id,
            ["job_type"] = job.Type,
            ["begin_time"] = job.Begin.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["error_code"] = reason.Length > 0 ? "Ecs.0000" : null,
            ["fail_reason"] = reason.Length > 0 ? reason : null,
        };
    }

    private static JsonObject Detail(HttpRequest request, EmulatedCloud cloud, string region)
    {
        var tag = request.Query["tags"].ToString();
        var equals = tag.IndexOf('=', StringComparison.Ordinal);
        var (key, value) = equals < 0 ? (tag, "") : (tag[..equals], tag[(equals + 1)..]);
        var limit = Limit(request, 25, 1000);
        var page = int.TryParse(request.Query["offset"], CultureInfo.InvariantCulture, out var o) && o > 0 ? o : 1;
        var found = cloud
            .Instances.Where(i => i.Region == region && i.State != EmulatedState.Terminated)
            .Where(i => key.Length == 0 || (i.Tags.TryGetValue(key, out var v) && (value.Length == 0 || v == value)))
            .OrderBy(i => i.CreatedAt)
            .ToList();
        return new JsonObject
        {
            ["count"] = found.Count,
            ["servers"] = new JsonArray([
                .. found.Skip((page - 1) * limit).Take(limit).Select(i => (JsonNode)Describe(i)),
            ]),
        };
    }

    private static JsonObject Server(string id, EmulatedCloud cloud, string region)
    {
        var instance = cloud.Find(id);
        if (instance is null || instance.Region != region)
            throw new EcsRefusal(Ecs(404, "Ecs.0114", $"Instance[{id}] could not be found."));
        return new JsonObject { ["server"] = Describe(instance) };
    }

    private static JsonObject Describe(EmulatedInstance instance) =>
        new()
        {
            ["id"] = instance.Id,
            ["name"] = instance.Name,
            ["status"] = instance.State switch
            {
                EmulatedState.Running => "ACTIVE",
                EmulatedState.Terminated => "DELETED",
                _ => "BUILD",
            },
            ["OS-EXT-STS:vm_state"] = instance.State switch
            {
                EmulatedState.Running => "active",
                EmulatedState.Terminated => "deleted",
                _ => "building",
            },
            ["flavor"] = new JsonObject
            {
                ["id"] = instance.Type.Name,
                ["name"] = instance.Type.Name,
                ["vcpus"] = instance.Type.Cpus.ToString(CultureInfo.InvariantCulture),
                ["ram"] = instance.Type.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            },
            ["image"] = new JsonObject { ["id"] = instance.Image },
            ["key_name"] = instance.KeyPair,
            ["OS-EXT-AZ:availability_zone"] = instance.Zone,
            ["created"] = instance.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["addresses"] = new JsonObject
            {
                [instance.Network] = new JsonArray(
                    new JsonObject
                    {
                        ["addr"] = instance.PrivateAddress,
                        ["version"] = "4",
                        ["OS-EXT-IPS:type"] = "fixed",
                    }
                ),
            },
            ["security_groups"] = new JsonArray([
                .. new[] { instance.SecurityGroup }.Where(g => g.Length > 0).Select(g => (JsonNode)Named(g, "")),
            ]),
            ["metadata"] = new JsonObject { ["vpc_id"] = instance.Network },
            ["tags"] = new JsonArray([.. instance.Tags.Select(t => (JsonNode)JsonValue.Create($"{t.Key}={t.Value}"))]),
        };

    private static Answer Translate(EmulatedRefusal refusal) =>
        refusal.Kind switch
        {
            EmulatedRefusalKind.QuotaExceeded => Ecs(
                400,
                "Ecs.0001",
                $"Insufficient ECS quota. Contact customer service to increase quota. {refusal.Message}"
            ),
            EmulatedRefusalKind.InvalidInstanceType => Ecs(
                400,
                "Ecs.0005",
                "Invalid parameter values: flavorRef is invalid. " + refusal.Message
            ),
            EmulatedRefusalKind.InvalidImage => Ecs(
                400,
                "Ecs.0005",
                "Invalid parameter values: imageRef is invalid. " + refusal.Message
            ),
            EmulatedRefusalKind.InvalidZone => Ecs(
                400,
                "Ecs.0005",
                "Invalid parameter values: availability_zone is invalid. " + refusal.Message
            ),
            _ => Ecs(400, "Ecs.0005", "Invalid parameter values. " + refusal.Message),
        };

    private static EcsRefusal Invalid(string detail) =>
        new(Ecs(400, "Ecs.0005", "Invalid parameter values: " + detail));

    private static EcsRefusal NoSuchApi() =>
        new(Gateway(404, "APIGW.0101", "The API does not exist or has not been published in the environment"));

    private static Answer Ok(JsonObject body) => new(200, body);

    private static Answer Ecs(int status, string code, string message) =>
        new(
            status,
            new JsonObject
            {
                ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
            }
        );

    private static Answer Gateway(int status, string code, string message) =>
        new(
            status,
            new JsonObject
            {
                ["error_msg"] = message,
                ["error_code"] = code,
                ["request_id"] = Guid.NewGuid().ToString("N"),
            }
        );

    private static JsonObject List(string name, IEnumerable<JsonObject> items) =>
        new() { [name] = new JsonArray([.. items]) };

    private static JsonObject Named(string id, string status) =>
        new()
        {
            ["id"] = id,
            ["name"] = id,
            ["status"] = status,
        };

    private static string SubnetOf(string network) => network + "-subnet";

    private static int Limit(HttpRequest request, int fallback, int most) =>
        Math.Clamp(
            int.TryParse(request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? l : fallback,
            1,
            most
        );

    private static string Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    private sealed record Job(string Type, string ServerId, DateTimeOffset Begin);

    private sealed record Answer(int Status, JsonObject Body);

    private sealed class EcsRefusal(Answer answer) : Exception(answer.Body.ToJsonString())
    {
        public Answer Answer { get; } = answer;
    }
}

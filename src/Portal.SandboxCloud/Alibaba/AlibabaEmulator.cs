using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.Alibaba;

/// <summary>
/// Alibaba Cloud ECS's RPC API (2014-05-26) as far as the portal calls it, signed with ACS3-HMAC-SHA256 and answered
/// in ECS's JSON shapes and error codes. Parameters are read from the query and from a form body alike.
/// </summary>
public sealed class AlibabaEmulator : CloudEmulator
{
    private readonly AcsSignatureVerifier _verifier = new();

    public override string Kind => "Alibaba";

    public override void Map(WebApplication app, EmulatedCloud cloud) =>
        app.MapMethods("/", ["GET", "POST"], context => HandleAsync(context, cloud));

    private async Task HandleAsync(HttpContext context, EmulatedCloud cloud)
    {
        var ct = context.RequestAborted;
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        var refusal = _verifier.Verify(context.Request, body, cloud);
        if (refusal is null && cloud.Faults.Throttles())
            refusal = new AcsError(400, "Throttling.User", "Request was denied due to user flow control.");
        if (refusal is null && cloud.Faults.Fails())
            refusal = new AcsError(
                500,
                "InternalError",
                "The request processing has failed due to some unknown error, exception or failure."
            );
        JsonObject answer;
        if (refusal is not null)
            answer = Error(context, refusal);
        else
        {
            try
            {
                var call = new EcsCall(context.Request.Headers["x-acs-action"].ToString(), Parameters(context, body));
                answer = await AnswerAsync(call, cloud, ct);
            }
            catch (AcsRefusal e)
            {
                answer = Error(context, e.Error);
            }
            catch (EmulatedRefusal e)
            {
                answer = Error(context, Translate(e));
            }
        }
        answer["RequestId"] = Guid.NewGuid().ToString().ToUpperInvariant();
        context.Response.ContentType = "application/json;charset=utf-8";
        await context.Response.WriteAsync(answer.ToJsonString(), ct);
    }

    private static async Task<JsonObject> AnswerAsync(EcsCall call, EmulatedCloud cloud, CancellationToken ct)
    {
        if (call.Action == "DescribeRegions")
            return Wrapped(
                "Regions",
                "Region",
                cloud.Regions.Keys.Select(r => new JsonObject
                {
                    ["RegionId"] = r,
                    ["LocalName"] = $"Sandbox {r}",
                    ["RegionEndpoint"] = $"ecs.{r}.aliyuncs.com",
                })
            );
        // DeleteInstance names its instance only: the instance's id says its region.
        if (call.Action == "DeleteInstance")
            return DeleteInstance(call, cloud);
        var region = call["RegionId"];
        if (!cloud.Regions.TryGetValue(region, out var zones))
            throw new AcsRefusal(404, "InvalidRegionId.NotFound", "The specified RegionId does not exist.");
        return call.Action switch
        {
            "DescribeZones" => Wrapped(
                "Zones",
                "Zone",
                zones.Select(z => new JsonObject { ["ZoneId"] = z, ["LocalName"] = $"Sandbox {z}" })
            ),
            "DescribeInstanceTypes" => Wrapped(
                "InstanceTypes",
                "InstanceType",
                cloud.InstanceTypes.Select(t => new JsonObject
                {
                    ["InstanceTypeId"] = t.Name,
                    ["CpuCoreCount"] = t.Cpus,
                    ["MemorySize"] = t.MemoryMiB / 1024.0,
                })
            ),
            "DescribeImages" => Paged(
                call,
                "Images",
                "Image",
                cloud.Images.Select(i => new JsonObject
                {
                    ["ImageId"] = i.Key,
                    ["ImageName"] = i.Value,
                    ["Status"] = "Available",
                })
            ),
            "DescribeSecurityGroups" => Paged(
                call,
                "SecurityGroups",
                "SecurityGroup",
                cloud.SecurityGroups.Select(g => new JsonObject { ["SecurityGroupId"] = g, ["SecurityGroupName"] = g })
            ),
            "DescribeVpcs" => Paged(
                call,
                "Vpcs",
                "Vpc",
                cloud.Networks.Select(n => new JsonObject { ["VpcId"] = n, ["VpcName"] = n })
            ),
            "DescribeVSwitches" => Paged(
                call,
                "VSwitches",
                "VSwitch",
                zones.Select(z => new JsonObject
                {
                    ["VSwitchId"] = VSwitchOf(z),
                    ["VpcId"] = cloud.Networks[0],
                    ["ZoneId"] = z,
                })
            ),
            "DescribeKeyPairs" => Paged(
                call,
                "KeyPairs",
                "KeyPair",
                cloud.KeyPairs.Select(k => new JsonObject { ["KeyPairName"] = k })
            ),
            "DescribeAccountAttributes" => AccountAttributes(call, cloud),
            "RunInstances" => await RunInstancesAsync(call, cloud, region, zones, ct),
            "DescribeInstances" => DescribeInstances(call, cloud, region),
            _ => throw new AcsRefusal(
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method."
            ),
        };
    }

    private static JsonObject AccountAttributes(EcsCall call, EmulatedCloud cloud)
    {
        var values = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["max-postpaid-instance-vcpu-count"] = cloud.CpuLimit,
            ["used-postpaid-instance-vcpu-count"] = cloud.CpusInUse,
        };
        var asked = call.Numbered("AttributeName").ToList();
        return Wrapped(
            "AccountAttributeItems",
            "AccountAttributeItem",
            values
                .Where(v => asked.Count == 0 || asked.Contains(v.Key))
                .Select(v => new JsonObject
                {
                    ["AttributeName"] = v.Key,
                    ["AttributeValues"] = new JsonObject
                    {
                        ["ValueItem"] = new JsonArray(
                            new JsonObject
                            {
                                ["Value"] = v.Value.ToString(CultureInfo.InvariantCulture),
                                ["Count"] = 1,
                                ["InstanceChargeType"] = "PostPaid",
                            }
                        ),
                    },
                })
        );
    }

    private static async Task<JsonObject> RunInstancesAsync(
        EcsCall call,
        EmulatedCloud cloud,
        string region,
        IReadOnlyList<string> zones,
        CancellationToken ct
    )
    {
        if (call["Amount"] is { Length: > 0 } amount && amount != "1")
            throw new AcsRefusal(400, "InvalidParameter.Amount", "The emulated ECS starts one instance per call.");
        var vswitch = call["VSwitchId"];
        var zone = call["ZoneId"];
        if (vswitch.Length > 0)
        {
            var vswitchZone = zones.FirstOrDefault(z => VSwitchOf(z) == vswitch);
            if (vswitchZone is null)
                throw new AcsRefusal(404, "InvalidVSwitchId.NotFound", "The specified VSwitchId does not exist.");
            if (zone.Length > 0 && zone != vswitchZone)
                throw new AcsRefusal(
                    403,
                    "InvalidVSwitchId.Mismatch",
                    "The specified VSwitch is not in the specified zone."
                );
            zone = vswitchZone;
        }
        if (call["SecurityGroupId"] is { Length: > 0 } group && !cloud.SecurityGroups.Contains(group))
            throw new AcsRefusal(
                404,
                "InvalidSecurityGroupId.NotFound",
                "The specified SecurityGroupId does not exist."
            );
        if (call["KeyPairName"] is { Length: > 0 } keyPair && !cloud.KeyPairs.Contains(keyPair))
            throw new AcsRefusal(404, "InvalidKeyPairName.NotFound", "The specified KeyPairName does not exist.");
        string userData;
        try
        {
            userData = Encoding.UTF8.GetString(Convert.FromBase64String(call["UserData"]));
        }
        catch (FormatException)
        {
            throw new AcsRefusal(400, "InvalidUserData.Base64FormatInvalid", "The specified UserData is not base64.");
        }
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var n = 1; call[$"Tag.{n}.Key"] is { Length: > 0 } key; n++)
            tags[key] = call[$"Tag.{n}.Value"];
        var instance = await cloud.CreateAsync(
            region,
            zone,
            call["InstanceType"],
            call["ImageId"],
            call["InstanceName"],
            tags,
            userData,
            call["ClientToken"] is { Length: > 0 } token ? token : null,
            ct,
            network: vswitch,
            securityGroup: call["SecurityGroupId"],
            keyPair: call["KeyPairName"],
            systemDiskGiB: int.TryParse(call["SystemDisk.Size"], CultureInfo.InvariantCulture, out var disk) ? disk : 40
        );
        return new JsonObject
        {
            ["InstanceIdSets"] = new JsonObject { ["InstanceIdSet"] = new JsonArray(instance.Id) },
            ["TradePrice"] = 0.0,
        };
    }

    private static JsonObject DescribeInstances(EcsCall call, EmulatedCloud cloud, string region)
    {
        var ids = call["InstanceIds"] is { Length: > 0 } json ? JsonSerializer.Deserialize<string[]>(json) ?? [] : null;
        var filters = new List<(string Key, string Value)>();
        for (var n = 1; call[$"Tag.{n}.Key"] is { Length: > 0 } key; n++)
            filters.Add((key, call[$"Tag.{n}.Value"]));
        var found = cloud
            .Instances.Where(i => i.Region == region && i.State != EmulatedState.Terminated)
            .Where(i => ids is null || ids.Contains(i.Id))
            .Where(i => filters.All(f => i.Tags.TryGetValue(f.Key, out var v) && (f.Value.Length == 0 || v == f.Value)))
            .OrderBy(i => i.CreatedAt)
            .Select(i => Describe(i, cloud));
        return Paged(call, "Instances", "Instance", found);
    }

    private static JsonObject DeleteInstance(EcsCall call, EmulatedCloud cloud)
    {
        var instance = cloud.Find(call["InstanceId"]);
        if (instance is null || instance.State == EmulatedState.Terminated)
            throw new AcsRefusal(404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.");
        if (instance.State == EmulatedState.Running && call["Force"] != "true")
            throw new AcsRefusal(
                403,
                "IncorrectInstanceStatus",
                "The current status of the resource does not support this operation."
            );
        cloud.Terminate(instance.Id);
        return new JsonObject();
    }

    private static JsonObject Describe(EmulatedInstance instance, EmulatedCloud cloud) =>
        new()
        {
            ["InstanceId"] = instance.Id,
            ["InstanceName"] = instance.Name,
            ["HostName"] = instance.Name,
            ["Status"] = instance.State == EmulatedState.Running ? "Running" : "Pending",
            ["InstanceType"] = instance.Type.Name,
            ["Cpu"] = instance.Type.Cpus,
            ["Memory"] = instance.Type.MemoryMiB,
            ["RegionId"] = instance.Region,
            ["ZoneId"] = instance.Zone,
            ["ImageId"] = instance.Image,
            ["KeyPairName"] = instance.KeyPair,
            ["InstanceChargeType"] = "PostPaid",
            ["CreationTime"] = instance.CreatedAt.UtcDateTime.ToString(
                "yyyy-MM-ddTHH:mmZ",
                CultureInfo.InvariantCulture
            ),
            ["VpcAttributes"] = new JsonObject
            {
                ["VpcId"] = cloud.Networks.FirstOrDefault() ?? "",
                ["VSwitchId"] = instance.Network,
                ["PrivateIpAddress"] = new JsonObject { ["IpAddress"] = new JsonArray(instance.PrivateAddress) },
            },
            ["PublicIpAddress"] = new JsonObject { ["IpAddress"] = new JsonArray() },
            ["EipAddress"] = new JsonObject { ["IpAddress"] = "" },
            ["SecurityGroupIds"] = new JsonObject
            {
                ["SecurityGroupId"] =
                    instance.SecurityGroup.Length > 0 ? new JsonArray(instance.SecurityGroup) : new JsonArray(),
            },
            ["Tags"] = new JsonObject
            {
                ["Tag"] = new JsonArray([
                    .. instance.Tags.Select(t =>
                        (JsonNode)new JsonObject { ["TagKey"] = t.Key, ["TagValue"] = t.Value }
                    ),
                ]),
            },
        };

    private static JsonObject Wrapped(string list, string item, IEnumerable<JsonObject> items) =>
        new() { [list] = new JsonObject { [item] = new JsonArray([.. items]) } };

    /// <summary>A Describe answer paged by PageNumber and PageSize (at most 100) that says its TotalCount.</summary>
    private static JsonObject Paged(EcsCall call, string list, string item, IEnumerable<JsonObject> items)
    {
        var all = items.ToList();
        var page = Math.Max(1, int.TryParse(call["PageNumber"], CultureInfo.InvariantCulture, out var p) ? p : 1);
        var size = Math.Clamp(int.TryParse(call["PageSize"], CultureInfo.InvariantCulture, out var s) ? s : 10, 1, 100);
        var answer = Wrapped(list, item, all.Skip((page - 1) * size).Take(size));
        answer["TotalCount"] = all.Count;
        answer["PageNumber"] = page;
        answer["PageSize"] = size;
        return answer;
    }

    private static string VSwitchOf(string zone) => "vsw-" + zone;

    private static AcsError Translate(EmulatedRefusal refusal) =>
        refusal.Kind switch
        {
            EmulatedRefusalKind.QuotaExceeded => new(403, "QuotaExceed.ElasticQuota", refusal.Message),
            EmulatedRefusalKind.InvalidZone => new(404, "InvalidZoneId.NotFound", "The specified zone does not exist."),
            EmulatedRefusalKind.InvalidInstanceType => new(
                400,
                "InvalidInstanceType.NotSupported",
                "The specified InstanceType is not supported."
            ),
            EmulatedRefusalKind.InvalidImage => new(
                404,
                "InvalidImageId.NotFound",
                "The specified ImageId does not exist."
            ),
            EmulatedRefusalKind.InvalidRegion => new(
                404,
                "InvalidRegionId.NotFound",
                "The specified RegionId does not exist."
            ),
            _ => new(404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist."),
        };

    private static JsonObject Error(HttpContext context, AcsError error)
    {
        context.Response.StatusCode = error.Status;
        return new JsonObject
        {
            ["HostId"] = context.Request.Host.Value,
            ["Code"] = error.Code,
            ["Message"] = error.Message,
            ["Recommend"] = $"https://api.aliyun.com/troubleshoot?q={error.Code}",
        };
    }

    private static Dictionary<string, string> Parameters(HttpContext context, byte[] body)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in context.Request.Query)
            parameters[key] = value.ToString();
        if (
            context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal)
            == true
        )
            foreach (var pair in Encoding.UTF8.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var key = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? "" : pair[(equals + 1)..];
                parameters[Decode(key)] = Decode(value);
            }
        return parameters;
    }

    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private sealed record EcsCall(string Action, Dictionary<string, string> Parameters)
    {
        public string this[string name] => Parameters.TryGetValue(name, out var value) ? value : "";

        public IEnumerable<string> Numbered(string name)
        {
            for (var n = 1; this[$"{name}.{n}"] is { Length: > 0 } value; n++)
                yield return value;
        }
    }

    private sealed class AcsRefusal(int status, string code, string message) : Exception(message)
    {
        public AcsError Error { get; } = new(status, code, message);
    }
}

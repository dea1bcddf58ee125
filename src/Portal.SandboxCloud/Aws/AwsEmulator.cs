using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Portal.SandboxCloud.Hosting;
using static Portal.SandboxCloud.Aws.Ec2Xml;

namespace Portal.SandboxCloud.Aws;

/// <summary>
/// Amazon EC2's Query API (version 2016-11-15) as the AWS SDK for .NET calls it: form-encoded POSTs to "/" signed
/// with Signature Version 4 for the service "ec2", answered with EC2's XML documents and EC2's error codes. The
/// emulated cloud's networks are VPCs (one subnet per zone each), its images are the account's own AMIs.
/// </summary>
public sealed class AwsEmulator(TimeProvider? clock = null) : CloudEmulator
{
    public const string ApiVersion = "2016-11-15";

    public override string Kind => "Aws";

    public override void Map(WebApplication app, EmulatedCloud cloud)
    {
        var api = new Ec2Api(cloud, clock ?? TimeProvider.System);
        app.MapPost("/", api.HandleAsync);
        app.MapGet("/", api.HandleAsync);
    }
}

/// <summary>An EC2 error: its HTTP status, code and message.</summary>
internal sealed class Ec2Error(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    public static Ec2Error BadRequest(string code, string message) => new(400, code, message);
}

internal sealed class Ec2Api(EmulatedCloud cloud, TimeProvider clock)
{
    private const int DefaultPageSize = 1000;
    private readonly SigV4Verifier _verifier = new("ec2", clock);

    public async Task HandleAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        var ct = context.RequestAborted;
        string body;
        try
        {
            var signer = await _verifier.VerifyAsync(context.Request, cloud.SecretOf, ct);
            if (!signer.Valid)
                throw new Ec2Error(
                    signer.ErrorCode is "AuthFailure" or "SignatureDoesNotMatch" or "MissingAuthenticationToken"
                        ? 401
                        : 400,
                    signer.ErrorCode!,
                    signer.ErrorMessage!
                );
            if (!cloud.Regions.ContainsKey(signer.Region))
                throw new Ec2Error(
                    401,
                    "AuthFailure",
                    $"Credential should be scoped to a valid region, not '{signer.Region}'."
                );
            if (cloud.Faults.Throttles())
                throw new Ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.");
            if (cloud.Faults.Fails())
                throw new Ec2Error(500, "InternalError", "An internal error has occurred");
            var parameters = await Ec2Parameters.ReadAsync(context.Request, ct);
            var call = new Ec2Call(parameters, signer.AccessKey, signer.Region, requestId);
            body = await AnswerAsync(call, ct);
        }
        catch (Ec2Error error)
        {
            context.Response.StatusCode = error.Status;
            body = Error(error.Code, error.Message, requestId);
        }
        context.Response.ContentType = "text/xml;charset=UTF-8";
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        await context.Response.WriteAsync(body, ct);
    }

    private Task<string> AnswerAsync(Ec2Call call, CancellationToken ct) =>
        call.Parameters.Text("Action") switch
        {
            "DescribeAccountAttributes" => Task.FromResult(DescribeAccountAttributes(call)),
            "DescribeAvailabilityZones" => Task.FromResult(DescribeAvailabilityZones(call)),
            "DescribeInstanceTypes" => Task.FromResult(DescribeInstanceTypes(call)),
            "DescribeImages" => Task.FromResult(DescribeImages(call)),
            "DescribeVpcs" => Task.FromResult(DescribeVpcs(call)),
            "DescribeSubnets" => Task.FromResult(DescribeSubnets(call)),
            "DescribeSecurityGroups" => Task.FromResult(DescribeSecurityGroups(call)),
            "DescribeKeyPairs" => Task.FromResult(DescribeKeyPairs(call)),
            "RunInstances" => RunInstancesAsync(call, ct),
            "DescribeInstances" => Task.FromResult(DescribeInstances(call)),
            "TerminateInstances" => Task.FromResult(TerminateInstances(call)),
            "" => throw Ec2Error.BadRequest("MissingAction", "The request must contain the parameter Action."),
            var action => throw Ec2Error.BadRequest(
                "InvalidAction",
                $"The action {action} is not valid for this web service."
            ),
        };

    private string DescribeAccountAttributes(Ec2Call call)
    {
        var network = new Ec2Network(cloud, call.Region);
        var attributes = new List<(string Name, string Value)>
        {
            ("supported-platforms", "VPC"),
            ("default-vpc", network.DefaultVpc ?? "none"),
            ("max-instances", cloud.InstanceLimit.ToString(CultureInfo.InvariantCulture)),
            ("vpc-max-security-groups-per-interface", "5"),
            ("max-elastic-ips", "5"),
            ("vpc-max-elastic-ips", "5"),
        };
        var asked = call.Parameters.List("AttributeName");
        return Response(
            "DescribeAccountAttributes",
            call.RequestId,
            Set(
                "accountAttributeSet",
                attributes
                    .Where(a => asked.Count == 0 || asked.Contains(a.Name))
                    .Select(a =>
                        new object?[]
                        {
                            E("attributeName", a.Name),
                            Set(
                                "attributeValueSet",
                                [
                                    [E("attributeValue", a.Value)],
                                ]
                            ),
                        }
                    )
            )
        );
    }

    private string DescribeAvailabilityZones(Ec2Call call)
    {
        var zones = cloud.Regions[call.Region];
        var asked = call.Parameters.List("ZoneName");
        var unknown = asked.Where(z => !zones.Contains(z)).ToList();
        if (unknown.Count > 0)
            throw Ec2Error.BadRequest("InvalidParameterValue", $"Invalid availability zone: [{unknown[0]}]");
        return Response(
            "DescribeAvailabilityZones",
            call.RequestId,
            Set(
                "availabilityZoneInfo",
                zones
                    .Where(z => asked.Count == 0 || asked.Contains(z))
                    .Select(z =>
                        new object?[]
                        {
                            E("zoneName", z),
                            E("zoneState", "available"),
                            E("regionName", call.Region),
                            E("zoneId", $"{call.Region}-az{zones.ToList().IndexOf(z) + 1}"),
                            E("zoneType", "availability-zone"),
                            E("optInStatus", "opt-in-not-required"),
                            E("messageSet"),
                        }
                    )
            )
        );
    }

    private string DescribeInstanceTypes(Ec2Call call)
    {
        var asked = call.Parameters.List("InstanceType");
        var unknown = asked.Where(name => cloud.InstanceTypes.All(t => t.Name != name)).ToList();
        if (unknown.Count > 0)
            throw Ec2Error.BadRequest(
                "InvalidInstanceType",
                $"The following supplied instance types do not exist: [{string.Join(", ", unknown)}]"
            );
        var (page, next) = Page(
            cloud.InstanceTypes.Where(t => asked.Count == 0 || asked.Contains(t.Name)).ToList(),
            call,
            defaultSize: 100
        );
        return Response(
            "DescribeInstanceTypes",
            call.RequestId,
            Set(
                "instanceTypeSet",
                page.Select(t =>
                    new object?[]
                    {
                        E("instanceType", t.Name),
                        E("currentGeneration", "true"),
                        E("vCpuInfo", E("defaultVCpus", t.Cpus), E("defaultCores", Math.Max(1, t.Cpus / 2))),
                        E("memoryInfo", E("sizeInMiB", t.MemoryMiB)),
                        E("hypervisor", "nitro"),
                    }
                )
            ),
            next is null ? null : E("nextToken", next)
        );
    }

    private string DescribeImages(Ec2Call call)
    {
        var ids = call.Parameters.List("ImageId");
        var owners = call.Parameters.List("Owner");
        var unknown = ids.Where(id => !cloud.Images.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
            throw Ec2Error.BadRequest(
                "InvalidAMIID.NotFound",
                $"The image id '[{string.Join(", ", unknown)}]' does not exist"
            );
        var owner = OwnerId(call.AccessKey);
        var images = cloud.Images.Where(image =>
            (ids.Count == 0 || ids.Contains(image.Key))
            && (owners.Count == 0 || owners.Contains("self") || owners.Contains(owner))
        );
        return Response(
            "DescribeImages",
            call.RequestId,
            Set(
                "imagesSet",
                images.Select(image =>
                    new object?[]
                    {
                        E("imageId", image.Key),
                        E("imageLocation", $"{owner}/{image.Value}"),
                        E("imageState", "available"),
                        E("imageOwnerId", owner),
                        E("creationDate", "2024-07-17T12:00:00.000Z"),
                        E("isPublic", "false"),
                        E("architecture", "x86_64"),
                        E("imageType", "machine"),
                        E("name", image.Value),
                        E("rootDeviceType", "ebs"),
                        E("rootDeviceName", "/dev/xvda"),
                        E("virtualizationType", "hvm"),
                        E("hypervisor", "xen"),
                    }
                )
            )
        );
    }

    private string DescribeVpcs(Ec2Call call)
    {
        var network = new Ec2Network(cloud, call.Region);
        return Response(
            "DescribeVpcs",
            call.RequestId,
            Set(
                "vpcSet",
                network.Vpcs.Select(
                    (vpc, i) =>
                        new object?[]
                        {
                            E("vpcId", vpc),
                            E("state", "available"),
                            E("cidrBlock", $"10.{i}.0.0/16"),
                            E("ownerId", OwnerId(call.AccessKey)),
                            E("instanceTenancy", "default"),
                            E("isDefault", i == 0 ? "true" : "false"),
                        }
                )
            )
        );
    }

    private string DescribeSubnets(Ec2Call call)
    {
        var network = new Ec2Network(cloud, call.Region);
        return Response(
            "DescribeSubnets",
            call.RequestId,
            Set(
                "subnetSet",
                network.Subnets.Select(s =>
                    new object?[]
                    {
                        E("subnetId", s.Id),
                        E("state", "available"),
                        E("vpcId", s.VpcId),
                        E("cidrBlock", s.CidrBlock),
                        E("availableIpAddressCount", 251),
                        E("availabilityZone", s.Zone),
                        E("defaultForAz", s.VpcId == network.DefaultVpc ? "true" : "false"),
                        E("mapPublicIpOnLaunch", "false"),
                        E("ownerId", OwnerId(call.AccessKey)),
                    }
                )
            )
        );
    }

    private string DescribeSecurityGroups(Ec2Call call)
    {
        var network = new Ec2Network(cloud, call.Region);
        return Response(
            "DescribeSecurityGroups",
            call.RequestId,
            Set(
                "securityGroupInfo",
                cloud.SecurityGroups.Select(group =>
                    new object?[]
                    {
                        E("ownerId", OwnerId(call.AccessKey)),
                        E("groupId", group),
                        E("groupName", group),
                        E("groupDescription", group),
                        network.DefaultVpc is { } vpc ? E("vpcId", vpc) : null,
                    }
                )
            )
        );
    }

    private string DescribeKeyPairs(Ec2Call call) =>
        Response(
            "DescribeKeyPairs",
            call.RequestId,
            Set(
                "keySet",
                cloud.KeyPairs.Select(key =>
                    new object?[]
                    {
                        E(
                            "keyPairId",
                            "key-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..17]
                        ),
                        E("keyName", key),
                        E("keyFingerprint", Fingerprint(key)),
                        E("keyType", "rsa"),
                    }
                )
            )
        );

    private async Task<string> RunInstancesAsync(Ec2Call call, CancellationToken ct)
    {
        var p = call.Parameters;
        var network = new Ec2Network(cloud, call.Region);
        if (p.Int("MinCount") is not 1 || p.Int("MaxCount") is not 1)
            throw Ec2Error.BadRequest(
                "InvalidParameterValue",
                "The emulated EC2 starts exactly one instance per request: MinCount and MaxCount must be 1."
            );
        var imageId = p.Text("ImageId");
        if (imageId.Length == 0)
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter ImageId");
        var zone = p.Text("Placement.AvailabilityZone");
        var subnetId = p.Text("SubnetId");
        Ec2Subnet? subnet;
        if (subnetId.Length > 0)
        {
            subnet = network.Subnet(subnetId)
                ?? throw Ec2Error.BadRequest("InvalidSubnetID.NotFound", $"The subnet ID '{subnetId}' does not exist");
            if (zone.Length > 0 && zone != subnet.Zone)
                throw Ec2Error.BadRequest(
                    "InvalidParameterValue",
                    $"Value ({zone}) for parameter availabilityZone is invalid. Subnet '{subnet.Id}' is in the "
                        + $"availability zone {subnet.Zone}"
                );
            zone = subnet.Zone;
        }
        else
            subnet = network.DefaultSubnet(zone);
        var groups = p.List("SecurityGroupId");
        foreach (var group in groups.Where(g => !cloud.SecurityGroups.Contains(g)))
            throw Ec2Error.BadRequest(
                "InvalidGroup.NotFound",
                $"The security group '{group}' does not exist in VPC '{subnet?.VpcId}'"
            );
        var keyName = p.Text("KeyName");
        if (keyName.Length > 0 && !cloud.KeyPairs.Contains(keyName))
            throw Ec2Error.BadRequest("InvalidKeyPair.NotFound", $"The key pair '{keyName}' does not exist");
        var instanceType = p.Text("InstanceType");
        if (instanceType.Length == 0)
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter InstanceType");
        var tags = p.Tags("instance");
        var diskGiB = 8;
        for (var i = 1; i <= p.Count("BlockDeviceMapping", "DeviceName"); i++)
            diskGiB = p.Int($"BlockDeviceMapping.{i}.Ebs.VolumeSize") ?? diskGiB;
        EmulatedInstance instance;
        try
        {
            instance = await cloud.CreateAsync(
                call.Region,
                zone,
                instanceType,
                imageId,
                tags.GetValueOrDefault("Name", ""),
                tags,
                UserData(p.Text("UserData")),
                p["ClientToken"],
                ct,
                network: subnet?.Id ?? "",
                securityGroup: groups.Count > 0 ? groups[0] : "",
                keyPair: keyName,
                systemDiskGiB: diskGiB
            );
        }
        catch (EmulatedRefusal refusal)
        {
            throw Refusal(refusal, call, zone, instanceType, imageId);
        }
        return Response(
            "RunInstances",
            call.RequestId,
            E("reservationId", Reservation(instance)),
            E("ownerId", OwnerId(call.AccessKey)),
            E("groupSet"),
            Set("instancesSet", [Ec2Xml.Instance(instance, network)])
        );
    }

    private string DescribeInstances(Ec2Call call)
    {
        var network = new Ec2Network(cloud, call.Region);
        var ids = call.Parameters.List("InstanceId");
        var inRegion = cloud.Instances.Where(i => i.Region == call.Region).OrderBy(i => i.Id, StringComparer.Ordinal);
        var unknown = ids.Where(id => inRegion.All(i => i.Id != id)).ToList();
        if (unknown.Count > 0)
            throw NotFound(unknown);
        var filters = call.Parameters.Filters();
        var matching = inRegion
            .Where(i => ids.Count == 0 || ids.Contains(i.Id))
            .Where(i => filters.All(f => Matches(i, f.Name, f.Values)))
            .ToList();
        var (page, next) = Page(matching, call, DefaultPageSize);
        return Response(
            "DescribeInstances",
            call.RequestId,
            Set(
                "reservationSet",
                page.Select(i =>
                    new object?[]
                    {
                        E("reservationId", Reservation(i)),
                        E("ownerId", OwnerId(call.AccessKey)),
                        E("groupSet"),
                        Set("instancesSet", [Ec2Xml.Instance(i, network)]),
                    }
                )
            ),
            next is null ? null : E("nextToken", next)
        );
    }

    private string TerminateInstances(Ec2Call call)
    {
        var ids = call.Parameters.List("InstanceId");
        if (ids.Count == 0)
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter InstanceId");
        var instances = ids.Select(id => cloud.Find(id) is { } i && i.Region == call.Region ? i : null).ToList();
        var unknown = ids.Where((_, n) => instances[n] is null).ToList();
        if (unknown.Count > 0)
            throw NotFound(unknown);
        var items = new List<object?[]>();
        foreach (var instance in instances)
        {
            var before = State(instance!.State);
            cloud.Terminate(instance.Id);
            var after = before.Name == "terminated" ? before : (32, "shutting-down");
            items.Add([
                E("instanceId", instance.Id),
                StateElement("currentState", after.Item1, after.Item2),
                StateElement("previousState", before.Code, before.Name),
            ]);
        }
        return Response("TerminateInstances", call.RequestId, Set("instancesSet", items));
    }

    private static bool Matches(EmulatedInstance instance, string filter, IReadOnlyList<string> values)
    {
        if (filter.StartsWith("tag:", StringComparison.Ordinal))
            return instance.Tags.TryGetValue(filter[4..], out var tag) && values.Contains(tag);
        return filter switch
        {
            "instance-state-name" => values.Contains(State(instance.State).Name),
            "instance-state-code" => values.Contains(State(instance.State).Code.ToString(CultureInfo.InvariantCulture)),
            "tag-key" => instance.Tags.Keys.Any(values.Contains),
            "instance-id" => values.Contains(instance.Id),
            "availability-zone" => values.Contains(instance.Zone),
            "instance-type" => values.Contains(instance.Type.Name),
            "client-token" => instance.ClientToken is { } token && values.Contains(token),
            _ => throw Ec2Error.BadRequest("InvalidParameterValue", $"The filter '{filter}' is invalid"),
        };
    }

    /// <summary>EC2's paging: at most MaxResults items, and a NextToken (here the offset) while more remain.</summary>
    private static (IReadOnlyList<T> Page, string? Next) Page<T>(IReadOnlyList<T> items, Ec2Call call, int defaultSize)
    {
        var size = call.Parameters.Int("MaxResults") ?? defaultSize;
        var token = call.Parameters["NextToken"];
        var offset = token is { Length: > 0 } ? DecodeToken(token) : 0;
        var page = items.Skip(offset).Take(size).ToList();
        var next = offset + size < items.Count ? EncodeToken(offset + size) : null;
        return (page, next);
    }

    private static string EncodeToken(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"offset:{offset.ToString(CultureInfo.InvariantCulture)}"));

    private static int DecodeToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (
                text.StartsWith("offset:", StringComparison.Ordinal)
                && int.TryParse(text[7..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            )
                return offset;
        }
        catch (FormatException) { }
        throw Ec2Error.BadRequest("InvalidParameterValue", $"Invalid value '{token}' for NextToken");
    }

    private Ec2Error Refusal(EmulatedRefusal refusal, Ec2Call call, string zone, string instanceType, string imageId) =>
        refusal.Kind switch
        {
            EmulatedRefusalKind.QuotaExceeded when cloud.RunningCount >= cloud.InstanceLimit => Ec2Error.BadRequest(
                "InstanceLimitExceeded",
                "Your quota allows for 0 more running instance(s). You requested at least 1."
            ),
            EmulatedRefusalKind.QuotaExceeded => Ec2Error.BadRequest(
                "VcpuLimitExceeded",
                $"You have requested more vCPU capacity than your current vCPU limit of {cloud.CpuLimit} allows "
                    + "for the instance bucket that the specified instance type belongs to. Please visit "
                    + "http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit."
            ),
            EmulatedRefusalKind.InvalidZone => Ec2Error.BadRequest(
                "InvalidParameterValue",
                $"Invalid availability zone: [{zone}]"
            ),
            EmulatedRefusalKind.InvalidInstanceType => Ec2Error.BadRequest(
                "InvalidParameterValue",
                $"Invalid value '{instanceType}' for InstanceType."
            ),
            EmulatedRefusalKind.InvalidImage => Ec2Error.BadRequest(
                "InvalidAMIID.NotFound",
                $"The image id '[{imageId}]' does not exist"
            ),
            EmulatedRefusalKind.InvalidRegion => new Ec2Error(
                401,
                "AuthFailure",
                $"Credential should be scoped to a valid region, not '{call.Region}'."
            ),
            _ => Ec2Error.BadRequest("InvalidParameterValue", refusal.Message),
        };

    private static Ec2Error NotFound(IReadOnlyList<string> ids) =>
        Ec2Error.BadRequest(
            "InvalidInstanceID.NotFound",
            ids.Count == 1
                ? $"The instance ID '{ids[0]}' does not exist"
                : $"The instance IDs '{string.Join(", ", ids)}' do not exist"
        );

    private static string UserData(string base64)
    {
        if (base64.Length == 0)
            return "";
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw Ec2Error.BadRequest("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
        }
    }

    private static string Reservation(EmulatedInstance instance) => "r-" + instance.Id[2..];

    /// <summary>A twelve-digit account id, the same for every call with the same access key.</summary>
    internal static string OwnerId(string accessKey) =>
        (BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(accessKey))) % 1_000_000_000_000UL).ToString(
            "D12",
            CultureInfo.InvariantCulture
        );

    private static string Fingerprint(string key) =>
        string.Join(
            ':',
            SHA256
                .HashData(Encoding.UTF8.GetBytes(key))[..20]
                .Select(b => b.ToString("x2", CultureInfo.InvariantCulture))
        );
}

internal sealed record Ec2Call(Ec2Parameters Parameters, string AccessKey, string Region, string RequestId);

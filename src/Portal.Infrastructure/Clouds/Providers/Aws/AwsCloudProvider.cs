using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.Aws;

/// <summary>
/// Amazon EC2 through the AWS SDK for .NET: the SDK signs (Signature Version 4), retries a bounded number of times
/// with backoff and reads EC2's answers; this class says what to ask and turns EC2's errors into refusals.
/// </summary>
public sealed class AwsCloudProvider(IHttpClientFactory httpClients) : ICloudProvider
{
    public const string HttpClientName = nameof(CloudKind.Aws);
    public const string AccessKeyIdField = "AccessKeyId";
    public const string SecretAccessKeyField = "SecretAccessKey";
    public const string ImageIdsField = "ImageIds";

    /// <summary>The states of an instance that is, or may again be, a host; not shutting-down or terminated.</summary>
    private static readonly List<string> LiveStates = ["pending", "running", "stopping", "stopped"];

    private readonly Ec2Clients _clients = new(httpClients);

    public CloudKind Kind => CloudKind.Aws;

    public IReadOnlyList<CloudField> Fields { get; } =
    [
        new(
            AccessKeyIdField,
            "Access key ID",
            Secret: true,
            Required: true,
            "The access key of an IAM user or role allowed to describe, run and terminate EC2 instances."
        ),
        new(SecretAccessKeyField, "Secret access key", Secret: true, Required: true, "The access key's secret."),
        new(
            ImageIdsField,
            "Public AMIs",
            Secret: false,
            Required: false,
            "AMI ids to offer besides the account's own images, separated by commas (e.g. a Debian or Ubuntu AMI)."
        ),
    ];

    public Task<string> CheckAsync(CloudAccess access, CancellationToken ct) =>
        CallAsync(
            access,
            async ec2 =>
            {
                var maxInstances = await MaxInstancesAsync(ec2, ct);
                var groups = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest(), ct);
                var owner = groups.SecurityGroups?.Select(g => g.OwnerId).FirstOrDefault(o => o is { Length: > 0 });
                var account = owner is null ? "AWS account" : $"AWS account {owner}";
                var max = maxInstances?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
                return $"{account}, EC2 in {access.Region}, max-instances {max}";
            },
            ct
        );

    public Task<CloudCatalog> CatalogAsync(CloudAccess access, CancellationToken ct) =>
        CallAsync(
            access,
            async ec2 =>
            {
                var zones = await ec2.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest(), ct);
                var types = await InstanceTypesAsync(ec2, ct);
                var images = await ImagesAsync(ec2, access, ct);
                var vpcs = await ec2.DescribeVpcsAsync(new DescribeVpcsRequest(), ct);
                var subnets = await ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest(), ct);
                var groups = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest(), ct);
                var keys = await ec2.DescribeKeyPairsAsync(new DescribeKeyPairsRequest(), ct);
                return new CloudCatalog(
                    [
                        .. (zones.AvailabilityZones ?? [])
                            .Where(z => z.State is null || z.State == AvailabilityZoneState.Available)
                            .Select(z => z.ZoneName),
                    ],
                    types,
                    images,
                    [.. (vpcs.Vpcs ?? []).Select(v => v.VpcId)],
                    [.. (subnets.Subnets ?? []).Select(s => s.SubnetId)],
                    [.. (groups.SecurityGroups ?? []).Select(g => g.GroupId)],
                    [.. (keys.KeyPairs ?? []).Select(k => k.KeyName)]
                );
            },
            ct
        );

    /// <summary>
    /// EC2 says how many instances the account may run (the max-instances attribute); the vCPU quotas live in the
    /// Service Quotas API, outside EC2, so the vCPUs left are not known here.
    /// </summary>
    public Task<CloudQuota> QuotaAsync(CloudAccess access, CancellationToken ct) =>
        CallAsync(
            access,
            async ec2 =>
            {
                var max = await MaxInstancesAsync(ec2, ct);
                if (max is null)
                    return new CloudQuota(null, null);
                var live = await DescribeAsync(ec2, [new Filter("instance-state-name", LiveStates)], ct);
                return new CloudQuota(Math.Max(0, max.Value - live.Count), null);
            },
            ct
        );

    public Task<CloudInstance> CreateAsync(CloudAccess access, InstanceSpec spec, CancellationToken ct) =>
        CallAsync(
            access,
            async ec2 =>
            {
                var tags = new Dictionary<string, string>(spec.Tags, StringComparer.Ordinal)
                {
                    ["Name"] = spec.Name,
                    [CloudTags.Host] = spec.HostTag,
                    [CloudTags.ManagedBy] = CloudTags.Portal,
                };
                var ec2Tags = tags.Select(t => new Tag(t.Key, t.Value)).ToList();
                var request = new RunInstancesRequest
                {
                    ImageId = spec.Image,
                    InstanceType = InstanceType.FindValue(spec.InstanceType),
                    MinCount = 1,
                    MaxCount = 1,
                    ClientToken = ClientToken(spec.HostTag),
                    UserData = Convert.ToBase64String(Encoding.UTF8.GetBytes(spec.UserData)),
                    TagSpecifications =
                    [
                        new TagSpecification { ResourceType = ResourceType.Instance, Tags = ec2Tags },
                        new TagSpecification { ResourceType = ResourceType.Volume, Tags = ec2Tags },
                    ],
                };
                if (spec.Zone.Length > 0)
                    request.Placement = new Placement { AvailabilityZone = spec.Zone };
                if (spec.Subnet.Length > 0)
                    request.SubnetId = spec.Subnet;
                if (spec.SecurityGroup.Length > 0)
                    request.SecurityGroupIds = [.. spec.SecurityGroup.Split(',', SplitOptions)];
                if (spec.KeyPair.Length > 0)
                    request.KeyName = spec.KeyPair;
                if (spec.SystemDiskGiB > 0)
                    request.BlockDeviceMappings =
                    [
                        new BlockDeviceMapping
                        {
                            // The root volume is resized only under the image's own root device name; another
                            // name would attach a second volume.
                            DeviceName = await RootDeviceAsync(ec2, spec.Image, ct),
                            Ebs = new EbsBlockDevice
                            {
                                VolumeSize = spec.SystemDiskGiB,
                                VolumeType = VolumeType.Gp3,
                                DeleteOnTermination = true,
                            },
                        },
                    ];
                var instance = await RunAsync(ec2, request, ct);
                // A token's instance that has since been terminated is what EC2 answers forever after; the next
                // token is derived from it, so that a repeated create still converges on one instance.
                for (var attempt = 0; attempt < 3 && StateOf(instance.State?.Name?.Value) is Gone; attempt++)
                {
                    request.ClientToken = ClientToken($"{spec.HostTag}/{instance.InstanceId}");
                    instance = await RunAsync(ec2, request, ct);
                }
                return Map(instance);
            },
            ct
        );

    public Task<CloudInstance?> FindByHostTagAsync(CloudAccess access, string hostTag, CancellationToken ct) =>
        CallAsync(
            access,
            async ec2 =>
            {
                var found = await DescribeAsync(
                    ec2,
                    [
                        new Filter($"tag:{CloudTags.Host}", [hostTag]),
                        new Filter($"tag:{CloudTags.ManagedBy}", [CloudTags.Portal]),
                        new Filter("instance-state-name", LiveStates),
                    ],
                    ct
                );
                return found.OrderBy(i => i.CreatedAt).FirstOrDefault();
            },
            ct
        );

    public Task<CloudInstance?> GetAsync(CloudAccess access, string instanceId, CancellationToken ct) =>
        CallAsync(
            access,
            async ec2 =>
            {
                try
                {
                    var response = await ec2.DescribeInstancesAsync(
                        new DescribeInstancesRequest { InstanceIds = [instanceId] },
                        ct
                    );
                    var instance = (response.Reservations ?? [])
                        .SelectMany(r => r.Instances ?? [])
                        .FirstOrDefault(i => i.InstanceId == instanceId);
                    return instance is null ? null : Map(instance);
                }
                catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidInstanceID.NotFound")
                {
                    return null;
                }
            },
            ct
        );

    public Task TerminateAsync(CloudAccess access, string instanceId, CancellationToken ct) =>
        CallAsync(
            access,
            async ec2 =>
            {
                try
                {
                    await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instanceId] }, ct);
                }
                catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidInstanceID.NotFound")
                {
                    // Already gone: terminated long enough ago for EC2 to have forgotten it.
                }
                return true;
            },
            ct
        );

    public Task<IReadOnlyList<CloudInstance>> ListManagedAsync(CloudAccess access, CancellationToken ct) =>
        CallAsync(
            access,
            async ec2 =>
                await DescribeAsync(
                    ec2,
                    [
                        new Filter($"tag:{CloudTags.ManagedBy}", [CloudTags.Portal]),
                        new Filter("instance-state-name", LiveStates),
                    ],
                    ct
                ),
            ct
        );

    private const StringSplitOptions SplitOptions =
        StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries;

    /// <summary>Runs the calls with a client for the account, and turns what EC2 refused into a refusal.</summary>
    private async Task<T> CallAsync<T>(CloudAccess access, Func<AmazonEC2Client, Task<T>> call, CancellationToken ct)
    {
        using var ec2 = _clients.For(access);
        try
        {
            return await call(ec2);
        }
        catch (AmazonServiceException e) when (e.StatusCode != 0 || !string.IsNullOrEmpty(e.ErrorCode))
        {
            throw Ec2Refusals.From(e);
        }
        catch (Exception e)
            when (e is AmazonClientException or HttpRequestException or AmazonServiceException
                || (e is OperationCanceledException && !ct.IsCancellationRequested)
            )
        {
            throw Ec2Refusals.Unreachable(access, e);
        }
    }

    private const CloudInstanceState Gone = CloudInstanceState.Terminated;

    private static async Task<Instance> RunAsync(AmazonEC2Client ec2, RunInstancesRequest request, CancellationToken ct)
    {
        var response = await ec2.RunInstancesAsync(request, ct);
        return response.Reservation?.Instances?.FirstOrDefault()
            ?? throw new CloudRefusal(
                CloudRefusalKind.Unavailable,
                "RunInstances answered without an instance.",
                "NoInstance"
            );
    }

    private static async Task<int?> MaxInstancesAsync(AmazonEC2Client ec2, CancellationToken ct)
    {
        var attributes = await ec2.DescribeAccountAttributesAsync(
            new DescribeAccountAttributesRequest { AttributeNames = ["max-instances"] },
            ct
        );
        var value = (attributes.AccountAttributes ?? [])
            .FirstOrDefault(a => a.AttributeName == "max-instances")
            ?.AttributeValues?.FirstOrDefault()
            ?.AttributeValue;
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) ? max : null;
    }

    private static async Task<List<CloudInstanceType>> InstanceTypesAsync(AmazonEC2Client ec2, CancellationToken ct)
    {
        var types = new List<CloudInstanceType>();
        string? next = null;
        do
        {
            var page = await ec2.DescribeInstanceTypesAsync(
                new DescribeInstanceTypesRequest { MaxResults = 100, NextToken = next },
                ct
            );
            types.AddRange(
                (page.InstanceTypes ?? []).Select(t => new CloudInstanceType(
                    t.InstanceType?.Value ?? "",
                    t.VCpuInfo?.DefaultVCpus ?? 0,
                    (int)(t.MemoryInfo?.SizeInMiB ?? 0)
                ))
            );
            next = page.NextToken;
        } while (!string.IsNullOrEmpty(next));
        return [.. types.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>The account's own images and the public ones its ImageIds setting names.</summary>
    private static async Task<List<CloudImage>> ImagesAsync(
        AmazonEC2Client ec2,
        CloudAccess access,
        CancellationToken ct
    )
    {
        var own = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, ct);
        var images = (own.Images ?? []).ToList();
        var named = access.Setting(ImageIdsField).Split(',', SplitOptions);
        if (named.Length > 0)
        {
            var listed = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [.. named] }, ct);
            images.AddRange(listed.Images ?? []);
        }
        return
        [
            .. images
                .DistinctBy(i => i.ImageId)
                .Select(i => new CloudImage(i.ImageId, string.IsNullOrEmpty(i.Name) ? i.ImageId : i.Name)),
        ];
    }

    private static async Task<string> RootDeviceAsync(AmazonEC2Client ec2, string imageId, CancellationToken ct)
    {
        var images = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] }, ct);
        return images.Images?.FirstOrDefault()?.RootDeviceName is { Length: > 0 } device ? device : "/dev/xvda";
    }

    /// <summary>Every instance the filters select, page after page.</summary>
    private static async Task<IReadOnlyList<CloudInstance>> DescribeAsync(
        AmazonEC2Client ec2,
        List<Filter> filters,
        CancellationToken ct
    )
    {
        var instances = new List<CloudInstance>();
        string? next = null;
        do
        {
            var page = await ec2.DescribeInstancesAsync(
                new DescribeInstancesRequest
                {
                    Filters = filters,
                    MaxResults = 1000,
                    NextToken = next,
                },
                ct
            );
            instances.AddRange((page.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(Map));
            next = page.NextToken;
        } while (!string.IsNullOrEmpty(next));
        return instances;
    }

    /// <summary>
    /// EC2 answers a repeated RunInstances with the same client token with the instance the first one started, so a
    /// create repeated for a host starts no second instance. Tokens are at most 64 ASCII characters.
    /// </summary>
    internal static string ClientToken(string hostTag) =>
        hostTag.Length <= 64 && hostTag.All(char.IsAscii)
            ? hostTag
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hostTag)));

    private static CloudInstance Map(Instance instance)
    {
        var tags = (instance.Tags ?? [])
            .GroupBy(t => t.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Value ?? "", StringComparer.Ordinal);
        return new CloudInstance(
            instance.InstanceId,
            tags.TryGetValue("Name", out var name) && name.Length > 0 ? name : instance.InstanceId,
            StateOf(instance.State?.Name?.Value),
            NullIfEmpty(instance.PrivateIpAddress),
            NullIfEmpty(instance.PublicIpAddress),
            instance.InstanceType?.Value ?? "",
            instance.Placement?.AvailabilityZone ?? "",
            tags,
            instance.LaunchTime is { } launched ? launched.ToUniversalTime() : null,
            NullIfEmpty(instance.StateReason?.Message)
        );
    }

    private static CloudInstanceState StateOf(string? ec2State) =>
        ec2State switch
        {
            "pending" => CloudInstanceState.Pending,
            "running" => CloudInstanceState.Running,
            "stopping" => CloudInstanceState.Stopping,
            "stopped" => CloudInstanceState.Stopped,
            "shutting-down" or "terminated" => CloudInstanceState.Terminated,
            _ => CloudInstanceState.Failed,
        };

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.Alibaba;

/// <summary>
/// Alibaba Cloud ECS through its RPC API (version 2014-05-26), each call signed with ACS3-HMAC-SHA256
/// (<see cref="AcsRequestSigner"/>). A create carries the host tag as its ClientToken, so that ECS itself makes no
/// second instance for a repeated create.
/// </summary>
public sealed class AlibabaCloudProvider(IHttpClientFactory httpClients, TimeProvider clock) : ICloudProvider
{
    public const string AccessKeyIdField = "AccessKeyId";
    public const string AccessKeySecretField = "AccessKeySecret";

    private const int PageSize = 50;

    private readonly AlibabaApi _api = new(httpClients, clock);

    public CloudKind Kind => CloudKind.Alibaba;

    public IReadOnlyList<CloudField> Fields { get; } =
    [
        new(AccessKeyIdField, "AccessKey ID", Secret: true, Required: true, "The RAM user's AccessKey ID."),
        new(
            AccessKeySecretField,
            "AccessKey secret",
            Secret: true,
            Required: true,
            "The RAM user's AccessKey secret; the user needs the ECS permissions to run and delete instances."
        ),
    ];

    public async Task<string> CheckAsync(CloudAccess access, CancellationToken ct)
    {
        var answer = await _api.CallAsync(access, "DescribeRegions", [], ct);
        var regions = AlibabaApi.Items(answer, "Regions", "Region").ToList();
        var region = regions.FirstOrDefault(r => AlibabaApi.Text(r, "RegionId") == access.Region);
        if (region.ValueKind == JsonValueKind.Undefined)
            throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                $"InvalidRegionId.NotFound: The region '{access.Region}' is not one of the account's regions ("
                    + string.Join(", ", regions.Select(r => AlibabaApi.Text(r, "RegionId")))
                    + ").",
                "InvalidRegionId.NotFound"
            );
        return $"{access.Region} ({AlibabaApi.Text(region, "LocalName")})";
    }

    public async Task<CloudCatalog> CatalogAsync(CloudAccess access, CancellationToken ct)
    {
        var zones = AlibabaApi.Items(
            await _api.CallAsync(access, "DescribeZones", Region(access), ct),
            "Zones",
            "Zone"
        );
        var types = new List<CloudInstanceType>();
        var nextToken = "";
        do
        {
            List<KeyValuePair<string, string>> query = [.. Region(access), new("MaxResults", "100")];
            if (nextToken.Length > 0)
                query.Add(new("NextToken", nextToken));
            var page = await _api.CallAsync(access, "DescribeInstanceTypes", query, ct);
            types.AddRange(
                AlibabaApi
                    .Items(page, "InstanceTypes", "InstanceType")
                    .Select(t => new CloudInstanceType(
                        AlibabaApi.Text(t, "InstanceTypeId"),
                        t.TryGetProperty("CpuCoreCount", out var cpus) ? cpus.GetInt32() : 0,
                        t.TryGetProperty("MemorySize", out var gib) ? (int)Math.Round(gib.GetDouble() * 1024) : 0
                    ))
            );
            nextToken = AlibabaApi.Text(page, "NextToken");
        } while (nextToken.Length > 0);
        var images = await PagedAsync(access, "DescribeImages", [new("Status", "Available")], "Images", "Image", ct);
        var groups = await PagedAsync(access, "DescribeSecurityGroups", [], "SecurityGroups", "SecurityGroup", ct);
        var vpcs = await PagedAsync(access, "DescribeVpcs", [], "Vpcs", "Vpc", ct);
        var vswitches = await PagedAsync(access, "DescribeVSwitches", [], "VSwitches", "VSwitch", ct);
        var keyPairs = await PagedAsync(access, "DescribeKeyPairs", [], "KeyPairs", "KeyPair", ct);
        return new CloudCatalog(
            [.. zones.Select(z => AlibabaApi.Text(z, "ZoneId"))],
            types,
            [.. images.Select(i => new CloudImage(AlibabaApi.Text(i, "ImageId"), AlibabaApi.Text(i, "ImageName")))],
            [.. vpcs.Select(v => AlibabaApi.Text(v, "VpcId"))],
            [.. vswitches.Select(v => AlibabaApi.Text(v, "VSwitchId"))],
            [.. groups.Select(g => AlibabaApi.Text(g, "SecurityGroupId"))],
            [.. keyPairs.Select(k => AlibabaApi.Text(k, "KeyPairName"))]
        );
    }

    /// <summary>ECS says how many pay-as-you-go vCPUs a region allows the account; it counts no instances.</summary>
    public async Task<CloudQuota> QuotaAsync(CloudAccess access, CancellationToken ct)
    {
        var answer = await _api.CallAsync(
            access,
            "DescribeAccountAttributes",
            [
                .. Region(access),
                new("AttributeName.1", "max-postpaid-instance-vcpu-count"),
                new("AttributeName.2", "used-postpaid-instance-vcpu-count"),
            ],
            ct
        );
        int? Attribute(string name) =>
            AlibabaApi
                .Items(answer, "AccountAttributeItems", "AccountAttributeItem")
                .Where(a => AlibabaApi.Text(a, "AttributeName") == name)
                .SelectMany(a => AlibabaApi.Items(a, "AttributeValues", "ValueItem"))
                .Select(v => int.TryParse(AlibabaApi.Text(v, "Value"), CultureInfo.InvariantCulture, out var n) ? n : 0)
                .Cast<int?>()
                .FirstOrDefault();
        var max = Attribute("max-postpaid-instance-vcpu-count");
        var used = Attribute("used-postpaid-instance-vcpu-count") ?? 0;
        return new CloudQuota(null, max is null ? null : Math.Max(0, max.Value - used));
    }

    public async Task<CloudInstance> CreateAsync(CloudAccess access, InstanceSpec spec, CancellationToken ct)
    {
        List<KeyValuePair<string, string>> query =
        [
            .. Region(access),
            new("InstanceType", spec.InstanceType),
            new("ImageId", spec.Image),
            new("InstanceName", spec.Name),
            new("HostName", spec.Name),
            new("SystemDisk.Size", spec.SystemDiskGiB.ToString(CultureInfo.InvariantCulture)),
            new("UserData", Convert.ToBase64String(Encoding.UTF8.GetBytes(spec.UserData))),
            new("Amount", "1"),
            new("InstanceChargeType", "PostPaid"),
            new("ClientToken", spec.HostTag),
        ];
        Optional(query, "ZoneId", spec.Zone);
        Optional(query, "SecurityGroupId", spec.SecurityGroup);
        Optional(query, "VSwitchId", spec.Subnet);
        Optional(query, "KeyPairName", spec.KeyPair);
        var tags = new Dictionary<string, string>(spec.Tags, StringComparer.Ordinal)
        {
            [CloudTags.ManagedBy] = CloudTags.Portal,
            [CloudTags.Host] = spec.HostTag,
        };
        var n = 0;
        foreach (var (key, value) in tags)
        {
            n++;
            query.Add(new($"Tag.{n}.Key", key));
            query.Add(new($"Tag.{n}.Value", value));
        }
        var answer = await _api.CallAsync(access, "RunInstances", query, ct);
        var id = AlibabaApi
            .Items(answer, "InstanceIdSets", "InstanceIdSet")
            .Select(i => i.GetString())
            .FirstOrDefault();
        if (string.IsNullOrEmpty(id))
            throw new CloudRefusal(CloudRefusalKind.Unavailable, "RunInstances answered without an instance id.");
        return await GetAsync(access, id, ct)
            ?? new CloudInstance(
                id,
                spec.Name,
                CloudInstanceState.Pending,
                null,
                null,
                spec.InstanceType,
                spec.Zone,
                tags,
                clock.GetUtcNow().UtcDateTime
            );
    }

    public async Task<CloudInstance?> FindByHostTagAsync(CloudAccess access, string hostTag, CancellationToken ct) =>
        (
            await DescribeInstancesAsync(access, [new("Tag.1.Key", CloudTags.Host), new("Tag.1.Value", hostTag)], ct)
        ).FirstOrDefault(i => i.State != CloudInstanceState.Terminated);

    public async Task<CloudInstance?> GetAsync(CloudAccess access, string instanceId, CancellationToken ct) =>
        (
            await DescribeInstancesAsync(
                access,
                [new("InstanceIds", JsonSerializer.Serialize(new[] { instanceId }))],
                ct
            )
        ).FirstOrDefault(i => i.Id == instanceId);

    public async Task TerminateAsync(CloudAccess access, string instanceId, CancellationToken ct)
    {
        try
        {
            await _api.CallAsync(
                access,
                "DeleteInstance",
                [new("InstanceId", instanceId), new("Force", "true"), new("TerminateSubscription", "false")],
                ct
            );
        }
        catch (CloudRefusal refusal) when (refusal.ProviderCode == "InvalidInstanceId.NotFound") { }
    }

    public async Task<IReadOnlyList<CloudInstance>> ListManagedAsync(CloudAccess access, CancellationToken ct) =>
        await DescribeInstancesAsync(
            access,
            [new("Tag.1.Key", CloudTags.ManagedBy), new("Tag.1.Value", CloudTags.Portal)],
            ct
        );

    private async Task<List<CloudInstance>> DescribeInstancesAsync(
        CloudAccess access,
        List<KeyValuePair<string, string>> filter,
        CancellationToken ct
    ) =>
        [
            .. (await PagedAsync(access, "DescribeInstances", filter, "Instances", "Instance", ct)).Select(
                AlibabaApi.Instance
            ),
        ];

    /// <summary>Every page of a Describe call that pages by PageNumber and PageSize and says its TotalCount.</summary>
    private async Task<List<JsonElement>> PagedAsync(
        CloudAccess access,
        string action,
        List<KeyValuePair<string, string>> filter,
        string list,
        string item,
        CancellationToken ct
    )
    {
        var items = new List<JsonElement>();
        for (var page = 1; ; page++)
        {
            var answer = await _api.CallAsync(
                access,
                action,
                [
                    .. Region(access),
                    .. filter,
                    new("PageNumber", page.ToString(CultureInfo.InvariantCulture)),
                    new("PageSize", PageSize.ToString(CultureInfo.InvariantCulture)),
                ],
                ct
            );
            var found = AlibabaApi.Items(answer, list, item).ToList();
            items.AddRange(found);
            var total = answer.TryGetProperty("TotalCount", out var count) ? count.GetInt32() : items.Count;
            if (found.Count == 0 || items.Count >= total)
                return items;
        }
    }

    private static List<KeyValuePair<string, string>> Region(CloudAccess access) => [new("RegionId", access.Region)];

    private static void Optional(List<KeyValuePair<string, string>> query, string name, string value)
    {
        if (!string.IsNullOrWhiteSpace(value))
            query.Add(new(name, value));
    }
}

using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.Aws;

internal sealed record Ec2Subnet(string Id, string VpcId, string Zone, string CidrBlock);

/// <summary>
/// The VPCs and subnets of an emulated region: every network of the emulated cloud is a VPC with one subnet in each
/// of the region's zones, the first VPC being the default one.
/// </summary>
internal sealed class Ec2Network
{
    public Ec2Network(EmulatedCloud cloud, string region)
    {
        Vpcs = cloud.Networks;
        var zones = cloud.Regions.TryGetValue(region, out var z) ? z : [];
        Subnets =
        [
            .. Vpcs.SelectMany(
                (vpc, v) =>
                    zones.Select((zone, i) => new Ec2Subnet($"subnet-{vpc}-{zone}", vpc, zone, $"10.{v}.{i}.0/24"))
            ),
        ];
    }

    public IReadOnlyList<string> Vpcs { get; }

    public IReadOnlyList<Ec2Subnet> Subnets { get; }

    public string? DefaultVpc => Vpcs.Count > 0 ? Vpcs[0] : null;

    public Ec2Subnet? Subnet(string id) => Subnets.FirstOrDefault(s => s.Id == id);

    /// <summary>The default VPC's subnet in the zone, where an instance started without a subnet lands.</summary>
    public Ec2Subnet? DefaultSubnet(string zone) =>
        Subnets.FirstOrDefault(s => s.VpcId == DefaultVpc && (zone.Length == 0 || s.Zone == zone));
}

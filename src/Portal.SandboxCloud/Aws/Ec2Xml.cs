using System.Globalization;
using System.Xml.Linq;
using Portal.SandboxCloud.Hosting;

namespace Portal.SandboxCloud.Aws;

/// <summary>The XML shapes of EC2's Query API responses, as the SDK's unmarshallers read them.</summary>
internal static class Ec2Xml
{
    public static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    public static XElement E(string name, params object?[] content) => new(Ns + name, content);

    /// <summary>A list: <c>&lt;name&gt;&lt;item&gt;…&lt;/item&gt;…&lt;/name&gt;</c>.</summary>
    public static XElement Set(string name, IEnumerable<object?[]> items) =>
        E(name, items.Select(content => E("item", content)));

    public static string Response(string action, string requestId, params object?[] content) =>
        Document(E($"{action}Response", E("requestId", requestId), content));

    /// <summary>EC2's error document: no namespace, one error, the request id.</summary>
    public static string Error(string code, string message, string requestId) =>
        Document(
            new XElement(
                "Response",
                new XElement(
                    "Errors",
                    new XElement("Error", new XElement("Code", code), new XElement("Message", message))
                ),
                new XElement("RequestID", requestId)
            )
        );

    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>EC2's state name and code for an emulated state.</summary>
    public static (int Code, string Name) State(EmulatedState state) =>
        state switch
        {
            EmulatedState.Pending => (0, "pending"),
            EmulatedState.Running => (16, "running"),
            _ => (48, "terminated"),
        };

    public static XElement StateElement(string name, int code, string stateName) =>
        E(name, E("code", code), E("name", stateName));

    public static object?[] Instance(EmulatedInstance instance, Ec2Network network)
    {
        var (code, name) = State(instance.State);
        var subnet = network.Subnet(instance.Network);
        var privateDns = $"ip-{instance.PrivateAddress.Replace('.', '-')}.{instance.Region}.compute.internal";
        return
        [
            E("instanceId", instance.Id),
            E("imageId", instance.Image),
            StateElement("instanceState", code, name),
            E("privateDnsName", instance.State == EmulatedState.Terminated ? "" : privateDns),
            E("dnsName", ""),
            E("reason", instance.State == EmulatedState.Terminated ? "User initiated" : ""),
            instance.KeyPair.Length > 0 ? E("keyName", instance.KeyPair) : null,
            E("amiLaunchIndex", 0),
            E("productCodes"),
            E("instanceType", instance.Type.Name),
            E("launchTime", Timestamp(instance.CreatedAt)),
            E("placement", E("availabilityZone", instance.Zone), E("groupName", ""), E("tenancy", "default")),
            E("monitoring", E("state", "disabled")),
            subnet is null ? null : E("subnetId", subnet.Id),
            subnet is null ? null : E("vpcId", subnet.VpcId),
            instance.State == EmulatedState.Terminated ? null : E("privateIpAddress", instance.PrivateAddress),
            Set(
                "groupSet",
                instance.SecurityGroup.Length == 0
                    ? []
                    :
                    [
                        [E("groupId", instance.SecurityGroup), E("groupName", instance.SecurityGroup)],
                    ]
            ),
            instance.State == EmulatedState.Terminated
                ? E(
                    "stateReason",
                    E("code", "Client.UserInitiatedShutdown"),
                    E("message", "Client.UserInitiatedShutdown: User initiated shutdown")
                )
                : null,
            E("architecture", "x86_64"),
            E("rootDeviceType", "ebs"),
            E("rootDeviceName", "/dev/xvda"),
            Set(
                "blockDeviceMapping",
                [
                    [
                        E("deviceName", "/dev/xvda"),
                        E(
                            "ebs",
                            E("volumeId", "vol-" + instance.Id[2..]),
                            E("status", "attached"),
                            E("attachTime", Timestamp(instance.CreatedAt)),
                            E("deleteOnTermination", "true")
                        ),
                    ],
                ]
            ),
            E("virtualizationType", "hvm"),
            instance.ClientToken is { Length: > 0 } token ? E("clientToken", token) : null,
            Set("tagSet", instance.Tags.Select(t => new object?[] { E("key", t.Key), E("value", t.Value) })),
            E("hypervisor", "xen"),
            E("ebsOptimized", "false"),
        ];
    }

    private static string Document(XElement root) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting);
}

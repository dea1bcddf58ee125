using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Portal.SandboxCloud.Hosting;

/// <summary>
/// Plays the kubelet of an emulated instance once it runs: the emulated cloud boots no operating system, so it reads
/// the
/// kubeadm <c>JoinConfiguration</c> that the instance's cloud-init user data writes to
/// <see cref="JoinConfigurationPath"/> and registers the node with the API server it names, authenticated by the
/// configuration's bootstrap token, as a kubelet's TLS bootstrap would end. The server's certificate is checked
/// against the configuration's <c>caCertHashes</c> (sha256 of its public key), as kubeadm does, unless the
/// configuration says <c>unsafeSkipCAVerification</c>. The node gets the labels and taints of its
/// <c>nodeRegistration</c> and the capacity of its instance type.
/// </summary>
public sealed class KubeletPlayer
{
    public const string JoinConfigurationPath = "/etc/kubernetes/kubeadm-join.yaml";

    private readonly string _providerKind;

    public KubeletPlayer(string providerKind) => _providerKind = providerKind;

    /// <summary>What came of it, in words: "joined as node x", or why the node did not join.</summary>
    public async Task<string> JoinAsync(EmulatedInstance instance, CancellationToken ct)
    {
        var join = JoinRequest.FromUserData(instance.UserData);
        if (join is null)
            return $"The user data writes no {JoinConfigurationPath}: no node joined.";
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                join.SkipCaVerification
                || (
                    certificate is not null
                    && join.CaCertHashes.Contains(PublicKeyHash(certificate), StringComparer.OrdinalIgnoreCase)
                )
                || (errors == SslPolicyErrors.None && join.CaCertHashes.Count == 0),
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(
            HttpMethod.Post,
            new Uri($"https://{join.ApiServerEndpoint}/api/v1/nodes")
        )
        {
            Content = new StringContent(Node(instance, join).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", join.Token);
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode
            ? $"joined as node {join.NodeName}"
            : $"The API server refused the node ({(int)response.StatusCode}): {body}";
    }

    /// <summary>
    /// "sha256:&lt;hex&gt;" of the certificate's SubjectPublicKeyInfo, as kubeadm's caCertHashes hold it.
    /// </summary>
    public static string PublicKeyHash(X509Certificate certificate)
    {
        using var cert = new X509Certificate2(certificate);
        var info = cert.PublicKey.ExportSubjectPublicKeyInfo();
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(info));
    }

    private JsonObject Node(EmulatedInstance instance, JoinRequest join)
    {
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var labels = new JsonObject
        {
            ["kubernetes.io/arch"] = "amd64",
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/hostname"] = join.NodeName,
            ["node.kubernetes.io/instance-type"] = instance.Type.Name,
            ["topology.kubernetes.io/region"] = instance.Region,
            ["topology.kubernetes.io/zone"] = instance.Zone,
        };
        foreach (var (key, value) in join.Labels)
            labels[key] = value;
        var capacity = new JsonObject
        {
            ["cpu"] = instance.Type.Cpus.ToString(CultureInfo.InvariantCulture),
            ["memory"] = (instance.Type.MemoryMiB * 1024L).ToString(CultureInfo.InvariantCulture) + "Ki",
            ["pods"] = "110",
            ["ephemeral-storage"] = instance.SystemDiskGiB.ToString(CultureInfo.InvariantCulture) + "Gi",
        };
        var taints = new JsonArray();
        foreach (var taint in join.Taints)
            taints.Add(
                new JsonObject
                {
                    ["key"] = taint.Key,
                    ["value"] = taint.Value,
                    ["effect"] = taint.Effect,
                }
            );
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = join.NodeName, ["labels"] = labels },
            ["spec"] = new JsonObject
            {
                ["providerID"] = $"{_providerKind.ToLowerInvariant()}://{instance.Region}/{instance.Id}",
                ["taints"] = taints,
            },
            ["status"] = new JsonObject
            {
                ["capacity"] = capacity,
                ["allocatable"] = capacity.DeepClone(),
                ["conditions"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Ready",
                        ["status"] = "True",
                        ["reason"] = "KubeletReady",
                        ["message"] = "kubelet is posting ready status",
                        ["lastHeartbeatTime"] = now,
                        ["lastTransitionTime"] = now,
                    }
                ),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = instance.PrivateAddress },
                    new JsonObject { ["type"] = "Hostname", ["address"] = join.NodeName }
                ),
                ["nodeInfo"] = new JsonObject
                {
                    ["kubeletVersion"] = "v1.32.0",
                    ["containerRuntimeVersion"] = "containerd://1.7.22",
                    ["osImage"] = instance.Image,
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        };
    }
}

/// <summary>What a kubeadm JoinConfiguration in cloud-init user data asks for.</summary>
public sealed record JoinRequest(
    string ApiServerEndpoint,
    string Token,
    IReadOnlyList<string> CaCertHashes,
    bool SkipCaVerification,
    string NodeName,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<(string Key, string Value, string Effect)> Taints
)
{
    /// <summary>
    /// Reads the JoinConfiguration out of a <c>#cloud-config</c> document's write_files; null without one.
    /// </summary>
    public static JoinRequest? FromUserData(string userData)
    {
        var cloudConfig = Load(userData);
        if (cloudConfig is not YamlMappingNode root || !root.Children.TryGetValue("write_files", out var files))
            return null;
        var content = (files as YamlSequenceNode)
            ?.Children.OfType<YamlMappingNode>()
            .Where(f => Scalar(f, "path") == KubeletPlayer.JoinConfigurationPath)
            .Select(f => Scalar(f, "content"))
            .FirstOrDefault();
        return content is null ? null : FromJoinConfiguration(content);
    }

    public static JoinRequest? FromJoinConfiguration(string yaml)
    {
        if (Load(yaml) is not YamlMappingNode config || Scalar(config, "kind") != "JoinConfiguration")
            return null;
        var token = Child(Child(config, "discovery"), "bootstrapToken");
        var registration = Child(config, "nodeRegistration");
        if (token is null || registration is null)
            return null;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var extraArgs = registration.Children.TryGetValue("kubeletExtraArgs", out var args) ? args : null;
        foreach (var arg in (extraArgs as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? [])
        {
            if (Scalar(arg, "name") != "node-labels")
                continue;
            foreach (var pair in (Scalar(arg, "value") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                    labels[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
            }
        }
        var taints = new List<(string, string, string)>();
        var taintNodes = registration.Children.TryGetValue("taints", out var t) ? t : null;
        foreach (var taint in (taintNodes as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? [])
            taints.Add((Scalar(taint, "key") ?? "", Scalar(taint, "value") ?? "", Scalar(taint, "effect") ?? ""));
        var hashes =
            token.Children.TryGetValue("caCertHashes", out var h) && h is YamlSequenceNode list
                ? list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList()
                : [];
        return new JoinRequest(
            Scalar(token, "apiServerEndpoint") ?? "",
            Scalar(token, "token") ?? "",
            hashes,
            Scalar(token, "unsafeSkipCAVerification") == "true",
            Scalar(registration, "name") ?? "",
            labels,
            taints
        );
    }

    private static YamlNode? Load(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null;
        }
    }

    private static YamlMappingNode? Child(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(key, out var child) ? child as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var child) ? (child as YamlScalarNode)?.Value : null;
}

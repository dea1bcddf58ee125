using System.Globalization;
using System.Text;
using System.Text.Json;
using Portal.Domain.Quotas;

namespace Portal.Infrastructure.Clouds.Joining;

/// <summary>
/// What a new machine is told to become: its node's name, labels and taints, and the token it joins with.
/// </summary>
public sealed record NodeJoin(
    JoinTarget Target,
    BootstrapToken Token,
    string NodeName,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<NodeTaint> Taints,
    string KubernetesMinor
);

/// <summary>
/// Renders how a machine joins: cloud-init user data for clouds, a shell script run over SSH for bare metal. Both write
/// kubeadm's <c>JoinConfiguration</c> to <see cref="JoinConfigurationPath"/> and then join with it — through kubeadm on
/// a real cluster (installing containerd, kubelet and kubeadm first), or, on the sandbox cluster, which runs no
/// kubelets, by registering the node with the bootstrap token as a kubelet's TLS bootstrap ends (the sandbox's README
/// says so); the sandbox cloud plays that part itself from the same file.
/// </summary>
public static class JoinScripts
{
    public const string JoinConfigurationPath = "/etc/kubernetes/kubeadm-join.yaml";

    public static string UserData(NodeJoin join)
    {
        var text = new StringBuilder();
        text.Append("#cloud-config\n");
        text.Append(CultureInfo.InvariantCulture, $"hostname: {Quote(join.NodeName)}\n");
        text.Append("write_files:\n");
        text.Append(CultureInfo.InvariantCulture, $"  - path: {JoinConfigurationPath}\n");
        text.Append("    permissions: \"0600\"\n");
        text.Append("    content: |\n");
        text.Append(Indent(JoinConfiguration(join), 6));
        text.Append("runcmd:\n");
        text.Append("  - - sh\n    - -c\n    - ");
        text.Append(Quote(JoinCommands(join, JoinConfigurationPath, providerId: null)));
        text.Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// The same join as a shell script, for a machine reached over SSH (run as root on a real cluster).
    /// </summary>
    public static string ShellScript(NodeJoin join, string providerId)
    {
        var text = new StringBuilder();
        text.Append("#!/bin/sh\nset -eu\n");
        text.Append("JOIN_DIR=/etc/kubernetes\n");
        if (join.Target.Method == JoinMethod.SandboxKubelet)
            text.Append("[ -w /etc ] || JOIN_DIR=\"$HOME/.developer-center/kubernetes\"\n");
        text.Append("mkdir -p \"$JOIN_DIR\"\numask 077\n");
        text.Append("cat > \"$JOIN_DIR/kubeadm-join.yaml\" <<'PORTAL_JOIN_CONFIGURATION'\n");
        text.Append(JoinConfiguration(join));
        text.Append("PORTAL_JOIN_CONFIGURATION\n");
        text.Append(JoinCommands(join, "$JOIN_DIR/kubeadm-join.yaml", providerId));
        text.Append('\n');
        return text.ToString();
    }

    public static string JoinConfiguration(NodeJoin join)
    {
        var text = new StringBuilder();
        text.Append("apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n");
        text.Append(CultureInfo.InvariantCulture, $"    apiServerEndpoint: {Quote(join.Target.ApiServerEndpoint)}\n");
        text.Append(CultureInfo.InvariantCulture, $"    token: {Quote(join.Token.Value)}\n");
        if (join.Target.SkipCaVerification)
            text.Append("    unsafeSkipCAVerification: true\n");
        else
        {
            text.Append("    caCertHashes:\n");
            foreach (var hash in join.Target.CaCertHashes)
                text.Append(CultureInfo.InvariantCulture, $"      - {Quote(hash)}\n");
        }
        text.Append("nodeRegistration:\n");
        text.Append(CultureInfo.InvariantCulture, $"  name: {Quote(join.NodeName)}\n");
        text.Append("  kubeletExtraArgs:\n    - name: node-labels\n");
        text.Append(
            CultureInfo.InvariantCulture,
            $"      value: {Quote(string.Join(",", join.Labels.Select(l => $"{l.Key}={l.Value}")))}\n"
        );
        if (join.Taints.Count == 0)
            text.Append("  taints: []\n");
        else
        {
            text.Append("  taints:\n");
            foreach (var taint in join.Taints)
            {
                text.Append(CultureInfo.InvariantCulture, $"    - key: {Quote(taint.Key)}\n");
                if (taint.Value.Length > 0)
                    text.Append(CultureInfo.InvariantCulture, $"      value: {Quote(taint.Value)}\n");
                text.Append(CultureInfo.InvariantCulture, $"      effect: {Quote(taint.Effect)}\n");
            }
        }
        return text.ToString();
    }

    private static string JoinCommands(NodeJoin join, string configPath, string? providerId) =>
        join.Target.Method == JoinMethod.Kubeadm
            ? KubeadmJoin(join, configPath)
            : SandboxRegistration(join, providerId);

    private static string KubeadmJoin(NodeJoin join, string configPath)
    {
        var repository = $"https://pkgs.k8s.io/core:/stable:/{join.KubernetesMinor}/deb/";
        return string.Join(
            "\n",
            "export DEBIAN_FRONTEND=noninteractive",
            "apt-get update",
            "apt-get install -y containerd apt-transport-https ca-certificates curl gpg",
            "mkdir -p /etc/apt/keyrings /etc/containerd",
            $"curl -fsSL {repository}Release.key | gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes.gpg",
            $"echo 'deb [signed-by=/etc/apt/keyrings/kubernetes.gpg] {repository} /' "
                + "> /etc/apt/sources.list.d/kubernetes.list",
            "apt-get update",
            "apt-get install -y kubelet kubeadm",
            "containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' "
                + "> /etc/containerd/config.toml",
            "systemctl restart containerd",
            "modprobe br_netfilter",
            "sysctl -w net.ipv4.ip_forward=1",
            $"kubeadm join --config \"{configPath}\""
        );
    }

    /// <summary>
    /// The sandbox's join: the node object a kubelet would register, with this machine's CPUs and memory, sent with
    /// the bootstrap token; the API server's key is pinned as caCertHashes says.
    /// </summary>
    private static string SandboxRegistration(NodeJoin join, string? providerId)
    {
        var labels = new Dictionary<string, string>(join.Labels, StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = join.NodeName,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
        };
        var node = new
        {
            apiVersion = "v1",
            kind = "Node",
            metadata = new { name = join.NodeName, labels },
            spec = new
            {
                providerID = providerId,
                taints = join.Taints.Select(t => new
                {
                    key = t.Key,
                    value = t.Value,
                    effect = t.Effect,
                }),
            },
            status = new
            {
                capacity = new Dictionary<string, string>
                {
                    ["cpu"] = "__CPUS__",
                    ["memory"] = "__MEMORY__Ki",
                    ["pods"] = "110",
                },
                allocatable = new Dictionary<string, string>
                {
                    ["cpu"] = "__CPUS__",
                    ["memory"] = "__MEMORY__Ki",
                    ["pods"] = "110",
                },
                conditions = new[]
                {
                    new
                    {
                        type = "Ready",
                        status = "True",
                        reason = "KubeletReady",
                        message = "kubelet is posting ready status",
                    },
                },
                addresses = new[] { new { type = "Hostname", address = join.NodeName } },
            },
        };
        var json = JsonSerializer
            .Serialize(node)
            .Replace("\"__CPUS__\"", "\"'\"$CPUS\"'\"", StringComparison.Ordinal)
            .Replace("__MEMORY__", "'\"$MEMORY_KIB\"'", StringComparison.Ordinal);
        var pin = join.Target.SkipCaVerification
            ? ""
            : " --pinnedpubkey '"
                + string.Join(
                    ";",
                    join.Target.CaCertHashes.Select(h =>
                        "sha256//" + Convert.ToBase64String(Convert.FromHexString(h["sha256:".Length..]))
                    )
                )
                + "'";
        return string.Join(
            "\n",
            "CPUS=$(nproc)",
            "MEMORY_KIB=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)",
            $"printf '%s' '{json}' > \"${{TMPDIR:-/tmp}}/node-{join.NodeName}.json\"",
            $"curl --silent --show-error --fail-with-body --insecure{pin} -X POST "
                + $"-H 'Authorization: Bearer {join.Token.Value}' -H 'Content-Type: application/json' "
                + $"--data @\"${{TMPDIR:-/tmp}}/node-{join.NodeName}.json\" "
                + $"'https://{join.Target.ApiServerEndpoint}/api/v1/nodes' > /dev/null",
            $"rm -f \"${{TMPDIR:-/tmp}}/node-{join.NodeName}.json\"",
            $"echo 'Node {join.NodeName} registered with the sandbox cluster'"
        );
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string Indent(string text, int spaces)
    {
        var pad = new string(' ', spaces);
        return string.Concat(text.Split('\n').Where(l => l.Length > 0).Select(l => pad + l + "\n"));
    }
}

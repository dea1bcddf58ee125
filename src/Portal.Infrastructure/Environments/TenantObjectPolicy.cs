using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// What an object the portal applies in a tenant's namespace may not ask of the cluster, so that no tenant reaches its
/// node, another namespace or the cluster's API through it. Measured against the Pod Security Standards: everything the
/// <b>baseline</b> standard forbids (what namespaces enforce, <see cref="NamespacePodSecurity"/>) — host namespaces,
/// privileged containers, capabilities beyond the default set, hostPath volumes, host ports, AppArmor, SELinux and
/// seccomp overrides, /proc mounts, unsafe sysctls, Windows host processes — and of the <b>restricted</b> standard the
/// volume types and privilege escalation. Besides: no service account and no service account token (tenants never
/// call the cluster's API), no node chosen by name (past the scheduler and the pool's nodes), no Service reachable from
/// outside the cluster (external IPs, node ports, load balancers), and nothing in another namespace. Running as root,
/// which most official images need, is left to the restricted standard's warnings.
/// </summary>
public static class TenantObjectPolicy
{
    /// <summary>The capabilities the baseline standard lets a container add: Docker's defaults.</summary>
    public static readonly IReadOnlySet<string> BaselineCapabilities = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    };

    /// <summary>
    /// The sysctls the baseline standard calls safe: namespaced, and harmless to the node and its other pods.
    /// </summary>
    public static readonly IReadOnlySet<string> SafeSysctls = new HashSet<string>(StringComparer.Ordinal)
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    };

    /// <summary>
    /// The volume types of the restricted standard: none reaches the node or storage outside the cluster's claims.
    /// </summary>
    public static readonly IReadOnlySet<string> VolumeTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    };

    private const string AppArmorAnnotation = "container.apparmor.security.beta.kubernetes.io/";

    /// <summary>
    /// Every violation of <paramref name="o"/>, as "{Kind} '{name}': {field} …: why", for an object meant for
    /// <paramref name="namespace"/>.
    /// </summary>
    public static IReadOnlyList<string> Violations(IKubernetesObject<V1ObjectMeta> o, string @namespace)
    {
        var found = new List<string>();
        var kind = o.Kind ?? o.GetType().Name;
        var name = o.Metadata?.Name;
        void Add(string field, string why) => found.Add($"{kind} '{name}': {field} {why}.");

        if (o.Metadata?.NamespaceProperty is { Length: > 0 } other && other != @namespace)
            Add(
                $"metadata.namespace {other}",
                "is another namespace: leave metadata.namespace out, the portal puts every object in the instance's own"
            );
        if (PodTemplate(o) is var (podMetadata, pod, path) && pod is not null)
        {
            foreach (var (key, value) in podMetadata?.Annotations ?? new Dictionary<string, string>())
            {
                if (key.StartsWith(AppArmorAnnotation, StringComparison.Ordinal) && value != "runtime/default")
                    Add(
                        $"{path[..^".spec".Length]}.metadata.annotations[{key}] is {value}",
                        "overrides AppArmor: only runtime/default is allowed"
                    );
            }
            CheckPod(pod, path, Add);
        }
        if (o is V1Service service)
        {
            if (service.Spec?.ExternalIPs is { Count: > 0 })
                Add(
                    "spec.externalIPs",
                    "is set: a template's Services stay inside the cluster, and external IPs can capture other traffic"
                );
            if (service.Spec?.Type is { } type && type != "ClusterIP")
                Add(
                    $"spec.type {type}",
                    "reaches outside the cluster: a template's Services are ClusterIP (or headless)"
                );
        }
        return found;
    }

    private static (V1ObjectMeta? Metadata, V1PodSpec? Spec, string Path)? PodTemplate(
        IKubernetesObject<V1ObjectMeta> o
    ) =>
        o switch
        {
            V1Pod pod => (pod.Metadata, pod.Spec, "spec"),
            V1StatefulSet set => (set.Spec?.Template?.Metadata, set.Spec?.Template?.Spec, "spec.template.spec"),
            V1Deployment deployment => (
                deployment.Spec?.Template?.Metadata,
                deployment.Spec?.Template?.Spec,
                "spec.template.spec"
            ),
            V1DaemonSet daemons => (
                daemons.Spec?.Template?.Metadata,
                daemons.Spec?.Template?.Spec,
                "spec.template.spec"
            ),
            V1ReplicaSet replicas => (
                replicas.Spec?.Template?.Metadata,
                replicas.Spec?.Template?.Spec,
                "spec.template.spec"
            ),
            V1Job job => (job.Spec?.Template?.Metadata, job.Spec?.Template?.Spec, "spec.template.spec"),
            V1CronJob cron => (
                cron.Spec?.JobTemplate?.Spec?.Template?.Metadata,
                cron.Spec?.JobTemplate?.Spec?.Template?.Spec,
                "spec.jobTemplate.spec.template.spec"
            ),
            _ => null,
        };

    private static void CheckPod(V1PodSpec pod, string path, Action<string, string> add)
    {
        const string host = "shares the node's namespaces with the pod";
        if (pod.HostNetwork == true)
            add($"{path}.hostNetwork", $"is true: it {host}");
        if (pod.HostPID == true)
            add($"{path}.hostPID", $"is true: it {host}");
        if (pod.HostIPC == true)
            add($"{path}.hostIPC", $"is true: it {host}");
        const string api = "a tenant's pods run without credentials for the cluster's API";
        if (!string.IsNullOrEmpty(pod.ServiceAccountName))
            add($"{path}.serviceAccountName", $"is set: {api}");
        if (!string.IsNullOrEmpty(pod.ServiceAccount))
            add($"{path}.serviceAccount", $"is set: {api}");
        if (pod.AutomountServiceAccountToken == true)
            add($"{path}.automountServiceAccountToken", $"is true: {api}");
        if (!string.IsNullOrEmpty(pod.NodeName))
            add(
                $"{path}.nodeName",
                "is set: pods are placed by the scheduler on their pool's nodes, never on a node chosen by name"
            );

        if (pod.SecurityContext is { } context)
        {
            CheckOverrides(
                $"{path}.securityContext",
                context.SeLinuxOptions,
                context.SeccompProfile?.Type,
                context.AppArmorProfile?.Type,
                context.WindowsOptions?.HostProcess,
                add
            );
            for (var i = 0; i < (context.Sysctls?.Count ?? 0); i++)
            {
                if (!SafeSysctls.Contains(context.Sysctls![i].Name ?? ""))
                    add(
                        $"{path}.securityContext.sysctls[{i}] ({context.Sysctls[i].Name})",
                        "is not a safe sysctl: it reaches beyond the pod"
                    );
            }
        }

        for (var i = 0; i < (pod.Volumes?.Count ?? 0); i++)
        {
            var volume = pod.Volumes![i];
            var field = $"{path}.volumes[{i}] ('{volume.Name}')";
            var types = (JsonNode.Parse(KubernetesJson.Serialize(volume)) as JsonObject ?? [])
                .Select(p => p.Key)
                .Where(k => k != "name")
                .ToList();
            foreach (var type in types.Where(t => !VolumeTypes.Contains(t)))
                add(
                    field,
                    $"is a {type} volume: use emptyDir, a volume claim, a ConfigMap, a Secret or a projection of them"
                );
            if (volume.Projected?.Sources?.Any(s => s.ServiceAccountToken is not null) == true)
                add(field, $"projects a service account token: {api}");
        }

        foreach (
            var (list, containers) in new[] { ("containers", pod.Containers), ("initContainers", pod.InitContainers) }
        )
        {
            for (var i = 0; i < (containers?.Count ?? 0); i++)
                CheckContainer(
                    containers![i].Name,
                    containers[i].SecurityContext,
                    containers[i].Ports,
                    $"{path}.{list}[{i}] ('{containers[i].Name}')",
                    add
                );
        }
        for (var i = 0; i < (pod.EphemeralContainers?.Count ?? 0); i++)
        {
            var container = pod.EphemeralContainers![i];
            CheckContainer(
                container.Name,
                container.SecurityContext,
                container.Ports,
                $"{path}.ephemeralContainers[{i}] ('{container.Name}')",
                add
            );
        }
    }

    private static void CheckContainer(
        string name,
        V1SecurityContext? context,
        IList<V1ContainerPort>? ports,
        string path,
        Action<string, string> add
    )
    {
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            if (ports![i].HostPort is > 0)
                add(
                    $"{path}.ports[{i}].hostPort",
                    $"is {ports[i].HostPort}: a container listens on the pod's address, never on its node's"
                );
        }
        if (context is null)
            return;
        if (context.Privileged == true)
            add(
                $"{path}.securityContext.privileged",
                $"is true: container '{name}' would hold every privilege of its node"
            );
        if (context.AllowPrivilegeEscalation == true)
            add(
                $"{path}.securityContext.allowPrivilegeEscalation",
                "is true: a process may not gain more privileges than its parent"
            );
        var added = (context.Capabilities?.Add ?? []).Where(c => !BaselineCapabilities.Contains(c)).ToList();
        if (added.Count > 0)
        {
            add(
                $"{path}.securityContext.capabilities.add holds {string.Join(", ", added)}",
                "beyond the default capabilities: add at most "
                    + string.Join(", ", BaselineCapabilities.Order(StringComparer.Ordinal))
            );
        }

        if (context.ProcMount is { } procMount && procMount != "Default")
            add($"{path}.securityContext.procMount", $"is {procMount}: /proc stays masked");
        CheckOverrides(
            $"{path}.securityContext",
            context.SeLinuxOptions,
            context.SeccompProfile?.Type,
            context.AppArmorProfile?.Type,
            context.WindowsOptions?.HostProcess,
            add
        );
    }

    private static void CheckOverrides(
        string path,
        V1SELinuxOptions? seLinux,
        string? seccomp,
        string? appArmor,
        bool? hostProcess,
        Action<string, string> add
    )
    {
        if (seLinux is not null)
            add($"{path}.seLinuxOptions", "is set: pods keep the runtime's SELinux labels");
        if (seccomp == "Unconfined")
            add($"{path}.seccompProfile.type", "is Unconfined: use RuntimeDefault, or leave it out");
        if (appArmor is not null && appArmor != "RuntimeDefault")
            add($"{path}.appArmorProfile.type", $"is {appArmor}: use RuntimeDefault, or leave it out");
        if (hostProcess == true)
            add($"{path}.windowsOptions.hostProcess", "is true: a Windows host process runs as the node");
    }
}

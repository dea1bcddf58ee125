using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Admission;

/// <summary>
/// The PodSecurity admission plugin's enforce mode for pods: a pod created in a namespace labelled
/// <c>pod-security.kubernetes.io/enforce: baseline</c> (or <c>restricted</c>) is checked against the baseline Pod
/// Security Standard and refused with the API server's 403 and wording, its checks in the plugin's order. Not
/// emulated: the restricted standard's own checks (a restricted namespace gets the baseline ones), AppArmor and Windows
/// host processes, the warn and audit modes, exemptions, and pod updates. Workload objects are admitted whatever their
/// pod template holds; their controllers' pods are what is refused, as in a cluster.
/// </summary>
internal static class PodSecurityAdmission
{
    private const string EnforceLabel = "pod-security.kubernetes.io/enforce";
    private const string EnforceVersionLabel = "pod-security.kubernetes.io/enforce-version";

    private static readonly HashSet<string> DefaultCapabilities =
    [
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
    ];

    private static readonly HashSet<string> SafeSysctls =
    [
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
    ];

    private static readonly HashSet<string> SeLinuxTypes =
    [
        "",
        "container_t",
        "container_init_t",
        "container_kvm_t",
        "container_engine_t",
    ];

    private static readonly HashSet<string> SeccompProfiles = ["RuntimeDefault", "Localhost"];

    /// <summary>Refuses the pod when its namespace enforces a level it does not meet.</summary>
    public static void Admit(ResourceStore store, JsonObject pod)
    {
        var ns = pod.Str("metadata", "namespace") ?? "";
        var labels = store.Get(ResourceKinds.Namespace, null, ns)?.Labels.ToDictionary(l => l.Key, l => l.Value) ?? [];
        if (!labels.TryGetValue(EnforceLabel, out var level) || level == "privileged")
        {
            return;
        }
        var version = labels.GetValueOrDefault(EnforceVersionLabel) ?? "latest";
        var violations = Baseline(pod.Obj("spec") ?? []).ToList();
        if (violations.Count > 0)
        {
            throw ApiException.Forbidden(
                ResourceKinds.Pod,
                pod.Str("metadata", "name") ?? "",
                $"violates PodSecurity \"{level}:{version}\": {string.Join(", ", violations)}"
            );
        }
    }

    /// <summary>Each violated check as "reason (detail)", in the order of the plugin's checks.</summary>
    private static IEnumerable<string> Baseline(JsonObject spec)
    {
        var containers = Containers(spec).ToList();

        var capabilities = new SortedSet<string>(StringComparer.Ordinal);
        var withCapabilities = new List<string>();
        foreach (var container in containers)
        {
            var added = container
                .Arr("securityContext", "capabilities", "add")
                .Strings()
                .Where(a => !DefaultCapabilities.Contains(a))
                .ToList();
            capabilities.UnionWith(added);
            if (added.Count > 0)
            {
                withCapabilities.Add(Name(container));
            }
        }
        if (withCapabilities.Count > 0)
        {
            yield return $"non-default capabilities ({Containers(withCapabilities)} must not "
                + $"include {Quote(capabilities)} in securityContext.capabilities.add)";
        }

        var host = new[] { "hostIPC", "hostNetwork", "hostPID" }
            .Where(f => spec.Bool(f) == true)
            .Select(f => $"{f}=true")
            .Order(StringComparer.Ordinal)
            .ToList();
        if (host.Count > 0)
        {
            yield return $"host namespaces ({string.Join(", ", host)})";
        }

        var hostPaths = spec.Arr("volumes").Objects().Where(v => v.Obj("hostPath") is not null).Select(Name).ToList();
        if (hostPaths.Count > 0)
        {
            yield return $"hostPath volumes ({Plural("volume", hostPaths.Count)} {Quote(hostPaths)})";
        }

        var hostPorts = new SortedSet<string>(StringComparer.Ordinal);
        var withHostPorts = new List<string>();
        foreach (var container in containers)
        {
            var ports = container
                .Arr("ports")
                .Objects()
                .Select(p => p.Long("hostPort") ?? 0)
                .Where(p => p != 0)
                .Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
            hostPorts.UnionWith(ports);
            if (ports.Count > 0)
            {
                withHostPorts.Add(Name(container));
            }
        }
        if (withHostPorts.Count > 0)
        {
            yield return $"hostPort ({Containers(withHostPorts)} "
                + $"{(withHostPorts.Count == 1 ? "uses" : "use")} "
                + $"{Plural("hostPort", hostPorts.Count)} {string.Join(", ", hostPorts)})";
        }

        var privileged = containers.Where(c => c.Bool("securityContext", "privileged") == true).Select(Name).ToList();
        if (privileged.Count > 0)
        {
            yield return $"privileged ({Containers(privileged)} must not set securityContext.privileged=true)";
        }

        var procMounts = new SortedSet<string>(StringComparer.Ordinal);
        var withProcMount = new List<string>();
        foreach (var container in containers)
        {
            if (container.Str("securityContext", "procMount") is { } mount && mount != "Default")
            {
                procMounts.Add(mount);
                withProcMount.Add(Name(container));
            }
        }
        if (withProcMount.Count > 0)
        {
            yield return $"procMount ({Containers(withProcMount)} must not set "
                + $"securityContext.procMount to {Quote(procMounts)})";
        }

        if (SeLinux(spec, containers) is { } seLinux)
        {
            yield return $"seLinuxOptions ({seLinux})";
        }

        var seccompValues = new SortedSet<string>(StringComparer.Ordinal);
        var seccompSetters = new List<string>();
        if (
            spec.Str("securityContext", "seccompProfile", "type") is { } podSeccomp
            && !SeccompProfiles.Contains(podSeccomp)
        )
        {
            seccompSetters.Add("pod");
            seccompValues.Add(podSeccomp);
        }
        var seccompContainers = new List<string>();
        foreach (var container in containers)
        {
            if (
                container.Str("securityContext", "seccompProfile", "type") is { } type
                && !SeccompProfiles.Contains(type)
            )
            {
                seccompValues.Add(type);
                seccompContainers.Add(Name(container));
            }
        }
        if (seccompContainers.Count > 0)
        {
            seccompSetters.Add(Containers(seccompContainers));
        }
        if (seccompSetters.Count > 0)
        {
            yield return $"seccompProfile ({string.Join(" and ", seccompSetters)} must not set "
                + $"securityContext.seccompProfile.type to {Quote(seccompValues)})";
        }

        var sysctls = spec.Arr("securityContext", "sysctls")
            .Objects()
            .Select(s => s.Str("name") ?? "")
            .Where(n => !SafeSysctls.Contains(n))
            .ToList();
        if (sysctls.Count > 0)
        {
            yield return $"forbidden sysctls ({string.Join(", ", sysctls)})";
        }
    }

    /// <summary>
    /// The seLinuxOptions check's detail, or null: only the container types of the standard, and no user or role.
    /// </summary>
    private static string? SeLinux(JsonObject spec, List<JsonObject> containers)
    {
        var types = new SortedSet<string>(StringComparer.Ordinal);
        var setUser = false;
        var setRole = false;
        bool Valid(JsonObject? options)
        {
            if (options is null)
            {
                return true;
            }
            var valid = true;
            if (options.Str("type") is var type && !SeLinuxTypes.Contains(type ?? ""))
            {
                valid = false;
                types.Add(type!);
            }
            if (!string.IsNullOrEmpty(options.Str("user")))
            {
                valid = false;
                setUser = true;
            }
            if (!string.IsNullOrEmpty(options.Str("role")))
            {
                valid = false;
                setRole = true;
            }
            return valid;
        }
        var setters = new List<string>();
        if (!Valid(spec.Obj("securityContext", "seLinuxOptions")))
        {
            setters.Add("pod");
        }
        var bad = containers.Where(c => !Valid(c.Obj("securityContext", "seLinuxOptions"))).Select(Name).ToList();
        if (bad.Count > 0)
        {
            setters.Add(Containers(bad));
        }
        if (setters.Count == 0)
        {
            return null;
        }
        var data = new List<string>();
        if (types.Count > 0)
        {
            data.Add($"{Plural("type", types.Count)} {Quote(types)}");
        }
        if (setUser)
        {
            data.Add("user may not be set");
        }
        if (setRole)
        {
            data.Add("role may not be set");
        }
        return $"{string.Join(" and ", setters)} set forbidden "
            + $"securityContext.seLinuxOptions: {string.Join("; ", data)}";
    }

    /// <summary>Init containers, containers and ephemeral containers, in the order the plugin visits them.</summary>
    private static IEnumerable<JsonObject> Containers(JsonObject spec) =>
        spec.Arr("initContainers")
            .Objects()
            .Concat(spec.Arr("containers").Objects())
            .Concat(spec.Arr("ephemeralContainers").Objects());

    private static string Name(JsonObject item) => item.Str("name") ?? "";

    private static string Containers(IReadOnlyCollection<string> names) =>
        $"{Plural("container", names.Count)} {Quote(names)}";

    private static string Plural(string word, int count) => count == 1 ? word : word + "s";

    private static string Quote(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));

    private static IEnumerable<string> Strings(this JsonArray? array) =>
        array
            ?.Select(n => n?.GetValueKind() == System.Text.Json.JsonValueKind.String ? n.GetValue<string>() : null)
            .OfType<string>()
        ?? [];
}

using System.Text;
using System.Text.Json;
using k8s.Models;
using Portal.Domain.Builds;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Quotas;

namespace Portal.Infrastructure.Builds.Kubernetes;

/// <summary>
/// Everything one build's Job needs, decided before anything is rendered: its name (also the name of its Secrets), the
/// namespace, the tenant, what to build, the registry it pushes to, the context as a tar.gz, its limit and its nodes.
/// </summary>
public sealed record BuildJobPlan(
    string Name,
    string Namespace,
    Guid TenantId,
    ImageBuild Build,
    RegistryEndpoint Registry,
    byte[] Context,
    TimeSpan Timeout,
    PodPlacement Placement
)
{
    public string PushSecretName => $"{Name}-push";
    public string ContextSecretName => $"{Name}-context";

    /// <summary>The references the image is pushed as: one per tag, the commit's first.</summary>
    public IReadOnlyList<string> References =>
        Build.Tags.Select(tag => $"{Registry.Host}/{Build.Repository}:{tag}").ToList();
}

/// <summary>
/// The objects of a build on Kubernetes, rendered as plain KubernetesClient models (golden files in the tests):
/// <list type="bullet">
/// <item>a <c>kubernetes.io/dockerconfigjson</c> Secret with the push credentials for the portal's registry
/// alone;</item>
/// <item>an Opaque Secret with the build context as a tar.gz. A Secret rather than a URL the portal serves: the
/// cluster needs no way back to the portal, nothing is reachable by whoever learns a link, the API server's RBAC
/// guards it, and it goes with the build. Its cost is a size limit (1 MiB per object), checked before it is
/// made;</item>
/// <item>a <c>batch/v1</c> Job: an init container unpacks the context into an emptyDir, then rootless BuildKit
/// (<c>buildctl-daemonless.sh</c>) builds and pushes. <c>backoffLimit: 0</c> (a failed build is not retried),
/// <c>activeDeadlineSeconds</c> from the build's limit, <c>ttlSecondsAfterFinished</c> from the settings.</item>
/// </list>
/// Rootless BuildKit runs as user 1000 but makes user namespaces and mounts (RootlessKit, through the setuid
/// newuidmap), which the container runtime's default seccomp profile and AppArmor profile forbid: its container runs
/// with both <c>Unconfined</c> and may gain privileges (no <c>allowPrivilegeEscalation: false</c>), and
/// <c>--oci-worker-no-process-sandbox</c> spares it from mounting a new /proc. Pod Security "baseline" refuses
/// Unconfined profiles, so the build namespace is labelled "privileged" (<see cref="BuildNamespace"/>); only the
/// portal creates pods there.
/// </summary>
public static class BuildJobManifests
{
    public const string BuildLabel = "portal/build";
    public const string BuildKitContainer = "buildkit";
    public const string ContextKey = "context.tar.gz";
    private const long User = 1000;
    private const string Workspace = "/workspace";
    private const string Metadata = "/tmp/build-metadata.json";

    /// <summary>
    /// Runs BuildKit with the arguments after the script, and puts BuildKit's metadata (the pushed digest) in the
    /// termination message; the build's own arguments never pass through the shell.
    /// </summary>
    private const string Script =
        "buildctl-daemonless.sh \"$@\"; code=$?; "
        + "if [ \"$code\" -eq 0 ] && [ -f "
        + Metadata
        + " ]; then cat "
        + Metadata
        + " > /dev/termination-log; fi; "
        + "exit \"$code\"";

    public static V1Secret PushSecret(BuildJobPlan plan)
    {
        var auths = new Dictionary<string, object>();
        if (plan.Registry.HasCredentials)
        {
            var basic = Convert.ToBase64String(
                Encoding.UTF8.GetBytes($"{plan.Registry.User}:{plan.Registry.Password}")
            );
            auths[plan.Registry.Host] = new Dictionary<string, string> { ["auth"] = basic };
        }
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = Meta(plan, plan.PushSecretName),
            Type = "kubernetes.io/dockerconfigjson",
            Data = new Dictionary<string, byte[]>
            {
                [".dockerconfigjson"] = Encoding.UTF8.GetBytes(
                    JsonSerializer.Serialize(new Dictionary<string, object> { ["auths"] = auths })
                ),
            },
        };
    }

    public static V1Secret ContextSecret(BuildJobPlan plan) =>
        new()
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = Meta(plan, plan.ContextSecretName),
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { [ContextKey] = plan.Context },
        };

    public static V1Job Job(BuildJobPlan plan, KubernetesJobOptions settings)
    {
        var pod = new V1PodSpec
        {
            RestartPolicy = "Never",
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            SecurityContext = new V1PodSecurityContext
            {
                RunAsUser = User,
                RunAsGroup = User,
                RunAsNonRoot = true,
                FsGroup = User,
            },
            InitContainers = [Unpack(plan, settings)],
            Containers = [BuildKit(plan, settings)],
            Volumes =
            [
                new V1Volume
                {
                    Name = "context-archive",
                    Secret = new V1SecretVolumeSource
                    {
                        SecretName = plan.ContextSecretName,
                        Items = [new V1KeyToPath { Key = ContextKey, Path = ContextKey }],
                    },
                },
                new V1Volume
                {
                    Name = "push-credentials",
                    Secret = new V1SecretVolumeSource
                    {
                        SecretName = plan.PushSecretName,
                        Items = [new V1KeyToPath { Key = ".dockerconfigjson", Path = "config.json" }],
                    },
                },
                new V1Volume { Name = "workspace", EmptyDir = new V1EmptyDirVolumeSource() },
                // BuildKit's state: not the image's VOLUME, which some nodes mount nosuid,nodev (moby/buildkit#879).
                new V1Volume { Name = "buildkit-state", EmptyDir = new V1EmptyDirVolumeSource() },
            ],
        };
        PodConfinement.Confine(pod, plan.Placement);
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = Meta(plan, plan.Name),
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = (long)Math.Ceiling(plan.Timeout.TotalSeconds),
                TtlSecondsAfterFinished = (int)settings.KeepFinished.TotalSeconds,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels(plan) },
                    Spec = pod,
                },
            },
        };
    }

    /// <summary>BuildKit's arguments: what to build from the unpacked context, and where to push it.</summary>
    public static IReadOnlyList<string> BuildArguments(BuildJobPlan plan)
    {
        var build = plan.Build;
        var dockerfile = build.Dockerfile.Replace('\\', '/');
        var folder = Path.GetDirectoryName(dockerfile)?.Replace('\\', '/') ?? "";
        var context = $"{Workspace}/context";
        List<string> arguments =
        [
            "build",
            "--frontend",
            "dockerfile.v0",
            "--local",
            $"context={context}",
            "--local",
            $"dockerfile={(folder.Length == 0 ? context : $"{context}/{folder}")}",
            "--opt",
            $"filename={Path.GetFileName(dockerfile)}",
        ];
        if (build.Target is { Length: > 0 } target)
            arguments.AddRange(["--opt", $"target={target}"]);
        foreach (var (name, value) in build.BuildArgs.OrderBy(a => a.Key, StringComparer.Ordinal))
            arguments.AddRange(["--opt", $"build-arg:{name}={value}"]);
        // Several names go in one quoted CSV field; the insecure flag only for a registry that skips TLS.
        var output = $"type=image,\"name={string.Join(',', plan.References)}\",push=true";
        if (plan.Registry.SkipsTls)
            output += ",registry.insecure=true";
        arguments.AddRange(["--output", output, "--metadata-file", Metadata]);
        return arguments;
    }

    private static V1Container Unpack(BuildJobPlan plan, KubernetesJobOptions settings) =>
        new()
        {
            Name = "context",
            Image = settings.BuildKitImage,
            Command =
            [
                "/bin/sh",
                "-c",
                $"mkdir -p {Workspace}/context && tar -xzf /archive/{ContextKey} -C {Workspace}/context",
            ],
            SecurityContext = new V1SecurityContext
            {
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            Resources = Resources(settings),
            VolumeMounts =
            [
                new V1VolumeMount
                {
                    Name = "context-archive",
                    MountPath = "/archive",
                    ReadOnlyProperty = true,
                },
                new V1VolumeMount { Name = "workspace", MountPath = Workspace },
            ],
        };

    private static V1Container BuildKit(BuildJobPlan plan, KubernetesJobOptions settings) =>
        new()
        {
            Name = BuildKitContainer,
            Image = settings.BuildKitImage,
            Command = ["/bin/sh", "-c", Script, "buildctl-daemonless"],
            Args = [.. BuildArguments(plan)],
            Env =
            [
                new V1EnvVar { Name = "BUILDKITD_FLAGS", Value = "--oci-worker-no-process-sandbox" },
                new V1EnvVar { Name = "DOCKER_CONFIG", Value = "/home/user/.docker" },
            ],
            TerminationMessagePolicy = "FallbackToLogsOnError",
            SecurityContext = new V1SecurityContext
            {
                RunAsUser = User,
                RunAsGroup = User,
                SeccompProfile = new V1SeccompProfile { Type = "Unconfined" },
                AppArmorProfile = new V1AppArmorProfile { Type = "Unconfined" },
            },
            Resources = Resources(settings),
            VolumeMounts =
            [
                new V1VolumeMount
                {
                    Name = "workspace",
                    MountPath = Workspace,
                    ReadOnlyProperty = true,
                },
                new V1VolumeMount
                {
                    Name = "push-credentials",
                    MountPath = "/home/user/.docker",
                    ReadOnlyProperty = true,
                },
                new V1VolumeMount { Name = "buildkit-state", MountPath = "/home/user/.local/share/buildkit" },
            ],
        };

    private static V1ResourceRequirements Resources(KubernetesJobOptions settings) =>
        new()
        {
            Requests = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(settings.CpuRequest),
                ["memory"] = new(settings.MemoryRequest),
            },
            Limits = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(settings.CpuLimit),
                ["memory"] = new(settings.MemoryLimit),
            },
        };

    private static V1ObjectMeta Meta(BuildJobPlan plan, string name) =>
        new()
        {
            Name = name,
            NamespaceProperty = plan.Namespace,
            Labels = Labels(plan),
        };

    private static Dictionary<string, string> Labels(BuildJobPlan plan) =>
        new()
        {
            [Ownership.ManagedByLabel] = EnvironmentProvisioner.ManagedBy,
            [Ownership.TenantLabel] = plan.Build.Tenant,
            [Ownership.TenantIdLabel] = plan.TenantId.ToString(),
            [BuildLabel] = plan.Name,
        };
}

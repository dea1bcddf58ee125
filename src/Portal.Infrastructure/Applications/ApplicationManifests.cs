using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Portal.Domain.Applications;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Quotas;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// One application in one environment, at one revision: what <see cref="ApplicationManifests.Render"/> needs. The
/// placement is the environment's pool's; without one the pods may go to any untainted node.
/// </summary>
public sealed record ManifestInput(
    string Namespace,
    string AppName,
    Ownership Owner,
    int RevisionNumber,
    DeploymentSpec Spec,
    PodPlacement? Placement = null
)
{
    public string Environment => Owner.Environment;

    /// <summary>The Secret the pods pull their image with (the portal registry's pull secret), or none.</summary>
    public string? PullSecret { get; init; }
}

/// <summary>The Kubernetes objects of one application; those the spec does not call for are null.</summary>
public sealed record AppManifests(
    V1ConfigMap? ConfigMap,
    V1Secret? Secret,
    V1Deployment Deployment,
    V1Service? Service,
    V1Ingress? Ingress,
    V2HorizontalPodAutoscaler? Autoscaler
)
{
    /// <summary>
    /// The objects that exist, in the order to apply them: what the pods mount comes before the pods.
    /// </summary>
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> All() =>
        new IKubernetesObject<V1ObjectMeta>?[] { ConfigMap, Secret, Deployment, Service, Ingress, Autoscaler }
            .OfType<IKubernetesObject<V1ObjectMeta>>()
            .ToList();
}

/// <summary>
/// Renders an application's <see cref="DeploymentSpec"/> as the Kubernetes objects that run it. Pure: the same input
/// gives the same objects, byte for byte once serialized, so that they can be compared with what a cluster holds.
/// <list type="bullet">
/// <item>Names: the Deployment, Service, Ingress and HorizontalPodAutoscaler are named after the application; the
/// ConfigMap "{app}-config", the Secret "{app}-env".</item>
/// <item>Labels on every object and on the pod template: app.kubernetes.io/name={app},
/// app.kubernetes.io/instance={app}-{environment}, app.kubernetes.io/version={image tag or short digest},
/// app.kubernetes.io/managed-by=portal and the environment's <see cref="Ownership"/> (portal/tenant-id,
/// portal/environment-id, portal/tenant, portal/environment). Selectors use only name and instance,
/// because a Deployment's selector cannot change and the version does.</item>
/// <item>Config files: one ConfigMap, keyed as <see cref="ConfigKeys"/> says, mounted read-only once per directory
/// with <c>items</c> that give each file its name.</item>
/// <item>Secret variables: in the Secret, referred to by <c>secretKeyRef</c>; plain ones inline.</item>
/// <item>The pod template carries the revision and a checksum of config and secret content, so that a change of
/// either rolls the pods, which would otherwise keep the old environment.</item>
/// <item>The pod template carries the pool's node selector and tolerates the pool's taint
/// (<see cref="PodConfinement"/>).</item>
/// </list>
/// </summary>
public static class ApplicationManifests
{
    public const string RevisionAnnotation = "portal/revision";
    public const string ChecksumAnnotation = "portal/config-checksum";
    public const string NameLabel = "app.kubernetes.io/name";
    public const string InstanceLabel = "app.kubernetes.io/instance";
    public const string VersionLabel = "app.kubernetes.io/version";

    public static string ConfigMapName(string app) => $"{app}-config";

    public static string SecretName(string app) => $"{app}-env";

    public static string Instance(string app, string environment) => $"{app}-{environment}";

    /// <summary>
    /// The label selector of the application's pods, for listing them:
    /// "app.kubernetes.io/name=X,app.kubernetes.io/instance=X-env".
    /// </summary>
    public static string Selector(string app, string environment) =>
        $"{NameLabel}={app},{InstanceLabel}={Instance(app, environment)}";

    /// <summary>
    /// The ConfigMap key of each config file: the mount path without its leading '/', with every character a key may
    /// not hold ('/' above all) made '-', then "--" and the file name: "/etc/app" + "app.yaml" is "etc-app--app.yaml".
    /// Where that is not a valid key (longer than 253 characters) or two files would share it ("/etc/my-app" and
    /// "/etc/my/app"), the key is "file-" and the first 16 hex digits of the SHA-256 of the file's full path.
    /// </summary>
    public static IReadOnlyDictionary<ConfigFile, string> ConfigKeys(IReadOnlyList<ConfigFile> files)
    {
        var plain = files.ToDictionary(f => f, f => $"{Slug(f.MountPath)}--{f.FileName}");
        var shared = plain
            .Values.GroupBy(k => k, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .ToHashSet(StringComparer.Ordinal);
        return plain.ToDictionary(
            p => p.Key,
            p => p.Value.Length <= 253 && !shared.Contains(p.Value) ? p.Value : Hashed(p.Key)
        );

        static string Slug(string path) =>
            new(
                path.TrimStart('/')
                    .Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')
                    .ToArray()
            );
        static string Hashed(ConfigFile file) =>
            $"file-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.FullPath)))[..16]}";
    }

    /// <summary>
    /// Renders a valid spec; an invalid one is a mistake of the caller, who validates before saving a revision.
    /// </summary>
    public static AppManifests Render(ManifestInput input)
    {
        var name = ApplicationName.Create(input.AppName);
        if (!name.Succeeded)
            throw new ArgumentException(name.Problem!.Message, nameof(input));
        var problems = input.Spec.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(
                $"The spec of {input.AppName} is not valid: "
                    + $"{string.Join(" ", problems.Select(p => $"{p.Field}: {p.Message}"))}",
                nameof(input)
            );
        }

        var spec = input.Spec;
        var version = ImageReference.Parse(spec.Image).Value.Version;
        var context = new RenderContext(input, version);
        var configMap = RenderConfigMap(context, out var configKeys);
        var secret = RenderSecret(context);
        var deployment = RenderDeployment(context, configKeys, Checksum(configMap, secret));
        PodConfinement.Confine(deployment, input.Placement ?? PodPlacement.Anywhere);
        return new AppManifests(
            configMap,
            secret,
            deployment,
            spec.Exposure is null ? null : RenderService(context, spec.Exposure),
            string.IsNullOrEmpty(spec.Exposure?.IngressHost) ? null : RenderIngress(context, spec.Exposure),
            spec.Autoscaling is null ? null : RenderAutoscaler(context, spec.Autoscaling)
        );
    }

    private sealed record RenderContext(ManifestInput Input, string Version)
    {
        public string App => Input.AppName;
        public DeploymentSpec Spec => Input.Spec;

        public Dictionary<string, string> Labels() =>
            new Dictionary<string, string>
            {
                [NameLabel] = App,
                [InstanceLabel] = Instance(App, Input.Environment),
                [VersionLabel] = Version,
            }
                .Concat(Input.Owner.Labels())
                .ToDictionary();

        public Dictionary<string, string> SelectorLabels() =>
            new() { [NameLabel] = App, [InstanceLabel] = Instance(App, Input.Environment) };

        public V1ObjectMeta Metadata(string name, Dictionary<string, string>? annotations = null) =>
            new()
            {
                Name = name,
                NamespaceProperty = Input.Namespace,
                Labels = Labels(),
                Annotations = annotations,
            };
    }

    private static V1ConfigMap? RenderConfigMap(RenderContext context, out IReadOnlyDictionary<ConfigFile, string> keys)
    {
        var files = context.Spec.ConfigFiles;
        keys = ConfigKeys(files);
        if (files.Count == 0)
            return null;
        var data = new Dictionary<string, string>();
        foreach (var file in files)
            data[keys[file]] = file.Content;
        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = context.Metadata(ConfigMapName(context.App)),
            Data = data,
        };
    }

    private static V1Secret? RenderSecret(RenderContext context)
    {
        var secrets = context.Spec.Environment.Where(e => e.IsSecret).ToList();
        if (secrets.Count == 0)
            return null;
        // Data rather than stringData: it is what the cluster gives back, so the rendered object compares with the live
        // one.
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = context.Metadata(SecretName(context.App)),
            Type = "Opaque",
            Data = secrets.ToDictionary(e => e.Name, e => Encoding.UTF8.GetBytes(e.Value)),
        };
    }

    /// <summary>
    /// SHA-256 over every config and secret key and value, each length-prefixed so that no two contents hash alike by
    /// accident.
    /// </summary>
    private static string? Checksum(V1ConfigMap? configMap, V1Secret? secret)
    {
        if (configMap is null && secret is null)
            return null;
        var text = new StringBuilder();
        void Append(string kind, string key, string value) =>
            text.Append(CultureInfo.InvariantCulture, $"{kind}:{key.Length}:{key}:{value.Length}:{value}\n");
        foreach (
            var (key, value) in (configMap?.Data ?? new Dictionary<string, string>()).OrderBy(
                p => p.Key,
                StringComparer.Ordinal
            )
        )
            Append("config", key, value);
        foreach (
            var (key, value) in (secret?.Data ?? new Dictionary<string, byte[]>()).OrderBy(
                p => p.Key,
                StringComparer.Ordinal
            )
        )
            Append("secret", key, Convert.ToBase64String(value));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static V1Deployment RenderDeployment(
        RenderContext context,
        IReadOnlyDictionary<ConfigFile, string> configKeys,
        string? checksum
    )
    {
        var spec = context.Spec;
        var revision = context.Input.RevisionNumber.ToString(CultureInfo.InvariantCulture);
        var podAnnotations = new Dictionary<string, string> { [RevisionAnnotation] = revision };
        if (checksum is not null)
            podAnnotations[ChecksumAnnotation] = checksum;

        // One volume per directory; each lists its own files, so a directory shows only what belongs in it.
        var directories = spec
            .ConfigFiles.Select(f => f.MountPath)
            .Distinct(StringComparer.Ordinal)
            .Select((path, i) => (Path: path, Volume: $"config-{i}"))
            .ToList();
        var volumes = directories
            .Select(d => new V1Volume
            {
                Name = d.Volume,
                ConfigMap = new V1ConfigMapVolumeSource
                {
                    Name = ConfigMapName(context.App),
                    Items = spec
                        .ConfigFiles.Where(f => f.MountPath == d.Path)
                        .Select(f => new V1KeyToPath { Key = configKeys[f], Path = f.FileName })
                        .ToList(),
                },
            })
            .ToList();

        var container = new V1Container
        {
            Name = context.App,
            Image = spec.Image,
            Command = spec.Command.Count == 0 ? null : spec.Command.ToList(),
            Args = spec.Args.Count == 0 ? null : spec.Args.ToList(),
            Ports =
                spec.Ports.Count == 0
                    ? null
                    : spec
                        .Ports.Select(p => new V1ContainerPort
                        {
                            Name = string.IsNullOrEmpty(p.Name) ? null : p.Name,
                            ContainerPort = p.Port,
                            Protocol = Protocol(p.Protocol),
                        })
                        .ToList(),
            Env =
                spec.Environment.Count == 0
                    ? null
                    : spec
                        .Environment.Select(e =>
                            e switch
                            {
                                { From: { } from } => new V1EnvVar
                                {
                                    Name = e.Name,
                                    ValueFrom = new V1EnvVarSource
                                    {
                                        SecretKeyRef = new V1SecretKeySelector
                                        {
                                            Name = from.SecretName,
                                            Key = from.Key,
                                        },
                                    },
                                },
                                { IsSecret: true } => new V1EnvVar
                                {
                                    Name = e.Name,
                                    ValueFrom = new V1EnvVarSource
                                    {
                                        SecretKeyRef = new V1SecretKeySelector
                                        {
                                            Name = SecretName(context.App),
                                            Key = e.Name,
                                        },
                                    },
                                },
                                _ => new V1EnvVar { Name = e.Name, Value = e.Value },
                            }
                        )
                        .ToList(),
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity>
                {
                    ["cpu"] = new(Cpu(spec.Resources.CpuRequestMillis)),
                    ["memory"] = new(Bytes(spec.Resources.MemoryRequestBytes)),
                },
                Limits = new Dictionary<string, ResourceQuantity>
                {
                    ["cpu"] = new(Cpu(spec.Resources.CpuLimitMillis)),
                    ["memory"] = new(Bytes(spec.Resources.MemoryLimitBytes)),
                },
            },
            LivenessProbe = RenderProbe(spec.Liveness),
            ReadinessProbe = RenderProbe(spec.Readiness),
            VolumeMounts =
                directories.Count == 0
                    ? null
                    : directories
                        .Select(d => new V1VolumeMount
                        {
                            Name = d.Volume,
                            MountPath = d.Path,
                            ReadOnlyProperty = true,
                        })
                        .ToList(),
        };

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = context.Metadata(
                context.App,
                new Dictionary<string, string> { [RevisionAnnotation] = revision }
            ),
            Spec = new V1DeploymentSpec
            {
                // With an autoscaler, it owns the replica count; naming one here would fight it on every apply.
                Replicas = spec.Autoscaling is null ? spec.Replicas : null,
                Selector = new V1LabelSelector { MatchLabels = context.SelectorLabels() },
                Strategy = new V1DeploymentStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "25%", MaxUnavailable = 0 },
                },
                ProgressDeadlineSeconds = 600,
                RevisionHistoryLimit = 5,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = context.Labels(), Annotations = podAnnotations },
                    Spec = new V1PodSpec
                    {
                        Containers = [container],
                        Volumes = volumes.Count == 0 ? null : volumes,
                        ImagePullSecrets = context.Input.PullSecret is { } pullSecret
                            ? [new V1LocalObjectReference { Name = pullSecret }]
                            : null,
                    },
                },
            },
        };
    }

    private static V1Probe? RenderProbe(Probe? probe) =>
        probe is null
            ? null
            : new V1Probe
            {
                HttpGet =
                    probe.Kind == ProbeKind.Http ? new V1HTTPGetAction { Path = probe.Path, Port = probe.Port } : null,
                TcpSocket = probe.Kind == ProbeKind.Tcp ? new V1TCPSocketAction { Port = probe.Port } : null,
                // Zero is the API's default and it leaves it out; so does the rendering, to compare equal with what is
                // read back.
                InitialDelaySeconds = probe.InitialDelaySeconds == 0 ? null : probe.InitialDelaySeconds,
                PeriodSeconds = probe.PeriodSeconds,
                FailureThreshold = probe.FailureThreshold,
            };

    private static V1Service RenderService(RenderContext context, Exposure exposure)
    {
        var target = context.Spec.Ports.FirstOrDefault(p => p.Port == exposure.TargetPort);
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = context.Metadata(context.App),
            Spec = new V1ServiceSpec
            {
                Type = "ClusterIP",
                Selector = context.SelectorLabels(),
                Ports =
                [
                    new V1ServicePort
                    {
                        Name = string.IsNullOrEmpty(target?.Name) ? null : target.Name,
                        Port = exposure.ServicePort,
                        TargetPort = exposure.TargetPort,
                        Protocol = Protocol(target?.Protocol ?? PortProtocol.Tcp),
                    },
                ],
            },
        };
    }

    private static V1Ingress RenderIngress(RenderContext context, Exposure exposure) =>
        new()
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "Ingress",
            Metadata = context.Metadata(context.App),
            Spec = new V1IngressSpec
            {
                Rules =
                [
                    new V1IngressRule
                    {
                        Host = exposure.IngressHost,
                        Http = new V1HTTPIngressRuleValue
                        {
                            Paths =
                            [
                                new V1HTTPIngressPath
                                {
                                    Path = string.IsNullOrEmpty(exposure.IngressPath) ? "/" : exposure.IngressPath,
                                    PathType = "Prefix",
                                    Backend = new V1IngressBackend
                                    {
                                        Service = new V1IngressServiceBackend
                                        {
                                            Name = context.App,
                                            Port = new V1ServiceBackendPort { Number = exposure.ServicePort },
                                        },
                                    },
                                },
                            ],
                        },
                    },
                ],
                Tls = string.IsNullOrEmpty(exposure.TlsSecretName)
                    ? null
                    : [new V1IngressTLS { Hosts = [exposure.IngressHost!], SecretName = exposure.TlsSecretName }],
            },
        };

    private static V2HorizontalPodAutoscaler RenderAutoscaler(RenderContext context, AutoscalingPolicy policy)
    {
        var metrics = new List<V2MetricSpec>();
        if (policy.CpuUtilizationPercent is { } cpu)
            metrics.Add(Utilization("cpu", cpu));
        if (policy.MemoryUtilizationPercent is { } memory)
            metrics.Add(Utilization("memory", memory));
        return new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = context.Metadata(context.App),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference
                {
                    ApiVersion = "apps/v1",
                    Kind = "Deployment",
                    Name = context.App,
                },
                MinReplicas = policy.MinReplicas,
                MaxReplicas = policy.MaxReplicas,
                Metrics = metrics,
            },
        };

        static V2MetricSpec Utilization(string resource, int percent) =>
            new()
            {
                Type = "Resource",
                Resource = new V2ResourceMetricSource
                {
                    Name = resource,
                    Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = percent },
                },
            };
    }

    private static string Protocol(PortProtocol protocol) => protocol == PortProtocol.Udp ? "UDP" : "TCP";

    /// <summary>CPU as the API server writes it back: whole cores plain ("2"), otherwise millicores ("250m").</summary>
    public static string Cpu(long millis) =>
        millis % 1000 == 0
            ? (millis / 1000).ToString(CultureInfo.InvariantCulture)
            : $"{millis.ToString(CultureInfo.InvariantCulture)}m";

    /// <summary>
    /// Bytes as the API server writes them back: the largest binary suffix that divides exactly ("512Mi"), else the
    /// largest decimal one ("1500M"), else the plain number.
    /// </summary>
    public static string Bytes(long bytes)
    {
        if (bytes == 0)
            return "0";
        string[] binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        string[] decimalSuffixes = ["k", "M", "G", "T", "P", "E"];
        foreach (var (suffixes, factor) in new[] { (binary, 1024L), (decimalSuffixes, 1000L) })
        {
            var value = bytes;
            var unit = -1;
            while (unit < suffixes.Length - 1 && value % factor == 0)
            {
                value /= factor;
                unit++;
            }
            if (unit >= 0)
                return $"{value.ToString(CultureInfo.InvariantCulture)}{suffixes[unit]}";
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}

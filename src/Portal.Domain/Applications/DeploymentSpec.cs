using System.Text;
using System.Text.Json.Serialization;

namespace Portal.Domain.Applications;

/// <summary>
/// How an application runs in an environment: one container, its configuration, its size and how it is reached.
/// A revision of an application keeps one of these; it is stored as JSON, so every part is a plain record with
/// public properties. Lists are copied on the way in, so a spec never changes after it is made; two specs are
/// equal when every field and every list item, in order, are.
/// </summary>
public sealed partial record DeploymentSpec
{
    public required string Image { get; init; }
    public IReadOnlyList<string> Command
    {
        get;
        init => field = Freeze(value);
    } = [];
    public IReadOnlyList<string> Args
    {
        get;
        init => field = Freeze(value);
    } = [];
    public IReadOnlyList<ContainerPort> Ports
    {
        get;
        init => field = Freeze(value);
    } = [];
    public IReadOnlyList<EnvironmentVariable> Environment
    {
        get;
        init => field = Freeze(value);
    } = [];
    public IReadOnlyList<ConfigFile> ConfigFiles
    {
        get;
        init => field = Freeze(value);
    } = [];
    public required ContainerResources Resources { get; init; }
    public int Replicas { get; init; } = 1;
    public Probe? Liveness { get; init; }
    public Probe? Readiness { get; init; }
    public Exposure? Exposure { get; init; }
    public AutoscalingPolicy? Autoscaling { get; init; }

    [JsonIgnore]
    public bool HasSecrets => Environment.Any(e => e.IsSecret);

    public DeploymentSpec WithReplicas(int replicas) => this with { Replicas = replicas };

    public DeploymentSpec WithResources(ContainerResources resources) => this with { Resources = resources };

    public DeploymentSpec WithAutoscaling(AutoscalingPolicy? autoscaling) => this with { Autoscaling = autoscaling };

    public DeploymentSpec WithEnvironment(IEnumerable<EnvironmentVariable> variables) =>
        this with
        {
            Environment = [.. variables],
        };

    /// <summary>Sets one variable: replaces the one of the same name where it stands, or adds it at the end.</summary>
    public DeploymentSpec WithEnvironmentVariable(EnvironmentVariable variable)
    {
        var replaced = false;
        var variables = Environment
            .Select(e =>
            {
                if (e.Name != variable.Name)
                    return e;
                replaced = true;
                return variable;
            })
            .ToList();
        if (!replaced)
            variables.Add(variable);
        return WithEnvironment(variables);
    }

    /// <summary>
    /// The spec with <paramref name="port"/> among its ports, as a built image feeds the port it listens on: unchanged
    /// when a TCP port has that number, else the port is added, named "http" unless that name is taken. Probes and the
    /// exposure keep the ports they name: the revision's diff shows the developer what changed.
    /// </summary>
    public DeploymentSpec ListeningOn(int port)
    {
        if (Ports.Any(p => p.Port == port && p.Protocol == PortProtocol.Tcp))
            return this;
        var name = Ports.Any(p => p.Name == "http") ? null : "http";
        return this with { Ports = [.. Ports, new ContainerPort(name, port)] };
    }

    public bool Equals(DeploymentSpec? other) =>
        other is not null
        && Image == other.Image
        && Command.SequenceEqual(other.Command)
        && Args.SequenceEqual(other.Args)
        && Ports.SequenceEqual(other.Ports)
        && Environment.SequenceEqual(other.Environment)
        && ConfigFiles.SequenceEqual(other.ConfigFiles)
        && Resources == other.Resources
        && Replicas == other.Replicas
        && Liveness == other.Liveness
        && Readiness == other.Readiness
        && Exposure == other.Exposure
        && Autoscaling == other.Autoscaling;

    public override int GetHashCode() =>
        HashCode.Combine(Image, Resources, Replicas, Ports.Count, Environment.Count, ConfigFiles.Count);

    // Null arrives from JSON that leaves a list out or writes null; an empty list is what the reader means.
    private static IReadOnlyList<T> Freeze<T>(IReadOnlyList<T>? items) => items is null ? [] : [.. items];
}

[JsonConverter(typeof(JsonStringEnumConverter<PortProtocol>))]
public enum PortProtocol
{
    Tcp,
    Udp,
}

/// <summary>
/// A port the container listens on; the name is optional and, when given, is how probes and people refer to it.
/// </summary>
public sealed record ContainerPort(string? Name, int Port, PortProtocol Protocol = PortProtocol.Tcp);

/// <summary>
/// A variable of the container's environment. Secret ones are kept in a Kubernetes Secret rather than in the pod
/// spec, and are never shown back: not in diffs, not in <see cref="ToString"/>. One with <see cref="From"/> takes its
/// value from a key of another Secret in the namespace (a middleware instance's credentials): the spec holds only the
/// reference, never the value.
/// </summary>
public sealed record EnvironmentVariable(string Name, string Value, bool IsSecret = false, SecretReference? From = null)
{
    public const string Mask = "••••••";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Name = {Name}, Value = {(IsSecret ? Mask : Value)}, IsSecret = {IsSecret}, From = {From}");
        return true;
    }
}

/// <summary>A key of a Secret in the application's namespace.</summary>
public sealed record SecretReference(string SecretName, string Key)
{
    public override string ToString() => $"secret {SecretName}, key {Key}";
}

/// <summary>A file the container finds at <c>{MountPath}/{FileName}</c>, read-only, with this content.</summary>
public sealed record ConfigFile(string MountPath, string FileName, string Content)
{
    [JsonIgnore]
    public string FullPath => $"{MountPath}/{FileName}";
}

/// <summary>
/// What the container asks for (requests, which quota admission counts) and may use at most (limits).
/// </summary>
public sealed record ContainerResources(
    long CpuRequestMillis,
    long CpuLimitMillis,
    long MemoryRequestBytes,
    long MemoryLimitBytes
);

[JsonConverter(typeof(JsonStringEnumConverter<ProbeKind>))]
public enum ProbeKind
{
    Http,
    Tcp,
}

/// <summary>
/// A health check: an HTTP GET of <see cref="Path"/> (a 2xx or 3xx answer passes) or a TCP connection.
/// </summary>
public sealed record Probe(
    ProbeKind Kind,
    string? Path,
    int Port,
    int InitialDelaySeconds = 0,
    int PeriodSeconds = 10,
    int FailureThreshold = 3
);

/// <summary>
/// How the application is reached: a cluster-internal Service on <see cref="ServicePort"/> that forwards to the
/// container's <see cref="TargetPort"/>, and, with a host, an Ingress from outside (HTTPS with a TLS secret).
/// </summary>
public sealed record Exposure(
    int ServicePort,
    int TargetPort,
    string? IngressHost = null,
    string? IngressPath = null,
    string? TlsSecretName = null
);

/// <summary>Replicas follow load between the bounds, aiming at these average utilizations of the requests.</summary>
public sealed record AutoscalingPolicy(
    int MinReplicas,
    int MaxReplicas,
    int? CpuUtilizationPercent,
    int? MemoryUtilizationPercent
);

using System.Globalization;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Infrastructure.Applications;

namespace Portal.Web.Applications;

/// <summary>
/// An application's details and spec as a page's form holds them: lists as lines ("http:8080", "NAME=value"),
/// amounts as people type them. Secret variables are never shown back: their lines come as "NAME=" and an empty
/// value keeps the stored one.
/// </summary>
public sealed class SpecForm
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Owner { get; set; }
    public string? Image { get; set; }
    public string? Command { get; set; }
    public string? Args { get; set; }
    public string? Ports { get; set; }
    public string? Variables { get; set; }
    public string? Secrets { get; set; }
    public string? ConfigPath { get; set; }
    public string? ConfigFileName { get; set; }
    public string? ConfigContent { get; set; }
    public string? CpuRequest { get; set; } = "100m";
    public string? CpuLimit { get; set; } = "500m";
    public string? MemoryRequest { get; set; } = "128Mi";
    public string? MemoryLimit { get; set; } = "256Mi";
    public int Replicas { get; set; } = 1;
    public string? ReadinessPath { get; set; }
    public int? ReadinessPort { get; set; }
    public string? LivenessPath { get; set; }
    public int? LivenessPort { get; set; }
    public int? ServicePort { get; set; }
    public int? TargetPort { get; set; }
    public string? IngressHost { get; set; }
    public string? IngressPath { get; set; }
    public string? TlsSecretName { get; set; }

    /// <summary>The form field a problem of the spec belongs next to: "Spec.Ports[1].Port" goes with "Ports".</summary>
    public static string FieldOf(string? specField)
    {
        var field = specField?.StartsWith("Spec.", StringComparison.Ordinal) == true ? specField[5..] : specField ?? "";
        var head = field.Split('.', '[')[0];
        return head switch
        {
            "Environment" => "Variables",
            "ConfigFiles" => "Config",
            "Resources" => field.Contains("Cpu", StringComparison.Ordinal)
                ? field.Contains("Limit", StringComparison.Ordinal) ? "CpuLimit" : "CpuRequest"
                : field.Contains("Limit", StringComparison.Ordinal) ? "MemoryLimit" : "MemoryRequest",
            "Exposure" => field switch
            {
                "Exposure.IngressHost" => "IngressHost",
                "Exposure.IngressPath" => "IngressPath",
                _ => "Exposure",
            },
            "Autoscaling" => "Replicas",
            _ => head,
        };
    }

    public static SpecForm From(ApplicationView app) => new()
    {
        Name = app.Name,
        Description = app.Description,
        Owner = app.Owner,
        Image = app.Spec.Image,
        Command = string.Join('\n', app.Spec.Command),
        Args = string.Join('\n', app.Spec.Args),
        Ports = string.Join('\n', app.Spec.Ports.Select(p => $"{(p.Name is null ? "" : p.Name + ":")}{p.Port}{(p.Protocol == PortProtocol.Udp ? "/udp" : "")}")),
        Variables = string.Join('\n', app.Spec.Environment.Where(v => !v.IsSecret).Select(v => $"{v.Name}={v.Value}")),
        Secrets = string.Join('\n', app.Spec.Environment.Where(v => v.IsSecret).Select(v => $"{v.Name}=")),
        ConfigPath = app.Spec.ConfigFiles.FirstOrDefault()?.MountPath,
        ConfigFileName = app.Spec.ConfigFiles.FirstOrDefault()?.FileName,
        ConfigContent = app.Spec.ConfigFiles.FirstOrDefault()?.Content,
        CpuRequest = ApplicationManifests.Cpu(app.Spec.Resources.CpuRequestMillis),
        CpuLimit = ApplicationManifests.Cpu(app.Spec.Resources.CpuLimitMillis),
        MemoryRequest = ApplicationManifests.Bytes(app.Spec.Resources.MemoryRequestBytes),
        MemoryLimit = ApplicationManifests.Bytes(app.Spec.Resources.MemoryLimitBytes),
        Replicas = app.Spec.Replicas,
        ReadinessPath = app.Spec.Readiness?.Path,
        ReadinessPort = app.Spec.Readiness?.Port,
        LivenessPath = app.Spec.Liveness?.Path,
        LivenessPort = app.Spec.Liveness?.Port,
        ServicePort = app.Spec.Exposure?.ServicePort,
        TargetPort = app.Spec.Exposure?.TargetPort,
        IngressHost = app.Spec.Exposure?.IngressHost,
        IngressPath = app.Spec.Exposure?.IngressPath,
        TlsSecretName = app.Spec.Exposure?.TlsSecretName,
    };

    /// <summary>The form as it may be shown back after a refusal: secret variables keep their names, never their values.</summary>
    public SpecForm WithoutSecretValues()
    {
        Secrets = string.Join('\n', Lines(Secrets).Select(line => line.Split('=')[0] + "="));
        return this;
    }

    /// <summary>The spec the form describes; lines that cannot be read are problems of their field. Autoscaling is kept as it was.</summary>
    public Result<DeploymentSpec> ToSpec(AutoscalingPolicy? autoscaling = null)
    {
        var problems = new List<Problem>();
        var resources = ResourceText.Parse(CpuRequest, CpuLimit, MemoryRequest, MemoryLimit);
        if (!resources.Succeeded)
            problems.AddRange(resources.Problem!.Causes.Count > 0 ? resources.Problem.Causes : [resources.Problem]);
        var ports = Lines(Ports).Select(line => ParsePort(line, problems)).OfType<ContainerPort>().ToList();
        var variables = Lines(Variables).Select(line => ParseVariable(line, false, "Variables", problems))
            .Concat(Lines(Secrets).Select(line => ParseVariable(line, true, "Secrets", problems))).OfType<EnvironmentVariable>().ToList();
        var config = string.IsNullOrWhiteSpace(ConfigContent) && string.IsNullOrWhiteSpace(ConfigFileName)
            ? []
            : new[] { new ConfigFile(ConfigPath?.Trim() ?? "", ConfigFileName?.Trim() ?? "", ConfigContent ?? "") };
        if (problems.Count > 0)
            return Problem.Invalid(problems.Select(p => p with { Field = FieldOf(p.Field) }).ToList());
        return new DeploymentSpec
        {
            Image = Image?.Trim() ?? "",
            Command = Lines(Command).ToList(),
            Args = Lines(Args).ToList(),
            Ports = ports,
            Environment = variables,
            ConfigFiles = config,
            Resources = resources.Value,
            Replicas = Replicas,
            Readiness = Probe(ReadinessPath, ReadinessPort),
            Liveness = Probe(LivenessPath, LivenessPort),
            Exposure = ServicePort is { } servicePort
                ? new Exposure(servicePort, TargetPort ?? ports.FirstOrDefault()?.Port ?? servicePort, Blank(IngressHost), Blank(IngressPath) ?? (Blank(IngressHost) is null ? null : "/"), Blank(TlsSecretName))
                : null,
            Autoscaling = autoscaling,
        };
    }

    private static Probe? Probe(string? path, int? port) => port is { } p
        ? string.IsNullOrWhiteSpace(path) ? new Probe(ProbeKind.Tcp, null, p) : new Probe(ProbeKind.Http, path.Trim(), p)
        : null;

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static IEnumerable<string> Lines(string? text) =>
        (text ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static ContainerPort? ParsePort(string line, List<Problem> problems)
    {
        var protocol = line.EndsWith("/udp", StringComparison.OrdinalIgnoreCase) ? PortProtocol.Udp : PortProtocol.Tcp;
        var text = line.Split('/')[0];
        var name = text.Contains(':') ? text[..text.IndexOf(':')] : null;
        var number = text.Contains(':') ? text[(text.IndexOf(':') + 1)..] : text;
        if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            return new ContainerPort(string.IsNullOrEmpty(name) ? null : name, port, protocol);
        problems.Add(Problem.Invalid("Ports", $"'{line}' is not a port: write 8080, http:8080 or dns:53/udp, one per line."));
        return null;
    }

    private static EnvironmentVariable? ParseVariable(string line, bool secret, string field, List<Problem> problems)
    {
        var equals = line.IndexOf('=');
        if (equals > 0)
            return new EnvironmentVariable(line[..equals].Trim(), line[(equals + 1)..], secret);
        problems.Add(Problem.Invalid(field, $"'{(secret ? line.Split('=')[0] : line)}' is not a variable: write NAME=value, one per line."));
        return null;
    }
}

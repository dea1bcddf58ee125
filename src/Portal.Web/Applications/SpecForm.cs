using System.Globalization;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Infrastructure.Applications;

namespace Portal.Web.Applications;

/// <summary>
/// An application's details and spec as a page's form holds them: lists as lines ("http:8080", "NAME=value"),
/// numbers and amounts as people type them, so that whatever is typed comes back with what is wrong with it. Secret
/// variables are never shown back: their lines come as "NAME=" and an empty value keeps the stored one.
/// The basic part is the name, owner, image, main port and replicas; the rest are the advanced sections.
/// </summary>
public sealed class SpecForm
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Owner { get; set; }
    public string? Image { get; set; }

    /// <summary>The port the container serves on ("8080" or "http:8080"): the first of its ports.</summary>
    public string? Port { get; set; }

    /// <summary>Its other ports, one a line.</summary>
    public string? Ports { get; set; }

    public string? Replicas { get; set; } = "1";
    public string? Command { get; set; }
    public string? Args { get; set; }
    public string? Variables { get; set; }
    public string? Secrets { get; set; }

    /// <summary>
    /// Variables whose value is a key of a Secret that exists in the namespace: "NAME=secret/key", one a line.
    /// </summary>
    public string? References { get; set; }

    public string? ConfigPath { get; set; }
    public string? ConfigFileName { get; set; }
    public string? ConfigContent { get; set; }
    public string? CpuRequest { get; set; } = "100m";
    public string? CpuLimit { get; set; } = "500m";
    public string? MemoryRequest { get; set; } = "128Mi";
    public string? MemoryLimit { get; set; } = "256Mi";
    public string? ReadinessPath { get; set; }
    public string? ReadinessPort { get; set; }
    public string? LivenessPath { get; set; }
    public string? LivenessPort { get; set; }
    public string? ServicePort { get; set; }
    public string? TargetPort { get; set; }
    public string? IngressHost { get; set; }
    public string? IngressPath { get; set; }
    public string? TlsSecretName { get; set; }

    // The form field of each port and variable of the spec last read, in the spec's order: where their problems go.
    private List<string> _portFields = [];
    private List<string> _variableFields = [];

    public static SpecForm From(ApplicationView app) => From(app.Name, app.Description, app.Owner, app.Spec);

    public static SpecForm From(string? name, string? description, string? owner, DeploymentSpec spec) =>
        new()
        {
            Name = name,
            Description = description,
            Owner = owner,
            Image = spec.Image,
            Command = string.Join('\n', spec.Command),
            Args = string.Join('\n', spec.Args),
            Port = spec.Ports.Select(PortLine).FirstOrDefault(),
            Ports = string.Join('\n', spec.Ports.Skip(1).Select(PortLine)),
            Variables = string.Join(
                '\n',
                spec.Environment.Where(v => !v.IsSecret && v.From is null).Select(v => $"{v.Name}={v.Value}")
            ),
            References = string.Join(
                '\n',
                spec.Environment.Where(v => v.From is not null)
                    .Select(v => $"{v.Name}={v.From!.SecretName}/{v.From.Key}")
            ),
            Secrets = string.Join(
                '\n',
                spec.Environment.Where(v => v.IsSecret && v.From is null).Select(v => $"{v.Name}=")
            ),
            ConfigPath = spec.ConfigFiles.FirstOrDefault()?.MountPath,
            ConfigFileName = spec.ConfigFiles.FirstOrDefault()?.FileName,
            ConfigContent = spec.ConfigFiles.FirstOrDefault()?.Content,
            CpuRequest = ApplicationManifests.Cpu(spec.Resources.CpuRequestMillis),
            CpuLimit = ApplicationManifests.Cpu(spec.Resources.CpuLimitMillis),
            MemoryRequest = ApplicationManifests.Bytes(spec.Resources.MemoryRequestBytes),
            MemoryLimit = ApplicationManifests.Bytes(spec.Resources.MemoryLimitBytes),
            Replicas = Number(spec.Replicas),
            ReadinessPath = spec.Readiness?.Path,
            ReadinessPort = Number(spec.Readiness?.Port),
            LivenessPath = spec.Liveness?.Path,
            LivenessPort = Number(spec.Liveness?.Port),
            ServicePort = Number(spec.Exposure?.ServicePort),
            TargetPort = Number(spec.Exposure?.TargetPort),
            IngressHost = spec.Exposure?.IngressHost,
            IngressPath = spec.Exposure?.IngressPath,
            TlsSecretName = spec.Exposure?.TlsSecretName,
        };

    /// <summary>
    /// The form as it may be shown back after a refusal: secret variables keep their names, never their values.
    /// </summary>
    public SpecForm WithoutSecretValues()
    {
        Secrets = string.Join('\n', Lines(Secrets).Select(line => line.Split('=')[0] + "="));
        return this;
    }

    /// <summary>
    /// The spec the form describes, with every line or number that cannot be read left out, and the problems of those,
    /// each on its form field. Autoscaling is kept as it was.
    /// </summary>
    public (DeploymentSpec Spec, IReadOnlyList<Problem> Unreadable) Read(AutoscalingPolicy? autoscaling = null)
    {
        var problems = new List<Problem>();
        var amounts = new List<Problem>();
        var resources = ResourceText.Read(CpuRequest, CpuLimit, MemoryRequest, MemoryLimit, amounts);
        problems.AddRange(amounts.Select(p => p with { Field = FieldOf(p.Field) }));

        _portFields = [];
        var ports = new List<ContainerPort>();
        foreach (
            var (line, field) in Lines(Port)
                .Select(l => (l, nameof(Port)))
                .Concat(Lines(Ports).Select(l => (l, nameof(Ports))))
        )
        {
            if (ParsePort(line, field, problems) is not { } port)
                continue;
            ports.Add(port);
            _portFields.Add(field);
        }

        _variableFields = [];
        var variables = new List<EnvironmentVariable>();
        foreach (
            var (line, field) in Lines(Variables)
                .Select(l => (l, nameof(Variables)))
                .Concat(Lines(References).Select(l => (l, nameof(References))))
                .Concat(Lines(Secrets).Select(l => (l, nameof(Secrets))))
        )
        {
            var variable =
                field == nameof(References)
                    ? ParseReference(line, problems)
                    : ParseVariable(line, field == nameof(Secrets), field, problems);
            if (variable is null)
                continue;
            variables.Add(variable);
            _variableFields.Add(field);
        }

        var replicas = WholeNumber(
            Replicas,
            nameof(Replicas),
            "the number of replicas, like 1 or 3",
            problems,
            required: true
        ) ?? 1;
        var readinessPort = WholeNumber(
            ReadinessPort,
            nameof(ReadinessPort),
            "a port number from 1 to 65535",
            problems
        );
        var livenessPort = WholeNumber(LivenessPort, nameof(LivenessPort), "a port number from 1 to 65535", problems);
        var servicePort = WholeNumber(ServicePort, nameof(ServicePort), "a port number from 1 to 65535", problems);
        var targetPort = WholeNumber(TargetPort, nameof(TargetPort), "a port number from 1 to 65535", problems);
        var config =
            string.IsNullOrWhiteSpace(ConfigContent)
            && string.IsNullOrWhiteSpace(ConfigFileName)
            && string.IsNullOrWhiteSpace(ConfigPath)
                ? []
                : new[] { new ConfigFile(ConfigPath?.Trim() ?? "", ConfigFileName?.Trim() ?? "", ConfigContent ?? "") };
        var spec = new DeploymentSpec
        {
            Image = Image?.Trim() ?? "",
            Command = Lines(Command).ToList(),
            Args = Lines(Args).ToList(),
            Ports = ports,
            Environment = variables,
            ConfigFiles = config,
            Resources = resources,
            Replicas = replicas,
            Readiness = Probe(ReadinessPath, readinessPort),
            Liveness = Probe(LivenessPath, livenessPort),
            // A Service port that cannot be read still makes a Service, so that the ingress fields are checked with it.
            Exposure = (servicePort ?? (string.IsNullOrWhiteSpace(ServicePort) ? null : UnreadPort)) is { } service
                ? new Exposure(
                    service,
                    targetPort ?? ports.FirstOrDefault()?.Port ?? service,
                    Blank(IngressHost),
                    Blank(IngressPath) ?? (Blank(IngressHost) is null ? null : "/"),
                    Blank(TlsSecretName)
                )
                : null,
            Autoscaling = autoscaling,
        };
        return (spec, problems);
    }

    /// <summary>
    /// Every problem of the form at once: what cannot be read, and what is wrong with the rest
    /// (<paramref name="others"/>, on the spec's fields). An amount that cannot be read is 0 in the spec read, a port
    /// left out: what that would cause on the same field is left out, so that each field says only what is wrong with
    /// what was typed in it.
    /// </summary>
    public Problem AllProblems(IReadOnlyList<Problem> unreadable, IReadOnlyList<Problem> others)
    {
        var unread = unreadable.Select(p => p.Field).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return Problem.Invalid([
            .. unreadable,
            .. others
                .Select(p => p with { Field = p.Field is null ? null : FieldOf(p.Field) })
                .Where(p => p.Field is null || !unread.Contains(p.Field)),
        ]);
    }

    /// <summary>
    /// The form field a problem of the spec belongs next to: "Spec.Ports[1].Port" goes with "Ports" (or with "Port"
    /// when it is the main port), "Spec.Environment[2].Name" with the variables, references or secrets that line came
    /// from.
    /// </summary>
    public string FieldOf(string? specField)
    {
        var field = specField?.StartsWith("Spec.", StringComparison.Ordinal) == true ? specField[5..] : specField ?? "";
        var head = field.Split('.', '[')[0];
        return head switch
        {
            "Ports" => Indexed(field, _portFields) ?? nameof(Ports),
            "Environment" => Indexed(field, _variableFields) ?? nameof(Variables),
            "ConfigFiles" => field.EndsWith(".MountPath", StringComparison.Ordinal) ? nameof(ConfigPath)
            : field.EndsWith(".FileName", StringComparison.Ordinal) ? nameof(ConfigFileName)
            : nameof(ConfigContent),
            "Resources" => field.Contains("Cpu", StringComparison.Ordinal)
                ? field.Contains("Limit", StringComparison.Ordinal)
                    ? nameof(CpuLimit)
                    : nameof(CpuRequest)
                : field.Contains("Limit", StringComparison.Ordinal)
                    ? nameof(MemoryLimit)
                    : nameof(MemoryRequest),
            "Readiness" => field.EndsWith(".Path", StringComparison.Ordinal)
                ? nameof(ReadinessPath)
                : nameof(ReadinessPort),
            "Liveness" => field.EndsWith(".Path", StringComparison.Ordinal)
                ? nameof(LivenessPath)
                : nameof(LivenessPort),
            "Exposure" => field switch
            {
                "Exposure.IngressHost" => nameof(IngressHost),
                "Exposure.IngressPath" => nameof(IngressPath),
                "Exposure.TlsSecretName" => nameof(TlsSecretName),
                "Exposure.TargetPort" => nameof(TargetPort),
                _ => nameof(ServicePort),
            },
            "Autoscaling" => nameof(Replicas),
            _ => head,
        };
    }

    private static string? Indexed(string field, List<string> fields)
    {
        var open = field.IndexOf('[');
        var close = field.IndexOf(']');
        return
            open > 0
            && close > open
            && int.TryParse(field[(open + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && index < fields.Count
            ? fields[index]
            : null;
    }

    // The Service port of the spec read when the one typed cannot be read: the form is refused anyway.
    private const int UnreadPort = 80;

    private static string PortLine(ContainerPort p) =>
        $"{(p.Name is null ? "" : p.Name + ":")}{p.Port}{(p.Protocol == PortProtocol.Udp ? "/udp" : "")}";

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static Probe? Probe(string? path, int? port) =>
        port is { } p
            ? string.IsNullOrWhiteSpace(path)
                ? new Probe(ProbeKind.Tcp, null, p)
                : new Probe(ProbeKind.Http, path.Trim(), p)
            : null;

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static IEnumerable<string> Lines(string? text) =>
        (text ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static int? WholeNumber(
        string? text,
        string field,
        string what,
        List<Problem> problems,
        bool required = false
    )
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
                problems.Add(Problem.Invalid(field, $"Enter {what}."));
            return null;
        }
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            return number;
        problems.Add(Problem.Invalid(field, $"'{text.Trim()}' is not a whole number: enter {what}."));
        return null;
    }

    private static ContainerPort? ParsePort(string line, string field, List<Problem> problems)
    {
        var protocol = line.EndsWith("/udp", StringComparison.OrdinalIgnoreCase) ? PortProtocol.Udp : PortProtocol.Tcp;
        var text = line.Split('/')[0];
        var name = text.Contains(':') ? text[..text.IndexOf(':')] : null;
        var number = text.Contains(':') ? text[(text.IndexOf(':') + 1)..] : text;
        if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            return new ContainerPort(string.IsNullOrEmpty(name) ? null : name, port, protocol);
        problems.Add(
            Problem.Invalid(
                field,
                field == nameof(Port)
                    ? $"'{line}' is not a port: write a number such as 8080, or a name and a number such as http:8080."
                    : $"'{line}' is not a port: write 8080, http:8080 or dns:53/udp, one per line."
            )
        );
        return null;
    }

    private static EnvironmentVariable? ParseVariable(string line, bool secret, string field, List<Problem> problems)
    {
        var equals = line.IndexOf('=');
        if (equals > 0)
            return new EnvironmentVariable(line[..equals].Trim(), line[(equals + 1)..], secret);
        problems.Add(
            Problem.Invalid(
                field,
                $"'{(secret ? line.Split('=')[0] : line)}' is not a variable: write NAME=value, one per line."
            )
        );
        return null;
    }

    private static EnvironmentVariable? ParseReference(string line, List<Problem> problems)
    {
        var equals = line.IndexOf('=');
        var slash = line.IndexOf('/', Math.Max(equals, 0));
        if (equals > 0 && slash > equals + 1 && slash < line.Length - 1)
            return new EnvironmentVariable(
                line[..equals].Trim(),
                "",
                From: new SecretReference(line[(equals + 1)..slash].Trim(), line[(slash + 1)..].Trim())
            );
        problems.Add(
            Problem.Invalid(
                nameof(References),
                $"'{line}' is not a reference to a Secret: write NAME=secret/key, like "
                    + "DB_PASSWORD=db-credentials/password."
            )
        );
        return null;
    }
}

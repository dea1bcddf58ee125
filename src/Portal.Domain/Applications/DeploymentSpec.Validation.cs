using System.Text;
using Portal.Domain.Common;

namespace Portal.Domain.Applications;

public sealed partial record DeploymentSpec
{
    public const int MaxReplicas = 1000;

    /// <summary>
    /// Config files become one ConfigMap, which the API server holds to 1 MiB with its keys; the rest is headroom for
    /// the keys.
    /// </summary>
    public const long MaxConfigBytes = 1000 * 1024;

    /// <summary>
    /// Every problem with the spec at once, each with the form field it concerns ("Ports[0].Port",
    /// "Resources.CpuLimit"), so that a form can show them all next to their fields. Empty when the spec is valid. The
    /// rules are those the Kubernetes API server applies, and a few of the portal's own: an app requests CPU and
    /// memory, so that quota admission counts what it really takes.
    /// </summary>
    public IReadOnlyList<Problem> Validate()
    {
        var problems = new List<Problem>();
        var image = ImageReference.Parse(Image, nameof(Image));
        if (!image.Succeeded)
            problems.Add(image.Problem!);
        ValidatePorts(problems);
        ValidateEnvironment(problems);
        ValidateConfigFiles(problems);
        ValidateResources(problems);
        if (Replicas < 0)
            problems.Add(
                Problem.Invalid(nameof(Replicas), "Replicas cannot be negative; use 0 to stop the application.")
            );
        else if (Replicas > MaxReplicas)
            problems.Add(
                Problem.Invalid(nameof(Replicas), $"{Replicas} replicas is too many: use at most {MaxReplicas}.")
            );
        ValidateProbe(Liveness, nameof(Liveness), problems);
        ValidateProbe(Readiness, nameof(Readiness), problems);
        ValidateExposure(problems);
        ValidateAutoscaling(problems);
        return problems;
    }

    private void ValidatePorts(List<Problem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<(int, PortProtocol)>();
        for (var i = 0; i < Ports.Count; i++)
        {
            var field = $"{nameof(Ports)}[{i}]";
            if (Ports[i] is not { } port)
            {
                problems.Add(Problem.Invalid(field, "This port is empty."));
                continue;
            }
            CheckPort(port.Port, $"{field}.Port", problems);
            if (!Enum.IsDefined(port.Protocol))
                problems.Add(Problem.Invalid($"{field}.Protocol", "The protocol is TCP or UDP."));
            else if (!numbers.Add((port.Port, port.Protocol)))
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Port",
                        $"Port {port.Port}/{port.Protocol.ToString().ToUpperInvariant()} is listed twice."
                    )
                );
            if (string.IsNullOrEmpty(port.Name))
                continue;
            if (port.Name.Length > KubernetesSyntax.ServiceNameMaxLength)
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"Port name '{port.Name}' has {port.Name.Length} characters; a port name "
                            + $"has at most {KubernetesSyntax.ServiceNameMaxLength}."
                    )
                );
            }
            else if (!KubernetesSyntax.IsServiceName(port.Name))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"'{port.Name}' is not a valid port name: use lowercase letters, digits "
                            + "and '-', with at least one letter, no '-' at either end and no '--' "
                            + "(like 'http' or 'metrics')."
                    )
                );
            }
            else if (!names.Add(port.Name))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"Port name '{port.Name}' is used twice; each port needs its own name."
                    )
                );
            }
        }
    }

    private void ValidateEnvironment(List<Problem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Environment.Count; i++)
        {
            var field = $"{nameof(Environment)}[{i}]";
            if (Environment[i] is not { } variable)
            {
                problems.Add(Problem.Invalid(field, "This variable is empty."));
                continue;
            }
            if (string.IsNullOrEmpty(variable.Name))
            {
                problems.Add(Problem.Invalid($"{field}.Name", "A variable needs a name."));
            }
            else if (!KubernetesSyntax.IsEnvironmentVariableName(variable.Name))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"'{variable.Name}' is not a valid variable name: use letters, digits, "
                            + "'_', '-' and '.', and do not start with a digit (like 'DB_HOST')."
                    )
                );
            }
            else if (!names.Add(variable.Name))
            {
                problems.Add(Problem.Invalid($"{field}.Name", $"Variable '{variable.Name}' is set twice; keep one."));
            }

            if (variable.Value is null)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Value",
                        $"Variable '{variable.Name}' has no value; an empty one is written as \"\"."
                    )
                );
            if (variable.From is { } from)
            {
                if (variable.IsSecret || !string.IsNullOrEmpty(variable.Value))
                    problems.Add(
                        Problem.Invalid(
                            $"{field}.From",
                            $"Variable '{variable.Name}' takes its value from a Secret: it has no value of its own."
                        )
                    );
                if (!KubernetesSyntax.IsDns1123Subdomain(from.SecretName))
                {
                    problems.Add(
                        Problem.Invalid(
                            $"{field}.From",
                            $"'{from.SecretName}' is not a valid Secret name: use lowercase letters, "
                                + "digits, '-' and '.', like 'db-credentials'."
                        )
                    );
                }

                if (!KubernetesSyntax.IsConfigKey(from.Key))
                    problems.Add(
                        Problem.Invalid(
                            $"{field}.From",
                            $"'{from.Key}' is not a valid key of a Secret: use letters, digits, '-', '_' and '.'."
                        )
                    );
            }
        }
    }

    private void ValidateConfigFiles(List<Problem> problems)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        for (var i = 0; i < ConfigFiles.Count; i++)
        {
            var field = $"{nameof(ConfigFiles)}[{i}]";
            if (ConfigFiles[i] is not { } file)
            {
                problems.Add(Problem.Invalid(field, "This config file is empty."));
                continue;
            }
            var pathProblem = MountPathProblem(file.MountPath);
            if (pathProblem is not null)
                problems.Add(Problem.Invalid($"{field}.MountPath", pathProblem));
            if (string.IsNullOrEmpty(file.FileName))
            {
                problems.Add(Problem.Invalid($"{field}.FileName", "A config file needs a file name."));
            }
            else if (!KubernetesSyntax.IsConfigKey(file.FileName))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.FileName",
                        $"'{file.FileName}' is not a valid file name: use letters, digits, '-', "
                            + $"'_' and '.', at most {KubernetesSyntax.ConfigKeyMaxLength} characters, "
                            + "not starting with '..'."
                    )
                );
            }
            else if (pathProblem is null && !paths.Add(file.FullPath))
            {
                problems.Add(Problem.Invalid($"{field}.FileName", $"{file.FullPath} is defined twice; keep one."));
            }

            bytes += Encoding.UTF8.GetByteCount(file.Content ?? "");
        }
        if (bytes > MaxConfigBytes)
        {
            problems.Add(
                Problem.Invalid(
                    nameof(ConfigFiles),
                    $"Config files hold {Quantity.FormatBytes(bytes)} together; the limit is "
                        + $"{Quantity.FormatBytes(MaxConfigBytes)}."
                )
            );
        }
    }

    private static string? MountPathProblem(string? path)
    {
        if (string.IsNullOrEmpty(path))
            return "A config file needs a directory to be mounted in, like '/etc/app'.";
        if (!path.StartsWith('/'))
            return $"Mount path '{path}' is not absolute: start it with '/', like '/{path}'.";
        if (path == "/")
            return "Config files cannot be mounted at '/': the directory is replaced by "
                + "the files, so choose one of its own, like '/etc/app'.";
        if (path.EndsWith('/'))
            return $"Write the mount path without a '/' at the end: '{path.TrimEnd('/')}'.";
        var segments = path[1..].Split('/');
        if (segments.Any(s => s.Length == 0))
            return $"Mount path '{path}' has an empty part ('//').";
        if (segments.Any(s => s is "." or ".."))
            return $"Mount path '{path}' may not contain '.' or '..' parts.";
        if (path.Any(c => char.IsControl(c) || c == ':'))
            return $"Mount path '{path}' may not contain ':' or control characters.";
        return null;
    }

    private void ValidateResources(List<Problem> problems)
    {
        const string field = nameof(Resources);
        if (Resources is not { } r)
        {
            problems.Add(Problem.Invalid(field, "Say how much CPU and memory the application requests."));
            return;
        }
        if (r.CpuRequestMillis <= 0)
            problems.Add(
                Problem.Invalid(
                    $"{field}.CpuRequest",
                    "Request some CPU (like 100m): the quota counts what an application requests."
                )
            );
        if (r.MemoryRequestBytes <= 0)
            problems.Add(
                Problem.Invalid(
                    $"{field}.MemoryRequest",
                    "Request some memory (like 128 MiB): the quota counts what an application requests."
                )
            );
        if (r.CpuLimitMillis < r.CpuRequestMillis)
        {
            problems.Add(
                Problem.Invalid(
                    $"{field}.CpuLimit",
                    $"The CPU limit ({Quantity.FormatCpu(r.CpuLimitMillis)}) is below the "
                        + $"CPU request ({Quantity.FormatCpu(r.CpuRequestMillis)})."
                )
            );
        }

        if (r.MemoryLimitBytes < r.MemoryRequestBytes)
        {
            problems.Add(
                Problem.Invalid(
                    $"{field}.MemoryLimit",
                    $"The memory limit ({Quantity.FormatBytes(r.MemoryLimitBytes)}) is below "
                        + $"the memory request ({Quantity.FormatBytes(r.MemoryRequestBytes)})."
                )
            );
        }
    }

    private static void ValidateProbe(Probe? probe, string field, List<Problem> problems)
    {
        if (probe is null)
            return;
        if (!Enum.IsDefined(probe.Kind))
            problems.Add(Problem.Invalid($"{field}.Kind", "A probe is an HTTP request or a TCP connection."));
        if (probe.Kind == ProbeKind.Http && (string.IsNullOrEmpty(probe.Path) || !probe.Path.StartsWith('/')))
            problems.Add(
                Problem.Invalid($"{field}.Path", "An HTTP probe needs a path starting with '/', like '/healthz'.")
            );
        if (probe.Kind == ProbeKind.Tcp && !string.IsNullOrEmpty(probe.Path))
            problems.Add(
                Problem.Invalid($"{field}.Path", "A TCP probe only connects to the port; leave the path empty.")
            );
        CheckPort(probe.Port, $"{field}.Port", problems);
        if (probe.InitialDelaySeconds < 0)
            problems.Add(Problem.Invalid($"{field}.InitialDelaySeconds", "The initial delay cannot be negative."));
        if (probe.PeriodSeconds < 1)
            problems.Add(
                Problem.Invalid(
                    $"{field}.PeriodSeconds",
                    "A probe runs at most once a second: use a period of 1 second or more."
                )
            );
        if (probe.FailureThreshold < 1)
            problems.Add(
                Problem.Invalid($"{field}.FailureThreshold", "A probe needs a failure threshold of 1 or more.")
            );
    }

    private void ValidateExposure(List<Problem> problems)
    {
        const string field = nameof(Exposure);
        if (Exposure is not { } exposure)
            return;
        CheckPort(exposure.ServicePort, $"{field}.ServicePort", problems);
        CheckPort(exposure.TargetPort, $"{field}.TargetPort", problems);
        var host = exposure.IngressHost;
        if (!string.IsNullOrEmpty(host))
        {
            var bare = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
            if (System.Net.IPAddress.TryParse(bare, out _))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.IngressHost",
                        $"'{host}' is an address: an ingress host is a DNS name, like 'shop.example.com'."
                    )
                );
            }
            else if (!KubernetesSyntax.IsDns1123Subdomain(bare))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.IngressHost",
                        $"'{host}' is not a valid host name: use lowercase letters, digits, '-' "
                            + "and '.', like 'shop.example.com' (or '*.example.com')."
                    )
                );
            }

            if (Ports.Any(p => p?.Port == exposure.TargetPort && p.Protocol == PortProtocol.Udp))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.IngressHost",
                        $"An ingress carries HTTP over TCP, but port {exposure.TargetPort} is UDP."
                    )
                );
            }
        }
        if (!string.IsNullOrEmpty(exposure.IngressPath))
        {
            if (!exposure.IngressPath.StartsWith('/'))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.IngressPath",
                        $"An ingress path starts with '/', like '/{exposure.IngressPath}'."
                    )
                );
            }
            else if (!IsPlainPath(exposure.IngressPath))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.IngressPath",
                        "An ingress path is made of segments of the characters A-Z a-z 0-9 - . "
                            + "_ ~ (RFC 3986's unreserved ones) after '/', "
                            + $"at most {IngressPathMaxLength} characters, without '//', '.' or '..' "
                            + "segments, like '/api/v1'."
                    )
                );
            }

            if (string.IsNullOrEmpty(host))
                problems.Add(Problem.Invalid($"{field}.IngressPath", "An ingress path needs an ingress host."));
        }
        if (!string.IsNullOrEmpty(exposure.TlsSecretName))
        {
            if (!KubernetesSyntax.IsDns1123Subdomain(exposure.TlsSecretName))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.TlsSecretName",
                        $"'{exposure.TlsSecretName}' is not a valid secret name: use lowercase "
                            + "letters, digits, '-' and '.', like 'shop-tls'."
                    )
                );
            }

            if (string.IsNullOrEmpty(host))
                problems.Add(
                    Problem.Invalid(
                        $"{field}.TlsSecretName",
                        "TLS needs an ingress host: the certificate is served for that host."
                    )
                );
        }
    }

    public const int IngressPathMaxLength = 256;

    /// <summary>
    /// Only RFC 3986's unreserved characters between slashes: nothing an ingress controller could read as a regular
    /// expression, a variable or a configuration snippet ('$', '(', '{', ';', quotes…), no percent-encoding, query or
    /// fragment, and no segment that climbs out of the prefix.
    /// </summary>
    private static bool IsPlainPath(string path)
    {
        if (path.Length > IngressPathMaxLength)
            return false;
        var segments = path[1..].Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0 && i < segments.Length - 1)
                return false;
            if (
                segment is "." or ".."
                || !segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')
            )
                return false;
        }
        return true;
    }

    private void ValidateAutoscaling(List<Problem> problems)
    {
        const string field = nameof(Autoscaling);
        if (Autoscaling is not { } a)
            return;
        if (a.MinReplicas < 1)
            problems.Add(
                Problem.Invalid(
                    $"{field}.MinReplicas",
                    "The autoscaler keeps at least 1 replica: use a minimum of 1 or more."
                )
            );
        if (a.MaxReplicas > MaxReplicas)
            problems.Add(
                Problem.Invalid(
                    $"{field}.MaxReplicas",
                    $"{a.MaxReplicas} replicas is too many: use at most {MaxReplicas}."
                )
            );
        else if (a.MaxReplicas < a.MinReplicas)
            problems.Add(
                Problem.Invalid(
                    $"{field}.MaxReplicas",
                    $"The maximum ({a.MaxReplicas}) is below the minimum ({a.MinReplicas})."
                )
            );
        if (a.CpuUtilizationPercent is null && a.MemoryUtilizationPercent is null)
            problems.Add(
                Problem.Invalid(
                    field,
                    "Give the autoscaler a CPU or memory target, like 70 percent of the CPU request."
                )
            );
        CheckPercent(a.CpuUtilizationPercent, $"{field}.CpuUtilizationPercent", problems);
        CheckPercent(a.MemoryUtilizationPercent, $"{field}.MemoryUtilizationPercent", problems);
    }

    private static void CheckPort(int port, string field, List<Problem> problems)
    {
        if (port is < 1 or > 65535)
            problems.Add(Problem.Invalid(field, $"Port {port} is out of range: use 1 to 65535."));
    }

    private static void CheckPercent(int? percent, string field, List<Problem> problems)
    {
        if (percent is < 1 or > 100)
            problems.Add(Problem.Invalid(field, $"A target of {percent} percent is out of range: use 1 to 100."));
    }
}

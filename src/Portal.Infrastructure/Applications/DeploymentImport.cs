using System.Globalization;
using System.Text.RegularExpressions;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// A part of imported YAML the portal's spec has no place for: which object, which field, at which line, and why.
/// </summary>
public sealed record ImportNote(string Object, string Path, int Line, string Reason);

/// <summary>
/// What a Kubernetes Deployment (with its Service, Ingress and ConfigMaps) says about an application, as the portal's
/// spec: a draft for the create form, saved by nobody. <see cref="NotMapped"/> lists what could not be carried over;
/// <see cref="Adjustments"/> what was carried over differently (a default filled in, a value copied from a ConfigMap).
/// </summary>
public sealed record ImportedApplication(
    string Name,
    DeploymentSpec Spec,
    IReadOnlyList<ImportNote> NotMapped,
    IReadOnlyList<string> Adjustments
);

/// <summary>
/// Reads a Deployment pasted or uploaded as YAML, optionally with its Service, Ingress and ConfigMaps in the same
/// multi-document YAML (or a kubectl List), into a <see cref="DeploymentSpec"/>. Image, command and arguments, ports,
/// variables (literal values stay plain, <c>secretKeyRef</c>s stay references: no secret value is ever read, not even
/// from a Secret in the YAML), CPU and memory, replicas, HTTP and TCP health checks, config files mounted from a
/// ConfigMap of the YAML, and the Service and Ingress that reach the Deployment's pods. Every other field is listed
/// with its line; YAML that does not parse is refused with the line it fails at. The text is at most
/// <see cref="MaxLength"/> long; aliases are refused, so that a small text cannot expand into a huge one, and so are
/// more than 50,000 parts or 64 levels of nesting, before any tree of it is built.
/// </summary>
public static partial class DeploymentImport
{
    public const int MaxLength = 256 * 1024;
    public const string Field = "Yaml";
    private const int MaxEvents = 50_000;
    private const int MaxDepth = 64;

    public static readonly ContainerResources DefaultResources = new(100, 500, 128L << 20, 256L << 20);

    public static Result<ImportedApplication> Read(string? yaml)
    {
        if (string.IsNullOrWhiteSpace(yaml))
            return Problem.Invalid(Field, "Paste a Deployment's YAML or choose a YAML file.");
        if (yaml.Length > MaxLength)
            return Problem.Invalid(
                Field,
                $"The YAML has {yaml.Length / 1024} KiB; an import takes at most {MaxLength / 1024} KiB."
            );
        var loaded = Load(yaml);
        if (!loaded.Succeeded)
            return loaded.Problem!;
        var documents = loaded.Value;
        var deployments = documents.Where(d => d.Kind == "Deployment").ToList();
        if (deployments.Count == 0)
        {
            return Problem.Invalid(
                Field,
                documents.Count == 0
                    ? "The YAML holds no Kubernetes object: paste a Deployment (apiVersion: apps/v1, kind: Deployment)."
                    : "The YAML holds no Deployment, only "
                        + $"{string.Join(", ", documents.Select(d => $"{d.Title} (line {d.Line})"))}: "
                        + "paste a Deployment (apiVersion: apps/v1, kind: Deployment)."
            );
        }

        if (deployments.Count > 1)
        {
            return Problem.Invalid(
                Field,
                $"The YAML holds {deployments.Count} Deployments "
                    + $"({string.Join(", ", deployments.Select(d => $"'{d.Name}' at line {d.Line}"))}): "
                    + "import one at a time, with its Service, Ingress and ConfigMaps."
            );
        }

        return new Mapping(documents, deployments[0]).Run();
    }

    /// <summary>
    /// The documents of the YAML, those of a kubectl List one by one; refused with the line where it does not parse.
    /// </summary>
    private static Result<List<Document>> Load(string yaml)
    {
        var parsed = Mark.Empty;
        try
        {
            // A first pass over the events, before any tree is built: no alias, a bounded number of parts, a bounded
            // depth.
            var parser = new Parser(new StringReader(yaml));
            var events = 0;
            var depth = 0;
            while (parser.MoveNext())
            {
                if (parser.Current is AnchorAlias alias)
                    return Problem.Invalid(
                        Field,
                        At(
                            yaml,
                            alias.Start,
                            "an alias (*) repeats another part of the YAML; write the part out instead."
                        )
                    );
                if (++events > MaxEvents)
                    return Problem.Invalid(
                        Field,
                        "The YAML has too many parts for one application; import the Deployment "
                            + "with its Service, Ingress and ConfigMaps only."
                    );
                if (parser.Current is MappingStart or SequenceStart && ++depth > MaxDepth)
                {
                    return Problem.Invalid(
                        Field,
                        At(
                            yaml,
                            parser.Current.Start,
                            $"the YAML nests more than {MaxDepth} levels deep here; a Deployment needs far fewer."
                        )
                    );
                }

                if (parser.Current is MappingEnd or SequenceEnd)
                    depth--;
                parsed = parser.Current!.End;
            }
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            var documents = new List<Document>();
            foreach (var root in stream.Documents.Select(d => d.RootNode))
            {
                if (root is YamlScalarNode { Value: null or "" })
                    continue;
                if (root is not YamlMappingNode map)
                    return Problem.Invalid(
                        Field,
                        $"Line {Line(root)}: a document is a Kubernetes object (a mapping with "
                            + "apiVersion, kind and metadata), not a "
                            + $"{(root is YamlSequenceNode ? "list" : "single value")}."
                    );
                var document = new Document(map);
                if (
                    document.Kind.EndsWith("List", StringComparison.Ordinal)
                    && Peek(map, "items") is YamlSequenceNode items
                )
                    documents.AddRange(items.Children.OfType<YamlMappingNode>().Select(i => new Document(i)));
                else
                    documents.Add(document);
            }
            return documents;
        }
        catch (YamlException e)
        {
            return Problem.Invalid(Field, At(yaml, e.Start, Reason(e)));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up this way on some unclosed brackets: what follows the last part it read does
            // not parse.
            return Problem.Invalid(
                Field,
                At(
                    yaml,
                    parsed,
                    "the YAML does not parse after this point; look for a bracket, brace or quote that is not closed."
                )
            );
        }
    }

    private static string At(string yaml, Mark mark, string reason)
    {
        var lines = yaml.ReplaceLineEndings("\n").Split('\n');
        var line = (int)Math.Clamp(mark.Line, 1, lines.Length);
        var text = lines[line - 1].TrimEnd();
        var shown = text.Length > 120 ? text[..120] + "…" : text;
        return $"Line {line}, column {mark.Column}: "
            + $"{reason}{(shown.Trim().Length == 0 ? "" : $" The line reads: {shown.Trim()}")}";
    }

    private static string Reason(YamlException e)
    {
        var reason = Position().Replace((e.InnerException?.Message ?? e.Message).Trim(), "").Trim();
        if (reason.Length == 0)
            return "the YAML does not parse here.";
        reason = char.ToLowerInvariant(reason[0]) + reason[1..];
        return reason.EndsWith('.') ? reason : reason + ".";
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex Position();

    private static int Line(YamlNode node) => (int)Math.Min(node.Start.Line, int.MaxValue);

    private static YamlNode? Peek(YamlMappingNode? map, string key) =>
        map?.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key).Value;

    /// <summary>One Kubernetes object of the YAML, with the parts of it the mapping has used.</summary>
    private sealed class Document(YamlMappingNode root)
    {
        public YamlMappingNode Root { get; } = root;
        public HashSet<YamlNode> Used { get; } = new(ReferenceEqualityComparer.Instance);
        public bool Imported { get; set; }
        public string Kind { get; } = (Peek(root, "kind") as YamlScalarNode)?.Value ?? "";
        public string Name { get; } =
            (Peek(Peek(root, "metadata") as YamlMappingNode, "name") as YamlScalarNode)?.Value ?? "";
        public int Line => DeploymentImport.Line(Root);
        public string Title =>
            $"{(Kind.Length == 0 ? "an object without kind" : Kind)}{(Name.Length == 0 ? "" : $" '{Name}'")}";

        /// <summary>The value of a key, now counted as used.</summary>
        public YamlNode? Get(YamlNode? map, string key)
        {
            var value = Peek(map as YamlMappingNode, key);
            if (value is not null)
                Used.Add(value);
            return value;
        }

        public string? Text(YamlNode? map, string key) => Get(map, key) is YamlScalarNode { Value: var v } ? v : null;

        public IEnumerable<YamlNode> Items(YamlNode? map, string key) =>
            Get(map, key) is YamlSequenceNode seq ? seq.Children : [];

        /// <summary>Takes an item of a list as used, with all it holds.</summary>
        public void UseAll(YamlNode node)
        {
            Used.Add(node);
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var child in map.Children.Values)
                        UseAll(child);
                    break;
                case YamlSequenceNode seq:
                    foreach (var child in seq.Children)
                        UseAll(child);
                    break;
            }
        }
    }

    /// <summary>
    /// One import: the Deployment's container and what reaches it, then everything that was not used.
    /// </summary>
    private sealed class Mapping(List<Document> documents, Document deployment)
    {
        private readonly List<ImportNote> _notMapped = [];
        private readonly List<string> _adjustments = [];
        private readonly Dictionary<(Document, YamlNode), string> _reasons = [];
        private List<ContainerPort> _ports = [];

        public Result<ImportedApplication> Run()
        {
            var d = deployment;
            d.Imported = true;
            d.Get(d.Root, "apiVersion");
            d.Get(d.Root, "kind");
            var metadata = d.Get(d.Root, "metadata");
            var name = d.Text(metadata, "name") ?? "";
            var spec = d.Get(d.Root, "spec");
            var replicas = d.Text(spec, "replicas");
            var template = Peek(spec as YamlMappingNode, "template");
            var podLabels = Labels(Peek(Peek(template as YamlMappingNode, "metadata") as YamlMappingNode, "labels"));
            if (template is not null)
                d.Used.Add(template);
            var pod = d.Get(template, "spec");
            var containers = d.Get(pod, "containers") as YamlSequenceNode;
            if (containers is null || containers.Children.Count == 0)
                return Problem.Invalid(
                    Field,
                    $"Deployment '{name}' (line {d.Line}) has no container under spec.template.spec.containers."
                );
            var container = containers
                .Children.OfType<YamlMappingNode>()
                .FirstOrDefault(c => (Peek(c, "name") as YamlScalarNode)?.Value == name)
                ?? containers.Children.OfType<YamlMappingNode>().FirstOrDefault();
            if (container is null)
                return Problem.Invalid(
                    Field,
                    $"Line {Line(containers)}: a container is a mapping with a name and an image."
                );
            d.Used.Add(container);
            foreach (var other in containers.Children.Where(c => !ReferenceEquals(c, container)))
                Explain(
                    d,
                    other,
                    "The portal runs one container per pod: only the first (or the one "
                        + "named like the Deployment) is imported."
                );

            d.Get(container, "name");
            var image = d.Text(container, "image") ?? "";
            _ports = Ports(d, container);
            var variables = Variables(d, container);
            var files = ConfigFiles(d, pod, container);
            var resources = Resources(d, container);
            var readiness = Probe(d, container, "readinessProbe");
            var liveness = Probe(d, container, "livenessProbe");
            var exposure = Exposure(name, podLabels);
            var spec1 = new DeploymentSpec
            {
                Image = image,
                Command = Words(d, container, "command"),
                Args = Words(d, container, "args"),
                Ports = _ports,
                Environment = variables,
                ConfigFiles = files,
                Resources = resources,
                Replicas = Replicas(d, spec, replicas),
                Readiness = readiness,
                Liveness = liveness,
                Exposure = exposure,
            };
            foreach (var document in documents)
                Report(document);
            return new ImportedApplication(name, spec1, _notMapped, _adjustments);
        }

        // --- The container -------------------------------------------------------------------------------------------

        private int Replicas(Document d, YamlNode? spec, string? text)
        {
            if (text is null)
                return 1;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var replicas))
                return replicas;
            Explain(
                d,
                Peek(spec as YamlMappingNode, "replicas")!,
                $"'{text}' is not a number of replicas: 1 is proposed.",
                unused: false
            );
            return 1;
        }

        private static IReadOnlyList<string> Words(Document d, YamlNode container, string key) =>
            d.Items(container, key)
                .Select(w =>
                {
                    d.Used.Add(w);
                    return (w as YamlScalarNode)?.Value ?? "";
                })
                .ToList();

        private static List<ContainerPort> Ports(Document d, YamlNode container)
        {
            var ports = new List<ContainerPort>();
            foreach (var item in d.Items(container, "ports"))
            {
                d.Used.Add(item);
                var number = d.Text(item, "containerPort");
                var protocol = d.Text(item, "protocol");
                if (
                    !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                    || protocol is not (null or "TCP" or "UDP")
                )
                {
                    d.Used.Remove(item);
                    continue;
                }
                ports.Add(
                    new ContainerPort(
                        d.Text(item, "name"),
                        port,
                        protocol == "UDP" ? PortProtocol.Udp : PortProtocol.Tcp
                    )
                );
            }
            return ports;
        }

        private List<EnvironmentVariable> Variables(Document d, YamlNode container)
        {
            var variables = new List<EnvironmentVariable>();
            foreach (var item in d.Items(container, "env"))
            {
                d.Used.Add(item);
                var name = d.Text(item, "name") ?? "";
                if (Peek(item as YamlMappingNode, "valueFrom") is not YamlMappingNode from)
                {
                    var value = d.Text(item, "value") ?? "";
                    variables.Add(new EnvironmentVariable(name, value));
                    if (value.Length > 0 && SecretLooking().IsMatch(name))
                        _adjustments.Add(
                            $"Variable {name} has a literal value and stays a plain variable: if it "
                                + "is a secret, move it to the secret variables."
                        );
                    continue;
                }
                if (
                    Peek(from, "secretKeyRef") is YamlMappingNode secretRef
                    && Peek(secretRef, "optional") is null
                    && from.Children.Count == 1
                )
                {
                    d.Used.Add(from);
                    d.Get(from, "secretKeyRef");
                    variables.Add(
                        new EnvironmentVariable(
                            name,
                            "",
                            From: new SecretReference(d.Text(secretRef, "name") ?? "", d.Text(secretRef, "key") ?? "")
                        )
                    );
                    continue;
                }
                if (
                    Peek(from, "configMapKeyRef") is YamlMappingNode mapRef
                    && Peek(mapRef, "optional") is null
                    && from.Children.Count == 1
                    && ConfigMapValue(
                        (Peek(mapRef, "name") as YamlScalarNode)?.Value,
                        (Peek(mapRef, "key") as YamlScalarNode)?.Value
                    )
                        is { } copied
                )
                {
                    d.UseAll(from);
                    variables.Add(new EnvironmentVariable(name, copied.Value));
                    _adjustments.Add(
                        $"Variable {name} takes its value from ConfigMap '{copied.Map}': the "
                            + "value is copied into the spec."
                    );
                    continue;
                }
                d.Used.Remove(item);
                Explain(
                    d,
                    item,
                    $"Variable {name} takes its value from something other than a Secret's "
                        + "key or a key of a ConfigMap in this YAML "
                        + "(or is optional): the portal's variables are text or a Secret's key."
                );
            }
            foreach (var item in d.Items(container, "envFrom"))
            {
                var mapName = (
                    Peek(Peek(item as YamlMappingNode, "configMapRef") as YamlMappingNode, "name") as YamlScalarNode
                )?.Value;
                var map = documents.FirstOrDefault(x => x.Kind == "ConfigMap" && x.Name == mapName);
                var prefix = (Peek(item as YamlMappingNode, "prefix") as YamlScalarNode)?.Value ?? "";
                if (
                    map is null
                    || Peek(Peek(item as YamlMappingNode, "configMapRef") as YamlMappingNode, "optional") is not null
                )
                {
                    Explain(
                        d,
                        item,
                        "Whole Secrets, and ConfigMaps not in this YAML, cannot be imported as "
                            + "variables: list the variables one by one."
                    );
                    continue;
                }
                d.UseAll(item);
                foreach (var (key, value) in Data(map))
                    variables.Add(new EnvironmentVariable(prefix + key, value));
                _adjustments.Add($"The keys of ConfigMap '{map.Name}' are copied into the spec as variables.");
            }
            return variables;
        }

        private (string Map, string Value)? ConfigMapValue(string? mapName, string? key)
        {
            var map = documents.FirstOrDefault(x => x.Kind == "ConfigMap" && x.Name == mapName);
            return map is not null && key is not null && Data(map).TryGetValue(key, out var value)
                ? (map.Name, value)
                : null;
        }

        /// <summary>A ConfigMap's data, which the spec now holds: the ConfigMap counts as imported.</summary>
        private static Dictionary<string, string> Data(Document map)
        {
            map.Imported = true;
            map.Get(map.Root, "apiVersion");
            map.Get(map.Root, "kind");
            map.Get(map.Get(map.Root, "metadata"), "name");
            var data = map.Get(map.Root, "data") as YamlMappingNode;
            if (data is not null)
                map.UseAll(data);
            return data?.Children.Where(c => c.Key is YamlScalarNode)
                .ToDictionary(
                    c => ((YamlScalarNode)c.Key).Value ?? "",
                    c => (c.Value as YamlScalarNode)?.Value ?? "",
                    StringComparer.Ordinal
                )
                ?? [];
        }

        private List<ConfigFile> ConfigFiles(Document d, YamlNode? pod, YamlNode container)
        {
            var files = new List<ConfigFile>();
            var volumes = (Peek(pod as YamlMappingNode, "volumes") as YamlSequenceNode)
                ?.Children.OfType<YamlMappingNode>()
                .ToList()
                ?? [];
            foreach (var mount in d.Items(container, "volumeMounts"))
            {
                var volumeName = (Peek(mount as YamlMappingNode, "name") as YamlScalarNode)?.Value;
                var path = (Peek(mount as YamlMappingNode, "mountPath") as YamlScalarNode)?.Value ?? "";
                var subPath = (Peek(mount as YamlMappingNode, "subPath") as YamlScalarNode)?.Value;
                var volume = volumes.FirstOrDefault(v => (Peek(v, "name") as YamlScalarNode)?.Value == volumeName);
                var source = Peek(volume, "configMap") as YamlMappingNode;
                var map = documents.FirstOrDefault(x =>
                    x.Kind == "ConfigMap" && x.Name == (Peek(source, "name") as YamlScalarNode)?.Value
                );
                if (volume is null || source is null || map is null || volume.Children.Count != 2)
                {
                    Explain(
                        d,
                        mount,
                        volume is not null && source is not null && map is null
                            ? $"ConfigMap '{(Peek(source, "name") as YamlScalarNode)?.Value}' is not "
                                + "in this YAML: add it to import its files."
                            : "The portal mounts config files of a ConfigMap in this YAML only; other "
                                + "volumes are not imported."
                    );
                    continue;
                }
                var data = Data(map);
                var items = (Peek(source, "items") as YamlSequenceNode)
                    ?.Children.OfType<YamlMappingNode>()
                    .Select(i =>
                        (
                            (Peek(i, "key") as YamlScalarNode)?.Value ?? "",
                            (Peek(i, "path") as YamlScalarNode)?.Value ?? ""
                        )
                    )
                    .ToList()
                    ?? data.Keys.Select(k => (k, k)).ToList();
                if (subPath is not null)
                {
                    var key = items.FirstOrDefault(i => i.Item2 == subPath).Item1;
                    var slash = path.LastIndexOf('/');
                    if (key is null || !data.ContainsKey(key) || slash <= 0)
                    {
                        Explain(
                            d,
                            mount,
                            $"The file {subPath} of ConfigMap '{map.Name}' cannot be found: nothing "
                                + $"is mounted at {path}."
                        );
                        continue;
                    }
                    files.Add(new ConfigFile(path[..slash], path[(slash + 1)..], data[key]));
                }
                else
                {
                    foreach (var (key, file) in items.Where(i => data.ContainsKey(i.Item1)))
                        files.Add(new ConfigFile(path, file, data[key]));
                }
                d.UseAll(mount);
                d.UseAll(volume);
            }
            var podVolumes = d.Get(pod, "volumes");
            if (podVolumes is YamlSequenceNode all)
            {
                foreach (var unused in all.Children.Where(v => !d.Used.Contains(v)))
                    Explain(
                        d,
                        unused,
                        "This volume is not mounted as config files: the portal mounts config "
                            + "files of a ConfigMap in this YAML only."
                    );
            }
            return files;
        }

        private ContainerResources Resources(Document d, YamlNode container)
        {
            var resources = d.Get(container, "resources");
            var requests = d.Get(resources, "requests");
            var limits = d.Get(resources, "limits");
            var cpuRequest = Amount(d, requests, "cpu", 1000m);
            var cpuLimit = Amount(d, limits, "cpu", 1000m);
            var memoryRequest = Amount(d, requests, "memory", 1m);
            var memoryLimit = Amount(d, limits, "memory", 1m);
            var (cpu, cpuMax) = Pair(
                "CPU",
                cpuRequest,
                cpuLimit,
                DefaultResources.CpuRequestMillis,
                DefaultResources.CpuLimitMillis,
                Quantity.FormatCpu
            );
            var (memory, memoryMax) = Pair(
                "memory",
                memoryRequest,
                memoryLimit,
                DefaultResources.MemoryRequestBytes,
                DefaultResources.MemoryLimitBytes,
                ApplicationManifests.Bytes
            );
            return new ContainerResources(cpu, cpuMax, memory, memoryMax);
        }

        private (long Request, long Limit) Pair(
            string what,
            long? request,
            long? limit,
            long defaultRequest,
            long defaultLimit,
            Func<long, string> format
        )
        {
            switch (request, limit)
            {
                case ({ } r, { } l):
                    return (r, l);
                case ({ } r, null):
                    _adjustments.Add(
                        $"No {what} limit is given: the form proposes the request, {format(r)}, "
                            + "as the limit (the portal sets one)."
                    );
                    return (r, r);
                case (null, { } l):
                    _adjustments.Add(
                        $"No {what} request is given: the form proposes the limit, {format(l)}, "
                            + "as Kubernetes would (the quota counts requests)."
                    );
                    return (l, l);
                default:
                    _adjustments.Add(
                        $"No {what} request or limit is given: the form proposes the portal's "
                            + $"defaults, {format(defaultRequest)} and {format(defaultLimit)} (the "
                            + "quota counts requests)."
                    );
                    return (defaultRequest, defaultLimit);
            }
        }

        private long? Amount(Document d, YamlNode? map, string key, decimal unit)
        {
            var text = d.Text(map, key);
            if (text is null)
                return null;
            if (Quantity.TryWhole(text, unit, out var whole))
                return whole;
            Explain(d, Peek(map as YamlMappingNode, key)!, $"'{text}' is not a quantity of {key}.", unused: false);
            return null;
        }

        private Probe? Probe(Document d, YamlNode container, string key)
        {
            if (Peek(container as YamlMappingNode, key) is not YamlMappingNode probe)
                return null;
            var http = Peek(probe, "httpGet") as YamlMappingNode;
            var tcp = Peek(probe, "tcpSocket") as YamlMappingNode;
            var target = http ?? tcp;
            var port = target is null ? null : PortOf(Peek(target, "port"), _ports);
            if (
                target is null
                || port is null
                || (
                    http is not null
                    && (
                        Peek(http, "host") is not null
                        || Peek(http, "httpHeaders") is not null
                        || (Peek(http, "scheme") as YamlScalarNode)?.Value is not (null or "HTTP")
                    )
                )
            )
            {
                Explain(
                    d,
                    probe,
                    target is null
                            ? "A health check is an HTTP GET or a TCP connection here; this one runs a command or gRPC."
                        : port is null ? "The check's port is not one of the container's ports."
                        : "The portal's HTTP checks are plain HTTP GETs of a path, without host, headers or HTTPS."
                );
                return null;
            }
            d.Get(container, key);
            d.UseAll(target);
            d.Get(probe, http is not null ? "httpGet" : "tcpSocket");
            var delay = Seconds(d, probe, "initialDelaySeconds", 0);
            var period = Seconds(d, probe, "periodSeconds", 10);
            var failures = Seconds(d, probe, "failureThreshold", 3);
            foreach (var (setting, value) in new[] { ("timeoutSeconds", "1"), ("successThreshold", "1") })
            {
                if ((Peek(probe, setting) as YamlScalarNode)?.Value == value)
                    d.Get(probe, setting);
            }
            return http is not null
                ? new Probe(
                    ProbeKind.Http,
                    (Peek(http, "path") as YamlScalarNode)?.Value ?? "/",
                    port.Value,
                    delay,
                    period,
                    failures
                )
                : new Probe(ProbeKind.Tcp, null, port.Value, delay, period, failures);
        }

        private static int Seconds(Document d, YamlMappingNode probe, string key, int otherwise)
        {
            if (
                Peek(probe, key) is not YamlScalarNode { Value: var text }
                || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            )
                return otherwise;
            d.Get(probe, key);
            return seconds;
        }

        private static int? PortOf(YamlNode? node, IReadOnlyList<ContainerPort> ports)
        {
            var text = (node as YamlScalarNode)?.Value;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return number;
            return ports.FirstOrDefault(p => p.Name is not null && p.Name == text)?.Port;
        }

        // --- What reaches it -----------------------------------------------------------------------------------------

        private Exposure? Exposure(string app, Dictionary<string, string> podLabels)
        {
            var service = documents.FirstOrDefault(s =>
                s.Kind == "Service"
                && Labels(Peek(Peek(s.Root, "spec") as YamlMappingNode, "selector")) is { Count: > 0 } selector
                && selector.All(p => podLabels.GetValueOrDefault(p.Key) == p.Value)
            );
            if (service is null)
                return null;
            var spec = Peek(service.Root, "spec") as YamlMappingNode;
            var first = (Peek(spec, "ports") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>().FirstOrDefault();
            if (
                first is null
                || !int.TryParse(
                    (Peek(first, "port") as YamlScalarNode)?.Value,
                    NumberStyles.None,
                    CultureInfo.InvariantCulture,
                    out var servicePort
                )
            )
                return null;
            var targetNode = Peek(first, "targetPort");
            var targetPort = targetNode is null ? servicePort : PortOf(targetNode, _ports);
            if (targetPort is null)
                return null;
            service.Imported = true;
            service.Get(service.Root, "apiVersion");
            service.Get(service.Root, "kind");
            service.Get(service.Get(service.Root, "metadata"), "name");
            service.Get(service.Root, "spec");
            service.UseAll(service.Get(spec, "selector")!);
            service.Get(spec, "ports");
            service.Used.Add(first);
            foreach (var key in new[] { "port", "targetPort", "name" })
                service.Get(first, key);
            if ((Peek(first, "protocol") as YamlScalarNode)?.Value == "TCP")
                service.Get(first, "protocol");
            if ((Peek(spec, "type") as YamlScalarNode)?.Value == "ClusterIP")
                service.Get(spec, "type");
            if (service.Name != app)
                _adjustments.Add(
                    $"The portal names the Service after the application, '{app}', not "
                        + $"'{service.Name}': whatever reaches it by name needs the new one."
                );

            var (host, path, tls) = Ingress(service, servicePort, (Peek(first, "name") as YamlScalarNode)?.Value);
            return new Exposure(servicePort, targetPort.Value, host, path, tls);
        }

        private (string? Host, string? Path, string? Tls) Ingress(Document service, int servicePort, string? portName)
        {
            foreach (var ingress in documents.Where(i => i.Kind == "Ingress"))
            {
                var spec = Peek(ingress.Root, "spec") as YamlMappingNode;
                foreach (
                    var rule in (Peek(spec, "rules") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? []
                )
                {
                    var host = (Peek(rule, "host") as YamlScalarNode)?.Value;
                    var paths = Peek(Peek(rule, "http") as YamlMappingNode, "paths") as YamlSequenceNode;
                    foreach (var entry in paths?.Children.OfType<YamlMappingNode>() ?? [])
                    {
                        var backend = Peek(Peek(entry, "backend") as YamlMappingNode, "service") as YamlMappingNode;
                        var port = Peek(backend, "port") as YamlMappingNode;
                        var number = (Peek(port, "number") as YamlScalarNode)?.Value;
                        var name = (Peek(port, "name") as YamlScalarNode)?.Value;
                        if (
                            host is null
                            || (Peek(backend, "name") as YamlScalarNode)?.Value != service.Name
                            || !(
                                number == servicePort.ToString(CultureInfo.InvariantCulture)
                                || (name is not null && name == portName)
                            )
                        )
                        {
                            continue;
                        }

                        ingress.Imported = true;
                        ingress.Get(ingress.Root, "apiVersion");
                        ingress.Get(ingress.Root, "kind");
                        ingress.Get(ingress.Get(ingress.Root, "metadata"), "name");
                        ingress.Get(ingress.Root, "spec");
                        ingress.Get(spec, "rules");
                        ingress.Used.Add(rule);
                        ingress.Get(rule, "host");
                        ingress.Get(ingress.Get(rule, "http"), "paths");
                        ingress.UseAll(entry);
                        var pathType = (Peek(entry, "pathType") as YamlScalarNode)?.Value;
                        if (pathType is not (null or "Prefix" or "ImplementationSpecific"))
                            _adjustments.Add(
                                $"The ingress path {(Peek(entry, "path") as YamlScalarNode)?.Value} is "
                                    + $"matched as a prefix, not as pathType {pathType}."
                            );
                        var tls = (Peek(spec, "tls") as YamlSequenceNode)
                            ?.Children.OfType<YamlMappingNode>()
                            .FirstOrDefault(t =>
                                (Peek(t, "hosts") as YamlSequenceNode)?.Children.Any(h =>
                                    (h as YamlScalarNode)?.Value == host
                                ) == true
                            );
                        if (tls is not null)
                        {
                            ingress.Get(spec, "tls");
                            ingress.UseAll(tls);
                        }
                        return (
                            host,
                            (Peek(entry, "path") as YamlScalarNode)?.Value ?? "/",
                            (Peek(tls, "secretName") as YamlScalarNode)?.Value
                        );
                    }
                }
            }
            return (null, null, null);
        }

        private static Dictionary<string, string> Labels(YamlNode? node) =>
            (node as YamlMappingNode)
                ?.Children.Where(c => c.Key is YamlScalarNode && c.Value is YamlScalarNode)
                .ToDictionary(
                    c => ((YamlScalarNode)c.Key).Value ?? "",
                    c => ((YamlScalarNode)c.Value).Value ?? "",
                    StringComparer.Ordinal
                )
            ?? [];

        // --- What was left
        // ----------------------------------------------------------------------------------------------

        private void Explain(Document d, YamlNode node, string reason, bool unused = true)
        {
            _reasons[(d, node)] = reason;
            if (unused)
                d.Used.Remove(node);
            else
                _notMapped.Add(new ImportNote(d.Title, "", Line(node), reason));
        }

        private void Report(Document d)
        {
            if (!d.Imported)
            {
                _notMapped.Add(
                    new ImportNote(
                        d.Title,
                        "",
                        d.Line,
                        d.Kind switch
                        {
                            "Secret" => "Secrets are not imported, and their values are not read: variables "
                                + "that refer to this Secret keep referring to it "
                                + "(create it in each environment's namespace), or enter its values as "
                                + "secret variables.",
                            "ConfigMap" => "Nothing of the Deployment uses this ConfigMap.",
                            "Service" =>
                                "This Service does not reach the Deployment's pods on a port of its container.",
                            "Ingress" => "This Ingress does not lead to the Deployment's Service.",
                            "HorizontalPodAutoscaler" =>
                                "Autoscaling is set per environment on the application's page, once it is deployed.",
                            "" => "This document has no kind.",
                            _ => "The portal imports a Deployment with its Service, Ingress and "
                                + $"ConfigMaps; a {d.Kind} is not imported.",
                        }
                    )
                );
                return;
            }
            Walk(d, d.Root, "");
        }

        private void Walk(Document d, YamlNode node, string path)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        var name = (key as YamlScalarNode)?.Value ?? "?";
                        var child = path.Length == 0 ? name : $"{path}.{name}";
                        Visit(d, key, value, child);
                    }
                    break;
                case YamlSequenceNode seq:
                    for (var i = 0; i < seq.Children.Count; i++)
                        Visit(d, seq.Children[i], seq.Children[i], $"{path}[{i}]");
                    break;
            }
        }

        private void Visit(Document d, YamlNode at, YamlNode value, string path)
        {
            if (d.Used.Contains(value))
            {
                Walk(d, value, path);
                return;
            }
            if (IsEmpty(value) || IsServerDefault(path, value))
                return;
            var general = Regex.Replace(path, @"\[\d+\]", "[*]");
            var reason = _reasons.GetValueOrDefault((d, value)) ?? ReasonFor(d.Kind, general);
            if (reason.Length > 0)
                _notMapped.Add(new ImportNote(d.Title, path, Line(at), reason));
        }

        private static bool IsEmpty(YamlNode node) =>
            node switch
            {
                YamlMappingNode map => map.Children.Count == 0,
                YamlSequenceNode seq => seq.Children.Count == 0,
                YamlScalarNode scalar => scalar.Value is null or "" && scalar.Style == ScalarStyle.Plain,
                _ => false,
            };

        /// <summary>
        /// What kubectl get -o yaml adds of its own: said by the cluster, not by whoever wrote the Deployment.
        /// </summary>
        private static bool IsServerDefault(string path, YamlNode value)
        {
            var general = Regex.Replace(path, @"\[\d+\]", "[*]");
            var text = (value as YamlScalarNode)?.Value;
            return general
                    is "status"
                        or "metadata.creationTimestamp"
                        or "metadata.uid"
                        or "metadata.resourceVersion"
                        or "metadata.generation"
                        or "metadata.managedFields"
                        or "metadata.selfLink"
                        or "spec.clusterIP"
                        or "spec.clusterIPs"
                        or "spec.ipFamilies"
                        or "spec.ipFamilyPolicy"
                        or "spec.internalTrafficPolicy"
                || (general, text)
                    is
                        ("spec.sessionAffinity", "None")
                        or
                        ("spec.template.spec.dnsPolicy", "ClusterFirst")
                        or
                        ("spec.template.spec.restartPolicy", "Always")
                        or
                        ("spec.template.spec.schedulerName", "default-scheduler")
                        or
                        ("spec.template.spec.terminationGracePeriodSeconds", "30")
                        or
                        ("spec.template.spec.containers[*].terminationMessagePath", "/dev/termination-log")
                        or
                        ("spec.template.spec.containers[*].terminationMessagePolicy", "File")
                        or
                        ("spec.template.spec.containers[*].imagePullPolicy", "IfNotPresent")
                        or
                        ("spec.template.spec.volumes[*].configMap.defaultMode", "420")
                        or
                        ("spec.progressDeadlineSeconds", "600")
                        or
                        ("spec.revisionHistoryLimit", "10")
                || (
                    general == "metadata.annotations"
                    && value is YamlMappingNode annotations
                    && annotations.Children.Keys.All(k =>
                        (k as YamlScalarNode)?.Value
                            is "kubectl.kubernetes.io/last-applied-configuration"
                                or "deployment.kubernetes.io/revision"
                    )
                );
        }

        private static string ReasonFor(string kind, string path)
        {
            var last = path[(path.LastIndexOf('.') + 1)..];
            if (last is "securityContext")
                return "Security settings come from the environment's Pod Security Standard (baseline).";
            return (kind, path) switch
            {
                (_, "metadata.namespace") => "The portal deploys into each environment's own namespace.",
                (_, "metadata.labels" or "metadata.annotations")
                or ("Deployment", "spec.selector" or "spec.template.metadata") =>
                    "The portal sets its own labels, annotations and selector (app.kubernetes.io/name and /instance).",
                (
                    "Deployment",
                    "spec.strategy"
                        or "spec.minReadySeconds"
                        or "spec.progressDeadlineSeconds"
                        or "spec.revisionHistoryLimit"
                        or "spec.paused"
                ) => "The portal rolls out its own way: new pods first and none taken down "
                    + "before they are ready, within 10 minutes.",
                (
                    "Deployment",
                    "spec.template.spec.nodeSelector"
                        or "spec.template.spec.tolerations"
                        or "spec.template.spec.affinity"
                        or "spec.template.spec.nodeName"
                        or "spec.template.spec.topologySpreadConstraints"
                        or "spec.template.spec.priorityClassName"
                ) => "Where pods run comes from the environment's resource pool.",
                ("Deployment", "spec.template.spec.initContainers") =>
                    "Init containers are not part of the portal's spec.",
                (
                    "Deployment",
                    "spec.template.spec.serviceAccountName"
                        or "spec.template.spec.serviceAccount"
                        or "spec.template.spec.automountServiceAccountToken"
                ) => "Pods run with the namespace's default service account.",
                ("Deployment", "spec.template.spec.imagePullSecrets") => "The portal's spec has no image pull secrets.",
                ("Deployment", "spec.template.spec.containers[*].startupProbe") =>
                    "The portal has readiness and liveness checks only.",
                ("Deployment", "spec.template.spec.containers[*].ports[*]") =>
                    "A port is a containerPort number with an optional name, TCP or UDP.",
                ("Deployment", "spec.template.spec.containers[*].imagePullPolicy") =>
                    "The portal leaves the pull policy to the image's tag.",
                ("Deployment", _)
                    when path.StartsWith("spec.template.spec.containers[*].resources.", StringComparison.Ordinal) =>
                    "The portal's spec has CPU and memory only.",
                ("Deployment", _)
                    when path.StartsWith("spec.template.spec.containers[*].readinessProbe.", StringComparison.Ordinal)
                        || path.StartsWith(
                            "spec.template.spec.containers[*].livenessProbe.",
                            StringComparison.Ordinal
                        ) => "The portal's checks have an initial delay, a period and a failure threshold only.",
                ("Service", "spec.type") =>
                    "The portal makes ClusterIP Services; an ingress host publishes the application outside.",
                ("Service", "spec.ports[*]") => "The portal's Service has one port.",
                ("Ingress", "spec.ingressClassName") =>
                    "The ingress class comes from the cluster's ingress controller.",
                ("Ingress", "spec.rules[*]" or "spec.rules[*].http.paths[*]" or "spec.tls[*]") =>
                    "The portal publishes one host and path.",
                _ => "The portal's spec has no place for this.",
            };
        }
    }

    [GeneratedRegex("PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLooking();
}

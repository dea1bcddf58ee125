using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Fluid.Values;
using k8s;
using k8s.Models;
using Portal.Domain.Common;
using Portal.Domain.Middleware;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Quotas;
using YamlDotNet.Core;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// One middleware instance in one environment: what <see cref="TemplateRenderer.Render"/> needs. Parameters are the
/// resolved ones (<see cref="TemplateDefinition.ResolveParameters"/>), credentials those generated at provisioning, the
/// placement the environment's pool's (none: any untainted node).
/// </summary>
public sealed record InstanceRenderInput(
    string Namespace,
    string InstanceName,
    Ownership Owner,
    string TemplateName,
    TemplateDefinition Definition,
    TemplateVersion Version,
    TemplatePlan Plan,
    int Replicas,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Credentials,
    PodPlacement? Placement = null
)
{
    public string Tenant => Owner.Tenant;
    public string Environment => Owner.Environment;

    public static InstanceRenderInput For(
        MiddlewareTemplate template,
        string @namespace,
        string instanceName,
        Ownership owner,
        TemplateVersion version,
        TemplatePlan plan,
        int replicas,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string> credentials,
        PodPlacement? placement = null
    ) =>
        new(
            @namespace,
            instanceName,
            owner,
            template.Name,
            template.Definition,
            version,
            plan,
            replicas,
            parameters,
            credentials,
            placement
        );
}

/// <summary>
/// Where clients reach an instance: by default its client Service's DNS name and the template's first port.
/// </summary>
public sealed record InstanceEndpoint(string Namespace, string InstanceName, string Host, int Port)
{
    public static InstanceEndpoint Of(string @namespace, string instanceName, TemplateDefinition definition) =>
        new(@namespace, instanceName, InstanceNames.Host(instanceName, @namespace), definition.ClientPort());
}

public sealed record RenderedConnectionString(string Label, string Value);

/// <summary>
/// A variable for a bound application: a plain value, or a reference to a key of the instance's Secret.
/// </summary>
public sealed record RenderedBindingVariable(string Name, string? Value, string? SecretName, string? SecretKey)
{
    public bool FromSecret => SecretKey is not null;
}

/// <summary>
/// Renders a middleware template (Liquid, through Fluid) into the typed Kubernetes objects of one instance. Pure: the
/// same input gives the same objects. A template that fails is a problem for the person who wrote it, not an exception.
/// <para>Variables every template sees: <c>instance</c>, <c>namespace</c>, <c>tenant</c>, <c>environment</c>,
/// <c>template</c>, <c>version</c>, <c>major_line</c>, <c>image</c>, <c>replicas</c>, <c>service_name</c>,
/// <c>headless_name</c>, <c>secret_name</c>, <c>config_name</c>, <c>host</c>, <c>instance_uid</c>, <c>port</c> (the
/// client port), <c>ports.{name}</c>, <c>plan.{name, cpu_request, cpu_limit, memory_request, memory_limit, storage,
/// cpu_request_millis, cpu_limit_millis, memory_request_mib, memory_limit_mib, memory_limit_bytes, storage_gib}</c>,
/// <c>params.{name}</c>
/// (integers as numbers, booleans as booleans, an optional parameter left empty as nil) and
/// <c>credentials.{key}</c>. Connection strings see the endpoint, ports, parameters and credentials; binding values
/// see the same but never the credentials.</para>
/// <para>After rendering, every object is put in the instance's namespace and labelled (app.kubernetes.io/name,
/// instance, component, version, managed-by, portal/tenant-id, portal/environment-id, portal/tenant,
/// portal/environment, portal/middleware); the StatefulSet's
/// pods too, and its volume claim templates with all but the version, which a StatefulSet may not change. The
/// StatefulSet, Services and PodDisruptionBudgets select the pods by name and instance; a Secret's stringData becomes
/// data, as the cluster gives it back; the pods carry a checksum of every ConfigMap and Secret so that a change of
/// either rolls them. Every pod template is then confined to the pool's nodes (<see cref="PodConfinement"/>): the
/// template's own nodeSelector keys give way to the pool's, its tolerations, nodeName and schedulerName are dropped.
/// Objects come out in the order to apply them.</para>
/// </summary>
public static partial class TemplateRenderer
{
    /// <summary>The kinds a template may create, in the order they are applied.</summary>
    public static readonly IReadOnlyDictionary<string, Type> Kinds = new Dictionary<string, Type>
    {
        ["v1/Secret"] = typeof(V1Secret),
        ["v1/ConfigMap"] = typeof(V1ConfigMap),
        ["v1/Service"] = typeof(V1Service),
        ["apps/v1/StatefulSet"] = typeof(V1StatefulSet),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
    };

    private static readonly Dictionary<Type, int> ApplyOrder = Kinds
        .Values.Select((t, i) => (t, i))
        .ToDictionary(p => p.t, p => p.i);

    public static Result<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>> Render(InstanceRenderInput input)
    {
        var text = Liquid.RenderYaml(
            input.Definition.ObjectsTemplate ?? "",
            ObjectVariables(input),
            nameof(TemplateDefinition.ObjectsTemplate)
        );
        if (!text.Succeeded)
            return text.Problem!;
        var parsed = Parse(text.Value);
        if (!parsed.Succeeded)
            return parsed.Problem!;
        var objects = parsed.Value;
        var refused = objects.SelectMany(o => TenantObjectPolicy.Violations(o, input.Namespace)).ToList();
        if (refused.Count > 0)
            return Problem.Invalid(
                refused.Select(m => Problem.Invalid(nameof(TemplateDefinition.ObjectsTemplate), m)).ToList()
            );
        foreach (var o in objects)
        {
            Normalize(o, input);
            PodConfinement.Confine(o, input.Placement ?? PodPlacement.Anywhere);
        }
        var checksum = Checksum(objects);
        foreach (var set in objects.OfType<V1StatefulSet>())
        {
            set.Spec.Template.Metadata.Annotations ??= new Dictionary<string, string>();
            set.Spec.Template.Metadata.Annotations[InstanceNames.ChecksumAnnotation] = checksum;
        }
        return objects
            .Select((o, i) => (o, i))
            .OrderBy(p => ApplyOrder[p.o.GetType()])
            .ThenBy(p => p.i)
            .Select(p => p.o)
            .ToList();
    }

    /// <summary>
    /// The template's connection strings for this endpoint; they hold credentials, so callers show them masked.
    /// </summary>
    public static Result<IReadOnlyList<RenderedConnectionString>> RenderConnectionStrings(
        TemplateDefinition definition,
        InstanceEndpoint endpoint,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string> credentials
    )
    {
        var variables = EndpointVariables(definition, endpoint, parameters, credentials);
        var rendered = new List<RenderedConnectionString>();
        var problems = new List<Problem>();
        for (var i = 0; i < definition.ConnectionStrings.Count; i++)
        {
            var connection = definition.ConnectionStrings[i];
            var value = Liquid.Render(
                connection.Template,
                variables,
                $"{nameof(TemplateDefinition.ConnectionStrings)}[{i}].Template"
            );
            if (value.Succeeded)
                rendered.Add(new RenderedConnectionString(connection.Label, value.Value.Trim()));
            else
                problems.Add(value.Problem!);
        }
        return problems.Count > 0 ? Problem.Invalid(problems) : rendered;
    }

    /// <summary>
    /// The variables an application bound to the instance receives. Values are rendered without credentials, so that no
    /// secret is ever copied into an application's spec; secrets are references to the instance's Secret.
    /// </summary>
    public static Result<IReadOnlyList<RenderedBindingVariable>> RenderBindingVariables(
        TemplateDefinition definition,
        InstanceEndpoint endpoint,
        IReadOnlyDictionary<string, string> parameters
    )
    {
        var variables = EndpointVariables(definition, endpoint, parameters, credentials: null);
        var rendered = new List<RenderedBindingVariable>();
        var problems = new List<Problem>();
        for (var i = 0; i < definition.BindingVariables.Count; i++)
        {
            var variable = definition.BindingVariables[i];
            if (!string.IsNullOrEmpty(variable.SecretKey))
            {
                rendered.Add(
                    new RenderedBindingVariable(
                        variable.Name,
                        null,
                        InstanceNames.Secret(endpoint.InstanceName),
                        variable.SecretKey
                    )
                );
                continue;
            }
            var value = Liquid.Render(
                variable.ValueTemplate ?? "",
                variables,
                $"{nameof(TemplateDefinition.BindingVariables)}[{i}].ValueTemplate"
            );
            if (value.Succeeded)
            {
                rendered.Add(new RenderedBindingVariable(variable.Name, value.Value.Trim(), null, null));
            }
            else if (variable.ValueTemplate!.Contains("credentials", StringComparison.Ordinal))
            {
                problems.Add(
                    value.Problem! with
                    {
                        Message =
                            $"{value.Problem.Message} A binding value never holds a credential: give "
                            + "the variable a secretKey of the instance's Secret instead.",
                    }
                );
            }
            else
            {
                problems.Add(value.Problem!);
            }
        }
        return problems.Count > 0 ? Problem.Invalid(problems) : rendered;
    }

    /// <summary>
    /// The <c>yaml_string</c> filter: a value as a double-quoted YAML scalar that reads back exactly.
    /// </summary>
    public static string YamlString(string value) => Liquid.YamlString(value);

    private static Dictionary<string, FluidValue> ObjectVariables(InstanceRenderInput input)
    {
        var endpoint = InstanceEndpoint.Of(input.Namespace, input.InstanceName, input.Definition);
        var variables = EndpointVariables(input.Definition, endpoint, input.Parameters, input.Credentials);
        var plan = input.Plan;
        variables["tenant"] = Liquid.String(input.Tenant);
        variables["environment"] = Liquid.String(input.Environment);
        variables["template"] = Liquid.String(input.TemplateName);
        variables["version"] = Liquid.String(input.Version.Version);
        variables["major_line"] = Liquid.String(input.Version.MajorLine);
        variables["image"] = Liquid.String(input.Version.Image);
        variables["replicas"] = Liquid.Number(input.Replicas);
        variables["plan"] = Liquid.Map(
            "plan",
            new Dictionary<string, FluidValue>
            {
                ["name"] = Liquid.String(plan.Name),
                ["cpu_request"] = Liquid.String(ApplicationManifests.Cpu(plan.CpuRequestMillis)),
                ["cpu_limit"] = Liquid.String(ApplicationManifests.Cpu(plan.CpuLimitMillis)),
                ["memory_request"] = Liquid.String(ApplicationManifests.Bytes(plan.MemoryRequestBytes)),
                ["memory_limit"] = Liquid.String(ApplicationManifests.Bytes(plan.MemoryLimitBytes)),
                ["storage"] = Liquid.String(ApplicationManifests.Bytes(plan.StorageBytes)),
                ["cpu_request_millis"] = Liquid.Number(plan.CpuRequestMillis),
                ["cpu_limit_millis"] = Liquid.Number(plan.CpuLimitMillis),
                ["memory_request_mib"] = Liquid.Number(plan.MemoryRequestBytes / (1024 * 1024)),
                ["memory_limit_mib"] = Liquid.Number(plan.MemoryLimitBytes / (1024 * 1024)),
                ["memory_limit_bytes"] = Liquid.Number(plan.MemoryLimitBytes),
                ["storage_gib"] = Liquid.Number(plan.StorageBytes / (1024L * 1024 * 1024)),
            }
        );
        return variables;
    }

    private static Dictionary<string, FluidValue> EndpointVariables(
        TemplateDefinition definition,
        InstanceEndpoint endpoint,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string>? credentials
    )
    {
        var instance = endpoint.InstanceName;
        var variables = new Dictionary<string, FluidValue>(StringComparer.Ordinal)
        {
            ["instance"] = Liquid.String(instance),
            ["namespace"] = Liquid.String(endpoint.Namespace),
            ["service_name"] = Liquid.String(InstanceNames.Service(instance)),
            ["headless_name"] = Liquid.String(InstanceNames.HeadlessService(instance)),
            ["secret_name"] = Liquid.String(InstanceNames.Secret(instance)),
            ["config_name"] = Liquid.String(InstanceNames.ConfigMap(instance)),
            ["instance_uid"] = Liquid.String(InstanceNames.Uid(instance, endpoint.Namespace)),
            ["host"] = Liquid.String(endpoint.Host),
            ["port"] = Liquid.Number(endpoint.Port),
            ["ports"] = Liquid.Map(
                "ports",
                definition.Ports.Select(p => KeyValuePair.Create(p.Name, Liquid.Number(p.Port)))
            ),
            ["params"] = Liquid.Map(
                "params",
                definition.Parameters.Select(p =>
                    KeyValuePair.Create(p.Name, Parameter(p, parameters.GetValueOrDefault(p.Name)))
                )
            ),
        };
        if (credentials is not null)
            variables["credentials"] = Liquid.Map(
                "credentials",
                credentials.Select(c => KeyValuePair.Create(c.Key, Liquid.String(c.Value)))
            );
        return variables;
    }

    private static FluidValue Parameter(TemplateParameter parameter, string? value)
    {
        if (string.IsNullOrEmpty(value))
            return NilValue.Instance;
        return parameter.Type switch
        {
            ParameterType.Integer
                when long.TryParse(
                    value,
                    NumberStyles.AllowLeadingSign,
                    CultureInfo.InvariantCulture,
                    out var number
                ) => Liquid.Number(number),
            ParameterType.Boolean when bool.TryParse(value, out var flag) => BooleanValue.Create(flag),
            _ => Liquid.String(value),
        };
    }

    /// <summary>
    /// The rendered YAML as typed objects, document by document so that an error names its line. Empty documents, which
    /// a conditional easily leaves, are skipped.
    /// </summary>
    private static Result<List<IKubernetesObject<V1ObjectMeta>>> Parse(string yaml)
    {
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        var problems = new List<Problem>();
        foreach (var (document, firstLine) in Documents(yaml))
        {
            var apiVersion = TopLevel(document, "apiVersion");
            var kind = TopLevel(document, "kind");
            if (apiVersion is null || kind is null)
            {
                problems.Add(
                    Invalid(
                        $"The document at line {firstLine} of the rendered YAML has no "
                            + $"{(apiVersion is null ? "apiVersion" : "kind")}."
                    )
                );
                continue;
            }
            if (!Kinds.ContainsKey($"{apiVersion}/{kind}"))
            {
                problems.Add(
                    Invalid(
                        $"{kind} ({apiVersion}) at line {firstLine} is not a kind a template may "
                            + $"create: use {string.Join(", ", Kinds.Keys)}."
                    )
                );
                continue;
            }
            try
            {
                foreach (
                    var o in KubernetesYaml.LoadAllFromString(
                        document,
                        new Dictionary<string, Type>(Kinds),
                        strict: true
                    )
                )
                {
                    if (o is IKubernetesObject<V1ObjectMeta> typed)
                        objects.Add(typed);
                }
            }
            catch (YamlException e)
            {
                var line = firstLine + (int)e.Start.Line - 1;
                var reason = (e.InnerException?.Message ?? e.Message).Trim();
                problems.Add(
                    Invalid($"The rendered YAML does not parse at line {line}, column {e.Start.Column}: {reason}")
                );
            }
            // YamlDotNet and the model's converters fail on some input with these rather than a YamlException (an
            // unclosed bracket at the end of a document, a quantity that is not one): the template's fault all the
            // same.
            catch (Exception e)
                when (e
                        is InvalidOperationException
                            or FormatException
                            or ArgumentException
                            or InvalidCastException
                            or OverflowException
                            or KeyNotFoundException
                )
            {
                problems.Add(
                    Invalid($"The document at line {firstLine} of the rendered YAML does not parse: {e.Message}")
                );
            }
        }
        return problems.Count > 0 ? Problem.Invalid(problems) : objects;

        static Problem Invalid(string message) => Problem.Invalid(nameof(TemplateDefinition.ObjectsTemplate), message);
    }

    private static IEnumerable<(string Document, int FirstLine)> Documents(string yaml)
    {
        var lines = yaml.ReplaceLineEndings("\n").Split('\n');
        var start = 0;
        for (var i = 0; i <= lines.Length; i++)
        {
            if (i < lines.Length && !DocumentMarker().IsMatch(lines[i]))
                continue;
            var body = lines[start..i];
            if (body.Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')))
                yield return (string.Join('\n', body) + "\n", start + 1);
            start = i + 1;
        }
    }

    private static string? TopLevel(string document, string key)
    {
        var match = Regex.Match(
            document,
            $@"^{key}:[ \t]*[""']?([^""'\s#]+)",
            RegexOptions.Multiline | RegexOptions.CultureInvariant,
            TimeSpan.FromSeconds(1)
        );
        return match.Success ? match.Groups[1].Value : null;
    }

    private static void Normalize(IKubernetesObject<V1ObjectMeta> o, InstanceRenderInput input)
    {
        o.Metadata ??= new V1ObjectMeta();
        o.Metadata.NamespaceProperty = input.Namespace;
        o.Metadata.Labels = Merge(o.Metadata.Labels, Labels(input));
        switch (o)
        {
            case V1StatefulSet set:
                set.Spec ??= new V1StatefulSetSpec();
                set.Spec.Selector ??= new V1LabelSelector();
                set.Spec.Selector.MatchLabels = Merge(set.Spec.Selector.MatchLabels, SelectorLabels(input));
                set.Spec.Template ??= new V1PodTemplateSpec();
                set.Spec.Template.Metadata ??= new V1ObjectMeta();
                set.Spec.Template.Metadata.Labels = Merge(
                    Merge(set.Spec.Template.Metadata.Labels, set.Spec.Selector.MatchLabels),
                    Labels(input)
                );
                if (set.Spec.Template.Spec is { } pod)
                    pod.AutomountServiceAccountToken = false;
                foreach (var claim in set.Spec.VolumeClaimTemplates ?? [])
                {
                    claim.Metadata ??= new V1ObjectMeta();
                    claim.Metadata.Labels = Merge(
                        claim.Metadata.Labels,
                        Labels(input).Where(l => l.Key != InstanceNames.VersionLabel)
                    );
                }
                break;
            case V1Service service:
                service.Spec ??= new V1ServiceSpec();
                service.Spec.Selector = Merge(service.Spec.Selector, SelectorLabels(input));
                break;
            case V1PodDisruptionBudget budget:
                budget.Spec ??= new V1PodDisruptionBudgetSpec();
                budget.Spec.Selector ??= new V1LabelSelector();
                budget.Spec.Selector.MatchLabels = Merge(budget.Spec.Selector.MatchLabels, SelectorLabels(input));
                break;
            case V1Secret secret:
                // Data rather than stringData: it is what the cluster gives back, so the rendered object compares with
                // the live one.
                if (secret.StringData is { Count: > 0 })
                {
                    secret.Data ??= new Dictionary<string, byte[]>();
                    foreach (var (key, value) in secret.StringData)
                        secret.Data[key] = Encoding.UTF8.GetBytes(value ?? "");
                }
                secret.StringData = null;
                secret.Type ??= "Opaque";
                break;
        }
    }

    private static Dictionary<string, string> Labels(InstanceRenderInput input) =>
        new Dictionary<string, string>
        {
            [InstanceNames.NameLabel] = input.InstanceName,
            [InstanceNames.InstanceLabel] = InstanceNames.Instance(input.InstanceName, input.Environment),
            [InstanceNames.ComponentLabel] = input.TemplateName,
            [InstanceNames.VersionLabel] = input.Version.Version,
        }
            .Concat(input.Owner.Labels())
            .Append(new(InstanceNames.MiddlewareLabel, "true"))
            .ToDictionary();

    private static Dictionary<string, string> SelectorLabels(InstanceRenderInput input) =>
        new()
        {
            [InstanceNames.NameLabel] = input.InstanceName,
            [InstanceNames.InstanceLabel] = InstanceNames.Instance(input.InstanceName, input.Environment),
        };

    /// <summary>The template's own entries, then the portal's, which win.</summary>
    private static Dictionary<string, string> Merge(
        IDictionary<string, string>? own,
        IEnumerable<KeyValuePair<string, string>> portal
    )
    {
        var merged = own is null ? new Dictionary<string, string>() : new Dictionary<string, string>(own);
        foreach (var (key, value) in portal)
            merged[key] = value;
        return merged;
    }

    /// <summary>
    /// SHA-256 over the name, keys and values of every ConfigMap and Secret, each length-prefixed so that no two
    /// contents hash alike by accident.
    /// </summary>
    private static string Checksum(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var text = new StringBuilder();
        void Append(params string[] parts)
        {
            foreach (var part in parts)
                text.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part);
        }
        foreach (var o in objects)
        {
            switch (o)
            {
                case V1ConfigMap map:
                    foreach (
                        var (key, value) in (map.Data ?? new Dictionary<string, string>()).OrderBy(
                            p => p.Key,
                            StringComparer.Ordinal
                        )
                    )
                        Append("configmap", map.Metadata.Name ?? "", key, value ?? "");
                    foreach (
                        var (key, value) in (map.BinaryData ?? new Dictionary<string, byte[]>()).OrderBy(
                            p => p.Key,
                            StringComparer.Ordinal
                        )
                    )
                        Append("configmap-binary", map.Metadata.Name ?? "", key, Convert.ToBase64String(value ?? []));
                    break;
                case V1Secret secret:
                    foreach (
                        var (key, value) in (secret.Data ?? new Dictionary<string, byte[]>()).OrderBy(
                            p => p.Key,
                            StringComparer.Ordinal
                        )
                    )
                        Append("secret", secret.Metadata.Name ?? "", key, Convert.ToBase64String(value ?? []));
                    break;
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    [GeneratedRegex(@"^---[ \t]*(#.*)?$")]
    private static partial Regex DocumentMarker();
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Portal.Domain.Common;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Environments;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// Refuses a broken template before anyone can provision from it: renders every version with every plan (at the plan's
/// starting and largest replica count), with sample parameters (the default, else the first allowed value) and sample
/// credentials that hold the characters most likely to break YAML (<c>"':#{}</c>), and checks that what comes out is an
/// instance the portal can run and count:
/// <list type="bullet">
/// <item>the Liquid parses and renders, and the YAML parses into kinds a template may create;</item>
/// <item>exactly one StatefulSet, whose <c>serviceName</c> is a headless Service of the template, and whose replica
/// count is the one asked for;</item>
/// <item>a client Service named after the instance, on the first port of the definition;</item>
/// <item>every container runs the version's image and has CPU and memory requests and limits; the containers together
/// ask for exactly the plan's, and init containers for no more; every container has a readiness probe;</item>
/// <item>volume claim templates that together ask for exactly the plan's storage;</item>
/// <item>a Secret named for the instance that holds every credential intact, and every key bindings refer to;</item>
/// <item>every object named for the instance ("{instance}" or "{instance}-…"), so that two instances never
/// collide;</item>
/// <item>nothing that <see cref="Environments.TenantObjectPolicy"/> forbids (the renderer refuses it);</item>
/// <item>the connection strings and binding values render.</item>
/// </list>
/// When that holds, every version and every plan (paired, not in every combination) is rendered again with hostile
/// values of each parameter in turn, values a developer may give (<see cref="FuzzValues"/>: boundary numbers, every
/// choice, the longest strings and YAML's metacharacters the type and pattern allow), and each must pass the same
/// checks; a string may change only values, not the objects' structure. The first value of a parameter that fails is
/// reported, with what it broke. A problem names the versions and plans it was found with; the same problem found with
/// several is reported once.
/// </summary>
public sealed partial class TemplateValidation : ITemplateCheck
{
    public const string SampleNamespace = "sample-dev";
    public const string SampleInstance = "sample";
    public const string SampleTenant = "sample";
    public const string SampleEnvironment = "dev";
    public static readonly Ownership SampleOwner = new(
        Guid.Parse("00000000-0000-0000-0000-00000000000a"),
        SampleTenant,
        Guid.Parse("00000000-0000-0000-0000-00000000000e"),
        SampleEnvironment
    );

    private const int CheckedLimit = 256;
    private static readonly ConcurrentDictionary<string, IReadOnlyList<Problem>> Checked = new(StringComparer.Ordinal);

    public static TemplateValidation Instance { get; } = new();

    public IReadOnlyList<Problem> Check(string templateName, TemplateDefinition definition) =>
        Validate(templateName, definition);

    /// <summary>
    /// Every problem found, with fields relative to the definition ("ObjectsTemplate",
    /// "ConnectionStrings[0].Template"); empty when the template is sound.
    /// </summary>
    public static IReadOnlyList<Problem> Validate(string templateName, TemplateDefinition definition)
    {
        // The check is a pure function of the name and definition, and costs hundreds of renderings: a definition
        // checked once (the seed catalog at every start on an empty database, say) is not checked again.
        var key =
            $"{templateName}:{Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(definition)))}";
        if (Checked.TryGetValue(key, out var known))
            return known;
        var problems = ValidateOnce(templateName, definition);
        if (Checked.Count >= CheckedLimit)
            Checked.Clear();
        Checked[key] = problems;
        return problems;
    }

    private static IReadOnlyList<Problem> ValidateOnce(string templateName, TemplateDefinition definition)
    {
        var invalid = definition.Validate();
        if (invalid.Count > 0)
            return invalid;
        var problems = new List<Problem>();
        var parameters = SampleParameters(definition);
        if (!parameters.Succeeded)
            return parameters.Problem!.Causes.Count > 0 ? parameters.Problem.Causes : [parameters.Problem];
        var credentials = SampleCredentials(definition);
        var endpoint = InstanceEndpoint.Of(SampleNamespace, SampleInstance, definition);
        AddAll(
            problems,
            TemplateRenderer.RenderConnectionStrings(definition, endpoint, parameters.Value, credentials).Problem
        );
        AddAll(problems, TemplateRenderer.RenderBindingVariables(definition, endpoint, parameters.Value).Problem);

        if (Liquid.Parse(definition.ObjectsTemplate, out var error) is null)
        {
            problems.Add(
                Problem.Invalid(nameof(TemplateDefinition.ObjectsTemplate), $"The template does not parse: {error}")
            );
            return problems;
        }
        var cases = Cases(templateName, definition);
        var found = new List<(string Message, string Case)>();
        var shapes = new Dictionary<string, Shape>(StringComparer.Ordinal);
        foreach (var @case in cases)
        {
            var input = @case.Input(parameters.Value, credentials);
            var rendered = TemplateRenderer.Render(input);
            foreach (var message in Check(input, rendered))
                found.Add((message, @case.Label));
            if (rendered.Succeeded)
                shapes[@case.Label] = Shape.Of(rendered.Value);
        }
        if (found.Count == 0 && problems.Count == 0)
            found.AddRange(Fuzz(definition, Covering(cases), parameters.Value, credentials, shapes, problems));
        foreach (var group in found.GroupBy(f => f.Message, StringComparer.Ordinal))
        {
            var labels = group.Select(g => g.Case).Distinct().ToList();
            var where = labels.Count == 1 ? labels[0] : $"{labels[0]} and {labels.Count - 1} more";
            problems.Add(
                Problem.Invalid(nameof(TemplateDefinition.ObjectsTemplate), $"{group.Key} (rendering {where})")
            );
        }
        return problems;
    }

    /// <summary>One rendering the check makes: a version with a plan at a replica count.</summary>
    private sealed record Case(
        string TemplateName,
        TemplateDefinition Definition,
        TemplateVersion Version,
        TemplatePlan Plan,
        int Replicas,
        string Label
    )
    {
        public InstanceRenderInput Input(
            IReadOnlyDictionary<string, string> parameters,
            IReadOnlyDictionary<string, string> credentials
        ) =>
            new(
                SampleNamespace,
                SampleInstance,
                SampleOwner,
                TemplateName,
                Definition,
                Version,
                Plan,
                Replicas,
                parameters,
                credentials
            );
    }

    /// <summary>
    /// Fewer cases that still render every version and every plan, at its starting and largest replica count: the i-th
    /// version with the i-th plan, round the shorter list.
    /// </summary>
    private static List<Case> Covering(IReadOnlyList<Case> cases)
    {
        var definition = cases[0].Definition;
        var count = Math.Max(definition.Versions.Count, definition.Plans.Count);
        var pairs = Enumerable
            .Range(0, count)
            .Select(i =>
                (
                    Version: definition.Versions[i % definition.Versions.Count],
                    Plan: definition.Plans[i % definition.Plans.Count]
                )
            );
        return cases.Where(c => pairs.Contains((c.Version, c.Plan))).ToList();
    }

    private static List<Case> Cases(string templateName, TemplateDefinition definition) =>
        [
            .. from version in definition.Versions
            from plan in definition.Plans
            from replicas in new[] { plan.Replicas, plan.MaxReplicas }.Distinct()
            select new Case(
                templateName,
                definition,
                version,
                plan,
                replicas,
                $"version {version.Version} with plan '{plan.Name}'"
                    + (replicas == plan.Replicas ? "" : $" at {replicas} replicas")
            ),
        ];

    /// <summary>
    /// The parameters a check renders with: every default, else the first allowed value, else a plain sample.
    /// </summary>
    public static Result<IReadOnlyDictionary<string, string>> SampleParameters(TemplateDefinition definition)
    {
        var values = definition.Parameters.ToDictionary(
            p => p.Name,
            p =>
                (string?)(
                    p.Default
                    ?? p.Type switch
                    {
                        ParameterType.Choice => p.AllowedValues.FirstOrDefault(),
                        ParameterType.Integer => "1",
                        ParameterType.Boolean => "false",
                        _ => p.Required ? "sample" : null,
                    }
                ),
            StringComparer.Ordinal
        );
        var resolved = definition.ResolveParameters(values);
        if (resolved.Succeeded)
            return resolved;
        var causes = (resolved.Problem!.Causes.Count > 0 ? resolved.Problem.Causes : [resolved.Problem])
            .Select(p =>
                Problem.Invalid(
                    "Parameters",
                    $"{p.Message} Give the parameter a default, so that the template can be checked."
                )
            )
            .ToList();
        return Problem.Invalid(causes);
    }

    /// <summary>
    /// Fixed credentials with quotes, a colon, a hash and braces: a template that does not quote them breaks on them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SampleCredentials(TemplateDefinition definition) =>
        definition.Credentials.ToDictionary(c => c.Key, c => $"s\"'a:m #p{{l}}e-{c.Key}", StringComparer.Ordinal);

    private static IEnumerable<string> Check(
        InstanceRenderInput input,
        Result<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>> rendered
    )
    {
        if (!rendered.Succeeded)
        {
            foreach (var problem in rendered.Problem!.Causes.Count > 0 ? rendered.Problem.Causes : [rendered.Problem])
                yield return problem.Message;
            yield break;
        }
        var objects = rendered.Value;
        var instance = input.InstanceName;

        foreach (
            var o in objects.Where(o =>
                o.Metadata.Name != instance
                && o.Metadata.Name?.StartsWith($"{instance}-", StringComparison.Ordinal) != true
            )
        )
            yield return $"{o.Kind} '{o.Metadata.Name}' is not named for the instance: name it {{{{ "
                + "instance }} or {{ instance }}-something.";
        foreach (var twice in objects.GroupBy(o => (o.Kind, o.Metadata.Name)).Where(g => g.Count() > 1))
            yield return $"{twice.Key.Kind} '{twice.Key.Name}' is rendered {twice.Count()} times.";

        var services = objects.OfType<V1Service>().ToList();
        var client = services.FirstOrDefault(s => s.Metadata.Name == InstanceNames.Service(instance));
        var clientPort = input.Definition.ClientPort();
        if (client is null)
            yield return "There is no client Service named {{ service_name }} "
                + $"('{InstanceNames.Service(instance)}').";
        else if (IsHeadless(client))
            yield return "The client Service {{ service_name }} is headless; applications "
                + "connect through a cluster IP.";
        else if (client.Spec.Ports?.Any(p => p.Port == clientPort) != true)
            yield return $"The client Service {{{{ service_name }}}} does not expose the client port {clientPort}.";

        var sets = objects.OfType<V1StatefulSet>().ToList();
        if (sets.Count != 1)
        {
            yield return $"{(sets.Count == 0 ? "There is no StatefulSet" : $"There are {sets.Count} StatefulSets")}; "
                + "a template renders exactly one.";
            yield break;
        }
        var set = sets[0];
        var spec = set.Spec;
        if (string.IsNullOrEmpty(spec.ServiceName))
            yield return $"StatefulSet '{set.Metadata.Name}' has no serviceName: name its "
                + "headless Service ({{ headless_name }}).";
        else if (services.FirstOrDefault(s => s.Metadata.Name == spec.ServiceName) is not { } governing)
            yield return $"StatefulSet '{set.Metadata.Name}' names serviceName "
                + $"'{spec.ServiceName}', which the template does not render.";
        else if (!IsHeadless(governing))
            yield return $"Service '{spec.ServiceName}', the serviceName of the StatefulSet, is "
                + "not headless: give it clusterIP: None.";
        if (spec.Replicas != input.Replicas)
            yield return $"The StatefulSet has {Show(spec.Replicas)} replicas instead of "
                + $"{input.Replicas}: write replicas: {{{{ replicas }}}}.";

        var pod = spec.Template?.Spec;
        if (pod?.Containers is not { Count: > 0 })
        {
            yield return "The StatefulSet's pods have no containers.";
            yield break;
        }
        var plan = input.Plan;
        foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
        {
            if (container.Image != input.Version.Image)
                yield return $"Container '{container.Name}' runs '{container.Image}' instead of the "
                    + $"version's image '{input.Version.Image}': write image: {{{{ image }}}}.";
            foreach (var missing in MissingResources(container))
                yield return $"Container '{container.Name}' has no {missing}; take it from the plan ({{{{ "
                    + "plan.cpu_request }}, {{ plan.memory_limit }}…).";
        }
        foreach (var container in pod.Containers.Where(c => c.ReadinessProbe is null))
            yield return $"Container '{container.Name}' has no readiness probe; the portal waits "
                + "for readiness before it calls an instance ready.";

        var wanted = new (string What, string Resource, bool Limit, long Plan, Func<long, string> Format)[]
        {
            ("CPU requests", "cpu", false, plan.CpuRequestMillis, Quantity.FormatCpu),
            ("CPU limits", "cpu", true, plan.CpuLimitMillis, Quantity.FormatCpu),
            ("memory requests", "memory", false, plan.MemoryRequestBytes, Quantity.FormatBytes),
            ("memory limits", "memory", true, plan.MemoryLimitBytes, Quantity.FormatBytes),
        };
        foreach (var (what, resource, limit, planned, format) in wanted)
        {
            var total = pod.Containers.Sum(c => Amount(c, resource, limit));
            if (total != planned)
                yield return $"The containers' {what} add up to {format(total)}, not the plan's {format(planned)}.";
            foreach (var init in (pod.InitContainers ?? []).Where(c => Amount(c, resource, limit) > planned))
                yield return $"Init container '{init.Name}' asks for more {what} than the plan's {format(planned)}.";
        }

        var claims = spec.VolumeClaimTemplates ?? [];
        if (claims.Count == 0)
        {
            yield return "The StatefulSet has no volumeClaimTemplates: middleware keeps its data "
                + "on a volume of the plan's size ({{ plan.storage }}).";
        }
        else
        {
            var storage = claims.Sum(c =>
                c.Spec?.Resources?.Requests?.TryGetValue("storage", out var q) == true ? Bytes(q) : 0
            );
            if (storage != plan.StorageBytes)
                yield return $"The volume claim templates ask for {Quantity.FormatBytes(storage)} of "
                    + $"storage, not the plan's {Quantity.FormatBytes(plan.StorageBytes)}.";
        }

        var secretName = InstanceNames.Secret(instance);
        var secret = objects.OfType<V1Secret>().FirstOrDefault(s => s.Metadata.Name == secretName);
        var secretKeys = input
            .Definition.BindingVariables.Where(b => !string.IsNullOrEmpty(b.SecretKey))
            .Select(b => b.SecretKey!)
            .ToList();
        if (secret is null && (input.Credentials.Count > 0 || secretKeys.Count > 0))
            yield return $"There is no Secret named {{{{ secret_name }}}} ('{secretName}') to hold the credentials.";
        if (secret is null)
            yield break;
        foreach (var (key, value) in input.Credentials)
        {
            if (secret.Data?.TryGetValue(key, out var stored) != true)
                yield return $"The Secret does not hold credential '{key}'.";
            else if (Encoding.UTF8.GetString(stored!) != value)
                yield return $"Credential '{key}' does not reach the Secret intact: insert it with {{{{ "
                    + $"credentials.{key} | yaml_string }}}}.";
        }
        foreach (var key in secretKeys.Where(k => secret.Data?.ContainsKey(k) != true).Distinct())
            yield return $"Binding variables refer to key '{key}', which the Secret does not hold.";
    }

    private static bool IsHeadless(V1Service service) => service.Spec?.ClusterIP == "None";

    private static IEnumerable<string> MissingResources(V1Container container)
    {
        foreach (
            var (kind, values) in new[]
            {
                ("request", container.Resources?.Requests),
                ("limit", container.Resources?.Limits),
            }
        )
        {
            foreach (var resource in new[] { "cpu", "memory" })
            {
                if (values?.ContainsKey(resource) != true)
                    yield return $"{(resource == "cpu" ? "CPU" : "memory")} {kind}";
            }
        }
    }

    private static long Amount(V1Container container, string resource, bool limit)
    {
        var values = limit ? container.Resources?.Limits : container.Resources?.Requests;
        if (values?.TryGetValue(resource, out var quantity) != true)
            return 0;
        return resource == "cpu" ? Quantity.CpuMillis(quantity!.ToString()) : Bytes(quantity!);
    }

    private static long Bytes(ResourceQuantity quantity) => Quantity.Whole(quantity.ToString());

    private static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "no";

    private static void AddAll(List<Problem> problems, Problem? problem)
    {
        if (problem is not null)
            problems.AddRange(problem.Causes.Count > 0 ? problem.Causes : [problem]);
    }
}

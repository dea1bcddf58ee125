using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Portal.Domain.Common;
using Portal.Domain.Middleware;

namespace Portal.Infrastructure.Middleware;

public sealed partial class TemplateValidation
{
    private const int MostHostile = 8;

    /// <summary>
    /// A string value far from any YAML metacharacter, to compare the objects of hostile values with.
    /// </summary>
    private static readonly string[] Benign = ["sample", "a", "app1", "A", "0", "_", "x-1", "a.b"];

    /// <summary>
    /// The strings most likely to turn a value into structure, the most dangerous first; the pattern decides which are
    /// tried.
    /// </summary>
    private static readonly string[] Hostile =
    [
        "{0}\n",
        "{0}\nhostNetwork: true",
        "a\n  b: c",
        "{0}: x",
        "a: b",
        "{0} #x",
        "#",
        "{0}\"",
        "\"",
        "{0}'",
        "'",
        "\\",
        "{{ instance }}",
        "{%",
        "---",
        "...",
        "- a",
        "[a]",
        "{a: b}",
        "a, b",
        "{0},",
        "&a",
        "*a",
        "!a",
        "!!str a",
        "|",
        ">",
        "? a",
        "%a",
        "@a",
        "`a`",
        "~",
        "null",
        "Null",
        "NULL",
        "true",
        "yes",
        "0x10",
        "1e3",
        ".inf",
        "-",
        "-a",
        "--a",
        ".a",
        "a:",
        ":a",
        " a",
        "a ",
        "\ta",
        "\r\n",
        "\u0085",
        "\u2028",
        "\uFEFF",
        "é",
        "\U0001F418",
    ];

    private const string Metacharacters = "\n\r\t :#\"'\\{}[],&*!|>%@`?-.~/=+";

    /// <summary>
    /// The values the check renders a parameter with besides its sample: for an integer zero, -1 and the boundaries of
    /// 32 and 64 bits, for a boolean both, for a choice every one, and for a string, among the values its pattern
    /// accepts, a plain one, the longest, and up to eight holding YAML's metacharacters (line breaks, ": ", '#',
    /// quotes, document markers, anchors, tags, flow brackets, words YAML reads as null or true, non-ASCII).
    /// </summary>
    public static IReadOnlyList<string> FuzzValues(TemplateParameter parameter)
    {
        IEnumerable<string> values = parameter.Type switch
        {
            ParameterType.Integer =>
            [
                "0",
                "-1",
                "2147483647",
                "2147483648",
                "-2147483649",
                "9223372036854775807",
                "-9223372036854775808",
            ],
            ParameterType.Boolean => ["true", "false"],
            ParameterType.Choice => parameter.AllowedValues,
            _ => Strings(parameter),
        };
        return values.Where(parameter.Accepts).Distinct(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> Strings(TemplateParameter parameter)
    {
        var sample = parameter.Default is { Length: > 0 } given ? given : "app";
        var plain = new[] { sample }.Concat(Benign).Where(parameter.Accepts).Distinct(StringComparer.Ordinal).Take(2);
        var longest = new[] { "a", "A", "0", "_", "a-", "a.", "a_", "-", "." }
            .Select(seed =>
                new[] { TemplateDefinition.ParameterValueMaxLength, 512, 255, 253, 128, 64, 63, 32, 16, 8 }
                    .Select(length => string.Concat(Enumerable.Repeat(seed, length))[..length])
                    .FirstOrDefault(parameter.Accepts)
            )
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Take(2);
        var perCharacter = Metacharacters
            .Select(c => c.ToString())
            .SelectMany(m => new[] { m, "a" + m, m + "a", $"a{m}a", sample + m, m + sample, sample + m + sample });
        var hostile = Hostile
            .Select(h => h.Replace("{0}", sample, StringComparison.Ordinal))
            .Concat(perCharacter)
            .Where(parameter.Accepts)
            .Distinct(StringComparer.Ordinal)
            .Take(MostHostile);
        return plain.Concat(longest).Concat(hostile);
    }

    /// <summary>
    /// Renders every case with each fuzz value of each parameter in turn, the others at their samples; for each
    /// parameter, the messages of the first value that fails, prefixed with it. Connection strings and binding values
    /// that fail to render go to <paramref name="problems"/>.
    /// </summary>
    private static List<(string Message, string Case)> Fuzz(
        TemplateDefinition definition,
        IReadOnlyList<Case> cases,
        IReadOnlyDictionary<string, string> samples,
        IReadOnlyDictionary<string, string> credentials,
        Dictionary<string, Shape> sampleShapes,
        List<Problem> problems
    )
    {
        var found = new List<(string Message, string Case)>();
        var endpoint = InstanceEndpoint.Of(SampleNamespace, SampleInstance, definition);
        foreach (var parameter in definition.Parameters)
        {
            var values = FuzzValues(parameter);
            Dictionary<string, Shape>? reference = null;
            if (parameter.Type == ParameterType.String)
            {
                // An optional string may switch a part on when given: compare with a value, not with nothing.
                reference = samples[parameter.Name].Length > 0 ? sampleShapes : Shapes(values.FirstOrDefault());
            }
            foreach (var value in values.Where(v => v != samples[parameter.Name]))
            {
                var given = With(value);
                if (given is null)
                    continue;
                var prefix = $"With {parameter.Name} = {Show(value)}: ";
                var failures = new List<(string Message, string Case)>();
                var strings = TemplateRenderer
                    .RenderConnectionStrings(definition, endpoint, given, credentials)
                    .Problem;
                var bindings = TemplateRenderer.RenderBindingVariables(definition, endpoint, given).Problem;
                foreach (
                    var problem in new[] { strings, bindings }
                        .OfType<Problem>()
                        .SelectMany(p => p.Causes.Count > 0 ? p.Causes : [p])
                )
                    problems.Add(problem with { Message = prefix + problem.Message });
                foreach (var @case in cases)
                {
                    var input = @case.Input(given, credentials);
                    var rendered = TemplateRenderer.Render(input);
                    failures.AddRange(Check(input, rendered).Select(m => (prefix + m, @case.Label)));
                    if (
                        rendered.Succeeded
                        && reference?.GetValueOrDefault(@case.Label) is { } expected
                        && expected.Differs(Shape.Of(rendered.Value)) is { } change
                    )
                    {
                        failures.Add(
                            (
                                prefix
                                    + "the value changes the objects' structure, not only their values "
                                    + $"({change}): a parameter may only fill in "
                                    + "values; write it with yaml_string where a scalar goes, and switch "
                                    + "parts of the template with a choice or a boolean.",
                                @case.Label
                            )
                        );
                    }
                }
                found.AddRange(failures);
                if (failures.Count > 0 || strings is not null || bindings is not null)
                    break;
            }

            Dictionary<string, Shape> Shapes(string? value)
            {
                var shapes = new Dictionary<string, Shape>();
                if (value is null || With(value) is not { } given)
                    return shapes;
                foreach (var @case in cases)
                {
                    var rendered = TemplateRenderer.Render(@case.Input(given, credentials));
                    if (rendered.Succeeded)
                        shapes[@case.Label] = Shape.Of(rendered.Value);
                }
                return shapes;
            }

            IReadOnlyDictionary<string, string>? With(string value)
            {
                var given = samples.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);
                given[parameter.Name] = value;
                var resolved = definition.ResolveParameters(given);
                return resolved.Succeeded ? resolved.Value : null;
            }
        }
        return found;
    }

    /// <summary>
    /// A value as a message shows it: quoted, with line breaks and control characters escaped, and a long one cut
    /// short.
    /// </summary>
    private static string Show(string value)
    {
        var shown = new StringBuilder();
        foreach (var c in value.Length > 40 ? value[..20] : value)
        {
            shown.Append(
                c switch
                {
                    '\n' => @"\n",
                    '\r' => @"\r",
                    '\t' => @"\t",
                    _ when char.IsControl(c) || (char.IsSeparator(c) && c != ' ') || c == '\uFEFF' => $"\\u{(int)c:X4}",
                    _ => c.ToString(),
                }
            );
        }
        return value.Length > 40
            ? $"'{shown}…' ({value.Length.ToString(CultureInfo.InvariantCulture)} characters)"
            : $"'{shown}'";
    }

    /// <summary>
    /// The structure of rendered objects: every path to a value, with the kind of value it holds, but not the value.
    /// Two renderings whose values alone differ have the same shape.
    /// </summary>
    private sealed class Shape
    {
        private readonly List<string> _objects = [];
        private readonly List<(int Object, string Path, JsonValueKind Kind)> _paths = [];

        public static Shape Of(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
        {
            var shape = new Shape();
            for (var i = 0; i < objects.Count; i++)
            {
                shape._objects.Add($"{objects[i].Kind} '{objects[i].Metadata?.Name}'");
                shape.Walk(i, JsonNode.Parse(KubernetesJson.Serialize(objects[i])), "");
            }
            return shape;
        }

        /// <summary>
        /// What <paramref name="other"/> has that this has not, or the other way round; null when they agree.
        /// </summary>
        public string? Differs(Shape other)
        {
            if (_objects.Count != other._objects.Count)
                return $"{other._objects.Count} objects instead of {_objects.Count}: "
                    + $"{string.Join(", ", other._objects)}";
            var mine = _paths.ToHashSet();
            var theirs = other._paths.ToHashSet();
            if (other._paths.FirstOrDefault(p => !mine.Contains(p)) is { Path: not null } added)
            {
                return mine.Any(p => p.Object == added.Object && p.Path == added.Path)
                    ? $"{other._objects[added.Object]} {added.Path} becomes {added.Kind}"
                    : $"{other._objects[added.Object]} gains {added.Path}";
            }

            if (_paths.FirstOrDefault(p => !theirs.Contains(p)) is { Path: not null } lost)
                return $"{other._objects[lost.Object]} {lost.Path} is gone";
            return null;
        }

        private void Walk(int index, JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject map:
                    foreach (var (key, child) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                        Walk(index, child, path.Length == 0 ? key : $"{path}.{key}");
                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                        Walk(index, array[i], $"{path}[{i}]");
                    break;
                default:
                    _paths.Add((index, path, node?.GetValueKind() ?? JsonValueKind.Null));
                    break;
            }
        }
    }
}

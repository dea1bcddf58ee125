using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;
using Fluid.Values;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// The Liquid engine (Fluid) as middleware templates use it: a name that is not defined, at the top or inside
/// <c>params</c>, <c>plan</c>, <c>ports</c> or <c>credentials</c>, fails the rendering rather than printing nothing,
/// and two filters make values safe where they land: <c>yaml_string</c> (a double-quoted YAML scalar, whatever the
/// value holds) and <c>uri_component</c> (percent-encoding, for user names and passwords in URIs).
/// <para>YAML (<see cref="RenderYaml"/>) is rendered so that no value can become structure: every output, however a
/// template writes it (<c>{{ }}</c>, <c>echo</c>, inside a capture, a loop or a condition), either comes from
/// <c>yaml_string</c> as its last filter, or holds only what YAML reads as part of a plain scalar in any context
/// (<see cref="IsBare"/>: ASCII letters and digits and <c>._/+=%@~:-</c>, no line break, space, quote, '#', ':' at its
/// end or document marker); anything else fails the rendering and names the output to fix. The filters and tags that
/// write values past that check (<c>raw</c>, <c>escape</c>, <c>escape_once</c>, <c>cycle</c>) are not offered.</para>
/// </summary>
internal static class Liquid
{
    private const int CacheLimit = 512;
    private static readonly FluidParser Parser = CreateParser();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Parsed = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, IFluidTemplate> ParsedYaml = new(StringComparer.Ordinal);
    private static readonly TemplateOptions Options = CreateOptions();

    /// <summary>A template parsed once, or null with the parser's message.</summary>
    public static IFluidTemplate? Parse(string text, out string? error)
    {
        error = null;
        if (Parsed.TryGetValue(text, out var cached))
            return cached;
        if (!Parser.TryParse(text, out var template, out var message))
        {
            // The parser's message ends with a copy of the source; the position before it is what helps.
            error = message.Split("\nSource:", 2)[0].Trim();
            return null;
        }
        if (Parsed.Count >= CacheLimit)
            Parsed.Clear();
        Parsed[text] = template;
        return template;
    }

    /// <summary>
    /// Renders <paramref name="text"/> as plain text (a connection string, a value); a problem on
    /// <paramref name="field"/> when it does not parse or render.
    /// </summary>
    public static Result<string> Render(string text, IReadOnlyDictionary<string, FluidValue> variables, string field) =>
        Render(Parse(text, out var error), error, variables, field);

    /// <summary>
    /// Renders <paramref name="text"/> as YAML, where no value may be written as anything but a scalar (see the class).
    /// </summary>
    public static Result<string> RenderYaml(
        string text,
        IReadOnlyDictionary<string, FluidValue> variables,
        string field
    ) => Render(ParseYaml(text, out var error), error, variables, field);

    private static IFluidTemplate? ParseYaml(string text, out string? error)
    {
        error = null;
        if (ParsedYaml.TryGetValue(text, out var cached))
            return cached;
        if (Parse(text, out error) is not { } template)
            return null;
        var checkedTemplate = new CheckedOutputs().VisitTemplate(template);
        if (ParsedYaml.Count >= CacheLimit)
            ParsedYaml.Clear();
        ParsedYaml[text] = checkedTemplate;
        return checkedTemplate;
    }

    private static Result<string> Render(
        IFluidTemplate? template,
        string? error,
        IReadOnlyDictionary<string, FluidValue> variables,
        string field
    )
    {
        if (template is null)
            return Problem.Invalid(field, $"The template does not parse: {error}");
        var undefined = new List<string>();
        var context = new TemplateContext(Options)
        {
            Undefined = name =>
            {
                undefined.Add(name);
                return ValueTask.FromResult<FluidValue>(NilValue.Instance);
            },
        };
        foreach (var (name, value) in variables)
            context.SetValue(name, value);
        string output;
        try
        {
            output = template.Render(context, NullEncoder.Default);
        }
        catch (NotBareException e)
        {
            return Problem.Invalid(field, e.Message);
        }
        catch (Exception e)
            when (e
                    is FluidException
                        or UndefinedMemberException
                        or InvalidOperationException
                        or ArgumentException
                        or FormatException
                        or OverflowException
                        or DivideByZeroException
            )
        {
            return Problem.Invalid(field, $"The template does not render: {e.Message}");
        }
        if (undefined.Count > 0)
        {
            return Problem.Invalid(
                field,
                "The template uses "
                    + $"{string.Join(", ", undefined.Distinct().Select(n => $"'{n}'"))}, which "
                    + $"{(undefined.Distinct().Count() == 1 ? "is" : "are")} not defined here."
            );
        }

        return output;
    }

    public static FluidValue String(string value) => new StringValue(value);

    public static FluidValue Number(long value) => NumberValue.Create(value);

    public static FluidValue Map(string name, IEnumerable<KeyValuePair<string, FluidValue>> entries) =>
        new StrictMap(name, entries);

    /// <summary>
    /// A value as a YAML double-quoted scalar that reads back exactly, whatever it holds. Letters, digits, spaces and
    /// <c>._-/+=~</c> stay as they are; backslashes, double quotes, tabs and line breaks are escaped as usual, and
    /// every other character as <c>\uXXXX</c>. So the scalar holds no quote, ':', ',', '#', bracket or line break
    /// between its own quotes: even written inside another quoted string by mistake, it fails to parse rather than
    /// adding a key.
    /// </summary>
    public static string YamlString(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\':
                    builder.Append(@"\\");
                    break;
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\n':
                    builder.Append(@"\n");
                    break;
                case '\r':
                    builder.Append(@"\r");
                    break;
                case '\t':
                    builder.Append(@"\t");
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                        builder.Append(c).Append(value[++i]);
                    else if (char.IsSurrogate(c))
                        builder.Append(@"\uFFFD");
                    else if (char.IsLetterOrDigit(c) || c is ' ' or '.' or '_' or '-' or '/' or '+' or '=' or '~')
                        builder.Append(c);
                    else
                        builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Whether <paramref name="value"/> may stand bare in YAML, wherever a template writes it (a plain scalar in a
    /// block or a flow, inside a quoted string, a block scalar or a comment): null when it may, else what it holds that
    /// may not. A value that starts with "---" or "..." may not stand at the start of a line, where it would begin or
    /// end a document.
    /// </summary>
    public static string? IsBare(string value, bool atLineStart = true)
    {
        if (
            atLineStart
            && (value.StartsWith("---", StringComparison.Ordinal) || value.StartsWith("...", StringComparison.Ordinal))
        )
            return $"'{value[..3]}' at its start, which can begin or end a document";
        foreach (var c in value)
        {
            if (
                !char.IsAsciiLetterOrDigit(c)
                && c is not ('.' or '_' or '/' or '+' or '=' or '%' or '@' or '~' or ':' or '-')
            )
            {
                return c switch
                {
                    '\n' or '\r' or '\u0085' or '\u2028' or '\u2029' => "a line break",
                    ' ' => "a space",
                    '\t' => "a tab",
                    _ when char.IsControl(c) || c > '\u007e' => $"the character U+{(int)c:X4}",
                    _ => $"'{c}'",
                };
            }
        }
        return value.EndsWith(':') ? "':' at its end, which makes a key" : null;
    }

    private static FluidParser CreateParser()
    {
        var parser = new FluidParser();
        // cycle writes its values itself, past the check of every output that YAML rendering makes.
        parser.RegisteredTags.Remove("cycle");
        return parser;
    }

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            StrictFilters = true,
            CultureInfo = CultureInfo.InvariantCulture,
            MaxSteps = 200_000,
            MaxRecursion = 20,
        };
        // They write a value unchecked (raw), or escape it for HTML, which is not what YAML needs.
        foreach (var filter in new[] { "raw", "escape", "escape_once" })
            options.Filters.Remove(filter);
        options.Filters.AddFilter("yaml_string", (input, _, _) =>
            new ValueTask<FluidValue>(new YamlScalar(YamlString(input.ToStringValue())))
        );
        options.Filters.AddFilter("uri_component", (input, _, _) =>
            new ValueTask<FluidValue>(new StringValue(Uri.EscapeDataString(input.ToStringValue())))
        );
        return options;
    }

    /// <summary>
    /// Thrown for a name missing from a <see cref="StrictMap"/>; Fluid's own strict mode names members poorly.
    /// </summary>
    private sealed class UndefinedMemberException(string message) : Exception(message);

    /// <summary>
    /// Thrown for an output that would write a value YAML could read as structure; the message says which and how to
    /// fix it.
    /// </summary>
    private sealed class NotBareException(string message) : Exception(message);

    /// <summary>
    /// What <c>yaml_string</c> gives: a whole quoted scalar, written as it is; any further filter makes it a plain
    /// string again.
    /// </summary>
    private sealed class YamlScalar(string text) : FluidValue
    {
        public override FluidValues Type => FluidValues.String;

        public override bool Equals(FluidValue other) => other.ToStringValue() == text;

        public override bool ToBooleanValue() => true;

        public override decimal ToNumberValue() => 0;

        public override string ToStringValue() => text;

        public override object ToObjectValue() => text;

        public override ValueTask WriteToAsync(TextWriter writer, TextEncoder encoder, CultureInfo cultureInfo) =>
            new(writer.WriteAsync(text));

        public override bool Equals(object? obj) => obj is YamlScalar other && other.ToStringValue() == text;

        public override int GetHashCode() => text.GetHashCode(StringComparison.Ordinal);
    }

    /// <summary>
    /// Puts every output of a template behind <see cref="CheckedOutput"/>: inside captures, loops, conditions and
    /// liquid tags too.
    /// </summary>
    private sealed class CheckedOutputs : AstRewriter
    {
        protected override Statement VisitOutputStatement(OutputStatement outputStatement) =>
            new CheckedOutput(outputStatement.Expression);
    }

    /// <summary>
    /// An output that writes a <c>yaml_string</c> scalar, or a value that may stand bare where it lands; else a
    /// <see cref="NotBareException"/>.
    /// </summary>
    private sealed class CheckedOutput(Expression expression) : Statement
    {
        public override async ValueTask<Completion> WriteToAsync(
            TextWriter writer,
            TextEncoder encoder,
            TemplateContext context
        )
        {
            context.IncrementSteps();
            var value = await expression.EvaluateAsync(context);
            string text;
            if (value is YamlScalar)
            {
                text = value.ToStringValue();
            }
            else
            {
                await using (var plain = new StringWriter(CultureInfo.InvariantCulture))
                {
                    await value.WriteToAsync(plain, NullEncoder.Default, context.CultureInfo);
                    text = plain.ToString();
                }
                // A document marker is one only at the start of a line; Fluid writes to a StringWriter, other writers
                // are taken as at one.
                var atLineStart =
                    writer is not StringWriter written || written.GetStringBuilder() is { Length: 0 } or [.., '\n'];
                if (IsBare(text, atLineStart) is { } why)
                {
                    var source = Source(expression);
                    var fix = source.Contains("yaml_string", StringComparison.Ordinal)
                        ? "make yaml_string its last filter, and write it alone where a scalar goes"
                        : $"write {{{{ {source} | yaml_string }}}} where a scalar goes";
                    throw new NotBareException(
                        $"{{{{ {source} }}}} writes a value holding {why} bare into the YAML, "
                            + $"where it could add keys or objects: {fix}."
                    );
                }
            }
            await writer.WriteAsync(text);
            return Completion.Normal;
        }

        /// <summary>The expression as a template would write it, to name it in a message.</summary>
        private static string Source(Expression expression) =>
            expression switch
            {
                MemberExpression member => string.Concat(
                    member.Segments.Select(
                        (s, i) =>
                            s switch
                            {
                                IdentifierSegment identifier => (i == 0 ? "" : ".") + identifier.Identifier,
                                IndexerSegment indexer => $"[{Source(indexer.Expression)}]",
                                _ => "…",
                            }
                    )
                ),
                FilterExpression filter => $"{Source(filter.Input)} | {filter.Name}"
                    + (
                        filter.Parameters.Count == 0
                            ? ""
                            : ": " + string.Join(", ", filter.Parameters.Select(p => Source(p.Expression)))
                    ),
                LiteralExpression { Value: StringValue literal } => $"\"{literal.ToStringValue()}\"",
                LiteralExpression literal => literal.Value.ToStringValue(),
                _ => "…",
            };
    }

    /// <summary>
    /// A read-only hash whose missing members are errors: <c>params.max_conections</c> fails instead of printing
    /// nothing.
    /// </summary>
    private sealed class StrictMap(string name, IEnumerable<KeyValuePair<string, FluidValue>> entries) : FluidValue
    {
        private readonly Dictionary<string, FluidValue> _entries = new(entries, StringComparer.Ordinal);

        public override FluidValues Type => FluidValues.Dictionary;

        public override ValueTask<FluidValue> GetValueAsync(string member, TemplateContext context) => new(Get(member));

        public override ValueTask<FluidValue> GetIndexAsync(FluidValue index, TemplateContext context) =>
            new(Get(index.ToStringValue()));

        public override bool Equals(FluidValue other) => ReferenceEquals(this, other);

        public override bool ToBooleanValue() => true;

        public override decimal ToNumberValue() => 0;

        public override string ToStringValue() => "";

        public override object ToObjectValue() => _entries.ToDictionary(e => e.Key, e => e.Value.ToObjectValue());

        public override bool Contains(FluidValue value) => _entries.ContainsKey(value.ToStringValue());

        public override IEnumerable<FluidValue> Enumerate(TemplateContext context) =>
            _entries.Select(e => (FluidValue)new ArrayValue([new StringValue(e.Key), e.Value]));

        public override bool Equals(object? obj) => ReferenceEquals(this, obj);

        public override int GetHashCode() => _entries.Count;

        private FluidValue Get(string member)
        {
            if (_entries.TryGetValue(member, out var value))
                return value;
            if (member == "size")
                return NumberValue.Create(_entries.Count);
            var known =
                _entries.Count == 0
                    ? "it is empty"
                    : $"it has {string.Join(", ", _entries.Keys.Order(StringComparer.Ordinal))}";
            throw new UndefinedMemberException($"'{name}.{member}' is not defined: {known}.");
        }
    }
}

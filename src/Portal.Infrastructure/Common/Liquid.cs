using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fluid;
using Fluid.Ast;
using Fluid.Values;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Common;

/// <summary>
/// The Liquid engine (Fluid) as the portal's templates use it (middleware objects, recipes' Dockerfiles): a name that
/// is not defined, at the top or inside <c>params</c>, <c>plan</c>, <c>ports</c> or <c>credentials</c>, fails the
/// rendering rather than printing nothing, and two filters make values safe where they land in middleware templates:
/// <c>yaml_string</c> (a double-quoted YAML scalar, whatever the value holds) and <c>uri_component</c>
/// (percent-encoding, for user names and passwords in URIs).
/// <para>YAML (<see cref="RenderYaml"/>) is rendered so that no value can become structure: every output, however a
/// template writes it (<c>{{ }}</c>, <c>echo</c>, inside a capture, a loop or a condition), either comes from
/// <c>yaml_string</c> as its last filter, or holds only what YAML reads as part of a plain scalar in any context
/// (<see cref="IsBare"/>: ASCII letters and digits and <c>._/+=%@~:-</c>, no line break, space, quote, '#', ':' at its
/// end or document marker); anything else fails the rendering and names the output to fix. The filters and tags that
/// write values past that check (<c>raw</c>, <c>escape</c>, <c>escape_once</c>, <c>cycle</c>) are not offered.</para>
/// <para>A Dockerfile (<see cref="RenderDockerfile"/>) is rendered the same way, so that no value can add an
/// instruction or an argument: every output either comes from <c>json_string</c> (a JSON string, for an exec-form
/// array) or <c>exec_form</c> (a whole command as an exec-form array) as its last filter, or holds only ASCII letters
/// and digits and <c>._/+=%@~:*-</c> (<see cref="IsDockerfileWord"/>: no space, quote, '$', '\' or line break). Its
/// templates have neither <c>yaml_string</c> nor <c>uri_component</c>.</para>
/// </summary>
internal static class Liquid
{
    private const int CacheLimit = 512;
    private static readonly FluidParser Parser = CreateParser();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Parsed = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, IFluidTemplate> ParsedYaml = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, IFluidTemplate> ParsedDockerfiles = new(
        StringComparer.Ordinal
    );
    private static readonly TemplateOptions Options = CreateOptions();
    private static readonly TemplateOptions DockerfileOptions = CreateDockerfileOptions();

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
        Render(Parse(text, out var error), error, variables, field, Options);

    /// <summary>
    /// Renders <paramref name="text"/> as YAML, where no value may be written as anything but a scalar (see the class).
    /// </summary>
    public static Result<string> RenderYaml(
        string text,
        IReadOnlyDictionary<string, FluidValue> variables,
        string field
    ) => Render(Checked(text, ParsedYaml, OutputRule.Yaml, out var error), error, variables, field, Options);

    /// <summary>
    /// Renders <paramref name="text"/> as a Dockerfile, where no value may be written as anything but one word or a
    /// JSON string (see the class).
    /// </summary>
    public static Result<string> RenderDockerfile(
        string text,
        IReadOnlyDictionary<string, FluidValue> variables,
        string field
    ) =>
        Render(
            Checked(text, ParsedDockerfiles, OutputRule.Dockerfile, out var error),
            error,
            variables,
            field,
            DockerfileOptions
        );

    private static IFluidTemplate? Checked(
        string text,
        ConcurrentDictionary<string, IFluidTemplate> cache,
        OutputRule rule,
        out string? error
    )
    {
        error = null;
        if (cache.TryGetValue(text, out var cached))
            return cached;
        if (Parse(text, out error) is not { } template)
            return null;
        var checkedTemplate = new CheckedOutputs(rule).VisitTemplate(template);
        if (cache.Count >= CacheLimit)
            cache.Clear();
        cache[text] = checkedTemplate;
        return checkedTemplate;
    }

    private static Result<string> Render(
        IFluidTemplate? template,
        string? error,
        IReadOnlyDictionary<string, FluidValue> variables,
        string field,
        TemplateOptions options
    )
    {
        if (template is null)
            return Problem.Invalid(field, $"The template does not parse: {error}");
        var undefined = new List<string>();
        var context = new TemplateContext(options)
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
                return Describe(c);
            }
        }
        return value.EndsWith(':') ? "':' at its end, which makes a key" : null;
    }

    /// <summary>
    /// Whether <paramref name="value"/> may stand bare in a Dockerfile, as (part of) one word that adds no argument,
    /// instruction or variable: null when it may, else what it holds that may not.
    /// </summary>
    public static string? IsDockerfileWord(string value)
    {
        foreach (var c in value)
        {
            if (
                !char.IsAsciiLetterOrDigit(c)
                && c is not ('.' or '_' or '/' or '+' or '=' or '%' or '@' or '~' or ':' or '*' or '-')
            )
                return Describe(c);
        }
        return null;
    }

    /// <summary>
    /// A value as a JSON string that a Dockerfile's exec form reads back exactly: quotes, backslashes and control
    /// characters escaped; '$' stays, since the exec form substitutes no variable.
    /// </summary>
    public static string JsonString(string value) => JsonSerializer.Serialize(value, JsonText);

    /// <summary>
    /// A command as a Dockerfile's exec form: <see cref="ExecArgv"/> as a JSON array (<c>["npm", "start"]</c>).
    /// </summary>
    public static string ExecForm(string command) => $"[{string.Join(", ", ExecArgv(command).Select(JsonString))}]";

    /// <summary>
    /// A command as the arguments of an exec form: its words when it is plain words ("npm start"), else the whole
    /// given to <c>/bin/sh -c</c>, which reads quotes, variables, '&amp;&amp;' and pipes as the person who typed it
    /// meant them. Empty is an error.
    /// </summary>
    public static IReadOnlyList<string> ExecArgv(string command)
    {
        var trimmed = command.Trim();
        if (trimmed.Length == 0)
            throw new ArgumentException("exec_form was given an empty command.");
        var words = trimmed.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
        var plain =
            trimmed.All(c =>
                char.IsAsciiLetterOrDigit(c)
                || c is ' ' or '\t' or '.' or '_' or '/' or '+' or '%' or '@' or ':' or ',' or '-' or '='
            ) && !words[0].Contains('=', StringComparison.Ordinal);
        return plain ? words : ["/bin/sh", "-c", trimmed];
    }

    private static string Describe(char c) =>
        c switch
        {
            '\n' or '\r' or '\u0085' or '\u2028' or '\u2029' => "a line break",
            ' ' => "a space",
            '\t' => "a tab",
            _ when char.IsControl(c) || c > '\u007e' => $"the character U+{(int)c:X4}",
            _ => $"'{c}'",
        };

    private static FluidParser CreateParser()
    {
        var parser = new FluidParser();
        // cycle writes its values itself, past the check of every output that YAML rendering makes.
        parser.RegisteredTags.Remove("cycle");
        return parser;
    }

    private static readonly JsonSerializerOptions JsonText = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static TemplateOptions CreateDockerfileOptions()
    {
        var options = BaseOptions();
        options.Filters.AddFilter("json_string", (input, _, _) =>
            new ValueTask<FluidValue>(new QuotedValue(JsonString(input.ToStringValue())))
        );
        options.Filters.AddFilter("exec_form", (input, _, _) =>
            new ValueTask<FluidValue>(new QuotedValue(ExecForm(input.ToStringValue())))
        );
        return options;
    }

    private static TemplateOptions CreateOptions()
    {
        var options = BaseOptions();
        options.Filters.AddFilter("yaml_string", (input, _, _) =>
            new ValueTask<FluidValue>(new QuotedValue(YamlString(input.ToStringValue())))
        );
        options.Filters.AddFilter("uri_component", (input, _, _) =>
            new ValueTask<FluidValue>(new StringValue(Uri.EscapeDataString(input.ToStringValue())))
        );
        return options;
    }

    private static TemplateOptions BaseOptions()
    {
        var options = new TemplateOptions
        {
            StrictFilters = true,
            CultureInfo = CultureInfo.InvariantCulture,
            MaxSteps = 200_000,
            MaxRecursion = 20,
        };
        // They write a value unchecked (raw), or escape it for HTML, which is not what YAML or a Dockerfile needs.
        foreach (var filter in new[] { "raw", "escape", "escape_once" })
            options.Filters.Remove(filter);
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

    /// <summary>Where a template's outputs land, and so what they may hold.</summary>
    private enum OutputRule
    {
        Yaml,
        Dockerfile,
    }

    /// <summary>
    /// What <c>yaml_string</c>, <c>json_string</c> and <c>exec_form</c> give: a whole quoted value, written as it is;
    /// any further filter makes it a plain string again.
    /// </summary>
    private sealed class QuotedValue(string text) : FluidValue
    {
        public override FluidValues Type => FluidValues.String;

        public override bool Equals(FluidValue other) => other.ToStringValue() == text;

        public override bool ToBooleanValue() => true;

        public override decimal ToNumberValue() => 0;

        public override string ToStringValue() => text;

        public override object ToObjectValue() => text;

        public override ValueTask WriteToAsync(TextWriter writer, TextEncoder encoder, CultureInfo cultureInfo) =>
            new(writer.WriteAsync(text));

        public override bool Equals(object? obj) => obj is QuotedValue other && other.ToStringValue() == text;

        public override int GetHashCode() => text.GetHashCode(StringComparison.Ordinal);
    }

    /// <summary>
    /// Puts every output of a template behind <see cref="CheckedOutput"/>: inside captures, loops, conditions and
    /// liquid tags too.
    /// </summary>
    private sealed class CheckedOutputs(OutputRule rule) : AstRewriter
    {
        protected override Statement VisitOutputStatement(OutputStatement outputStatement) =>
            new CheckedOutput(outputStatement.Expression, rule);
    }

    /// <summary>
    /// An output that writes a quoted literal of its filter, or a value that may stand bare where it lands; else a
    /// <see cref="NotBareException"/>.
    /// </summary>
    private sealed class CheckedOutput(Expression expression, OutputRule rule) : Statement
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
            if (value is QuotedValue)
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
                if (rule == OutputRule.Dockerfile)
                {
                    if (IsDockerfileWord(text) is { } reason)
                        throw new NotBareException(
                            $"{{{{ {Source(expression)} }}}} writes a value holding {reason} bare into the "
                                + "Dockerfile, where it could add arguments or instructions: write "
                                + $"{{{{ {Source(expression)} | json_string }}}} inside an exec-form array, or "
                                + $"{{{{ {Source(expression)} | exec_form }}}} for a whole command."
                        );
                    await writer.WriteAsync(text);
                    return Completion.Normal;
                }
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

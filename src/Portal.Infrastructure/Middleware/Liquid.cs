using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Values;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// The Liquid engine (Fluid) as middleware templates use it: a name that is not defined, at the top or inside
/// <c>params</c>, <c>plan</c>, <c>ports</c> or <c>credentials</c>, fails the rendering rather than printing nothing, and
/// two filters make values safe where they land: <c>yaml_string</c> (a double-quoted YAML scalar, whatever the value
/// holds) and <c>uri_component</c> (percent-encoding, for user names and passwords in URIs).
/// </summary>
internal static class Liquid
{
    private const int CacheLimit = 512;
    private static readonly FluidParser Parser = new();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Parsed = new(StringComparer.Ordinal);
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

    /// <summary>Renders <paramref name="text"/> with the variables; a problem on <paramref name="field"/> when it does not parse or render.</summary>
    public static Result<string> Render(string text, IReadOnlyDictionary<string, FluidValue> variables, string field)
    {
        var template = Parse(text, out var error);
        if (template is null)
            return Problem.Invalid(field, $"The template does not parse: {error}");
        var undefined = new List<string>();
        var context = new TemplateContext(Options) { Undefined = name =>
        {
            undefined.Add(name);
            return ValueTask.FromResult<FluidValue>(NilValue.Instance);
        } };
        foreach (var (name, value) in variables)
            context.SetValue(name, value);
        string output;
        try
        {
            output = template.Render(context, NullEncoder.Default);
        }
        catch (Exception e) when (e is FluidException or UndefinedMemberException or InvalidOperationException or ArgumentException or FormatException
                                      or OverflowException or DivideByZeroException)
        {
            return Problem.Invalid(field, $"The template does not render: {e.Message}");
        }
        if (undefined.Count > 0)
            return Problem.Invalid(field,
                $"The template uses {string.Join(", ", undefined.Distinct().Select(n => $"'{n}'"))}, which {(undefined.Distinct().Count() == 1 ? "is" : "are")} not defined here.");
        return output;
    }

    public static FluidValue String(string value) => new StringValue(value);

    public static FluidValue Number(long value) => NumberValue.Create(value);

    public static FluidValue Map(string name, IEnumerable<KeyValuePair<string, FluidValue>> entries) => new StrictMap(name, entries);

    /// <summary>
    /// A value as a YAML double-quoted scalar: quotes, backslashes and line breaks escaped, control characters as
    /// <c>\uXXXX</c>, everything else as it is. Whatever a password holds (':', '#', quotes, braces), it reads back the same.
    /// </summary>
    public static string YamlString(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                        builder.Append(c).Append(value[++i]);
                    else if (char.IsSurrogate(c))
                        builder.Append(@"\uFFFD");
                    else if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF')
                        builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    else
                        builder.Append(c);
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            StrictFilters = true, CultureInfo = CultureInfo.InvariantCulture, MaxSteps = 200_000, MaxRecursion = 20,
        };
        options.Filters.AddFilter("yaml_string", (input, _, _) => new ValueTask<FluidValue>(new StringValue(YamlString(input.ToStringValue()))));
        options.Filters.AddFilter("uri_component", (input, _, _) => new ValueTask<FluidValue>(new StringValue(Uri.EscapeDataString(input.ToStringValue()))));
        return options;
    }

    /// <summary>Thrown for a name missing from a <see cref="StrictMap"/>; Fluid's own strict mode names members poorly.</summary>
    private sealed class UndefinedMemberException(string message) : Exception(message);

    /// <summary>A read-only hash whose missing members are errors: <c>params.max_conections</c> fails instead of printing nothing.</summary>
    private sealed class StrictMap(string name, IEnumerable<KeyValuePair<string, FluidValue>> entries) : FluidValue
    {
        private readonly Dictionary<string, FluidValue> _entries = new(entries, StringComparer.Ordinal);

        public override FluidValues Type => FluidValues.Dictionary;

        public override ValueTask<FluidValue> GetValueAsync(string member, TemplateContext context) => new(Get(member));

        public override ValueTask<FluidValue> GetIndexAsync(FluidValue index, TemplateContext context) => new(Get(index.ToStringValue()));

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
            var known = _entries.Count == 0 ? "it is empty" : $"it has {string.Join(", ", _entries.Keys.Order(StringComparer.Ordinal))}";
            throw new UndefinedMemberException($"'{name}.{member}' is not defined: {known}.");
        }
    }
}

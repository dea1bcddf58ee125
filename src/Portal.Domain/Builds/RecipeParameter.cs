using System.Globalization;
using System.Text.RegularExpressions;
using Portal.Domain.Applications;

namespace Portal.Domain.Builds;

/// <summary>What a recipe parameter holds, and so how its value is checked.</summary>
public enum RecipeParameterType
{
    /// <summary>One line of text, usually held to a pattern (a class name, a module and its variable).</summary>
    Text,

    /// <summary>A command as a person types it into a shell ("npm run build"): free text on one line.</summary>
    Command,

    /// <summary>A whole number, within the parameter's bounds.</summary>
    Integer,

    /// <summary>A TCP port, 1 to 65535.</summary>
    Port,

    /// <summary>A runtime version ("20", "1.22", "3.12"), held to the parameter's pattern.</summary>
    Version,

    /// <summary>A container image reference ("node:20-bookworm-slim").</summary>
    Image,

    /// <summary>A path inside the source, relative and never above it ("cmd/server", "dist", "target/*.jar").</summary>
    Path,

    /// <summary>One of the parameter's allowed values.</summary>
    Choice,

    /// <summary>true or false.</summary>
    Boolean,
}

/// <summary>Values of another parameter that make one required: "start_command" when "server" is "command".</summary>
public sealed record RecipeCondition(string Parameter, IReadOnlyList<string> Values);

/// <summary>
/// One value a recipe's Dockerfile template takes: its name (as the template reads it, <c>params.{name}</c>), type,
/// the words a form shows (title and help), its default, whether a value is required (always, or when another
/// parameter has one of some values), the bounds, pattern or choices a value must keep to, and an example of a value
/// (for the form's help, and to prove the template renders with a value where there is no default).
/// </summary>
public sealed record RecipeParameter(
    string Name,
    RecipeParameterType Type,
    string Title,
    string Help,
    string? Default = null,
    bool Required = false,
    long? Min = null,
    long? Max = null,
    string? Pattern = null,
    IReadOnlyList<string>? AllowedValues = null,
    RecipeCondition? RequiredWhen = null,
    string? Example = null
)
{
    /// <summary>The longest value a parameter takes: enough for a command, a bound on a Dockerfile.</summary>
    public const int ValueMaxLength = 1000;

    /// <summary>What a version is unless the parameter says otherwise: "20", "1.22", "3.12.4".</summary>
    public const string DefaultVersionPattern = @"[0-9]+(\.[0-9]+){0,2}";

    /// <summary>
    /// Long enough that a busy machine never takes a short value for a wrong one, short enough to stop a pattern that
    /// backtracks without end.
    /// </summary>
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    public IReadOnlyList<string> Choices => AllowedValues ?? [];

    /// <summary>
    /// Why <paramref name="value"/> (given, not empty) does not fit this parameter, in a sentence naming it; null when
    /// it fits.
    /// </summary>
    public string? Check(string value)
    {
        if (value.Length > ValueMaxLength)
            return $"'{Name}' has at most {ValueMaxLength} characters, not {value.Length}.";
        if (value.Contains('\0', StringComparison.Ordinal))
            return $"'{Name}' holds a NUL character.";
        if (value.Any(IsLineBreak))
            return $"'{Name}' must be one line: it holds a line break.";
        if (value.Any(c => char.IsControl(c) && c != '\t'))
            return $"'{Name}' holds a control character.";
        var wrong = Type switch
        {
            RecipeParameterType.Integer => CheckInteger(value, Min, Max),
            RecipeParameterType.Port => CheckInteger(value, Math.Max(Min ?? 1, 1), Math.Min(Max ?? 65535, 65535)),
            RecipeParameterType.Boolean when !bool.TryParse(value, out _) =>
                $"'{Name}' is true or false, not '{value}'.",
            RecipeParameterType.Choice when !Choices.Contains(value, StringComparer.Ordinal) =>
                $"'{value}' is not one of the values of '{Name}': {string.Join(", ", Choices)}.",
            RecipeParameterType.Image => ImageReference.Parse(value, Name).Problem?.Message is { } message
                ? $"'{Name}': {message}"
                : null,
            RecipeParameterType.Path => CheckPath(value),
            RecipeParameterType.Version when !Matches(Pattern ?? DefaultVersionPattern, value) =>
                $"'{value}' is not a version '{Name}' takes: write it like '{Default ?? "20"}' "
                    + $"({Pattern ?? DefaultVersionPattern}).",
            _ => null,
        };
        if (wrong is not null)
            return wrong;
        if (Type is not RecipeParameterType.Version && Pattern is not null && !Matches(Pattern, value))
            return $"'{value}' does not have the form '{Name}' needs ({Pattern}).";
        return null;
    }

    /// <summary>A value written the one way templates see it: numbers without leading zeros, "true"/"false".</summary>
    public string Normalize(string value) =>
        Type switch
        {
            RecipeParameterType.Integer or RecipeParameterType.Port => long.Parse(
                    value,
                    NumberStyles.AllowLeadingSign,
                    CultureInfo.InvariantCulture
                )
                .ToString(CultureInfo.InvariantCulture),
            RecipeParameterType.Boolean => bool.Parse(value) ? "true" : "false",
            _ => value,
        };

    /// <summary>The pattern as a whole-value match, or null when it is not a regular expression.</summary>
    public static Regex? CompilePattern(string pattern)
    {
        try
        {
            // \A and \z, not ^ and $: '$' also matches before a final line break.
            return new Regex($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool IsLineBreak(char c) => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029';

    private string? CheckInteger(string value, long? min, long? max)
    {
        if (
            !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            || value.StartsWith('+')
        )
            return $"'{Name}' is a whole number, not '{value}'.";
        if (min is { } low && number < low)
            return $"'{Name}' is at least {low}, not {number}.";
        if (max is { } high && number > high)
            return $"'{Name}' is at most {high}, not {number}.";
        return null;
    }

    private string? CheckPath(string value)
    {
        if (value.StartsWith('/'))
            return $"'{Name}' is a path inside the source: write it without a leading '/', like 'cmd/server'.";
        var segments = value.Split('/');
        if (segments.Any(s => s == ".."))
            return $"'{Name}' may not climb out of the source with '..'.";
        if (segments.Any(s => s.Length == 0) && value != ".")
            return $"'{Name}' has an empty part: write it like 'cmd/server', without '//' or a trailing '/'.";
        if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/' or '*'))
            return $"'{Name}' holds a character a path here may not: use letters, digits and '._-/*'.";
        return null;
    }

    private static bool Matches(string pattern, string value)
    {
        try
        {
            return CompilePattern(pattern)?.IsMatch(value) ?? false;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

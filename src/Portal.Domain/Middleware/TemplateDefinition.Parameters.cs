using System.Globalization;
using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Middleware;

public sealed partial record TemplateDefinition
{
    /// <summary>
    /// Every problem with the values a developer gave, each with the field "Parameters.{name}": names the template does
    /// not have, values of the wrong type or outside the allowed ones, and required parameters left empty (a default
    /// fills an empty one). A null or empty value counts as not given.
    /// </summary>
    public IReadOnlyList<Problem> ValidateParameters(IReadOnlyDictionary<string, string?> values)
    {
        var problems = new List<Problem>();
        foreach (var name in values.Keys.Where(k => Parameters.All(p => p.Name != k)).Order(StringComparer.Ordinal))
            problems.Add(Problem.Invalid($"Parameters.{name}", $"'{name}' is not a parameter of this template."));
        foreach (var parameter in Parameters)
        {
            var value = values.GetValueOrDefault(parameter.Name);
            if (string.IsNullOrEmpty(value))
            {
                if (parameter.Required && string.IsNullOrEmpty(parameter.Default))
                    problems.Add(Problem.Invalid($"Parameters.{parameter.Name}", $"'{parameter.Name}' is required."));
                continue;
            }
            if (ParameterRules.Check(parameter, value) is { } wrong)
                problems.Add(Problem.Invalid($"Parameters.{parameter.Name}", wrong));
        }
        return problems;
    }

    /// <summary>
    /// The effective value of every parameter of the template: the one given, else the default, else "" (an optional
    /// parameter left empty). Integers and booleans are written the one way templates expect ("42", "true"). Fails
    /// with every problem <see cref="ValidateParameters"/> finds.
    /// </summary>
    public Result<IReadOnlyDictionary<string, string>> ResolveParameters(IReadOnlyDictionary<string, string?> values)
    {
        var problems = ValidateParameters(values);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in Parameters)
        {
            var value = values.GetValueOrDefault(parameter.Name);
            if (string.IsNullOrEmpty(value))
                value = parameter.Default ?? "";
            resolved[parameter.Name] = value.Length == 0 ? "" : ParameterRules.Normalize(parameter.Type, value);
        }
        return resolved;
    }
}

internal static class ParameterRules
{
    /// <summary>
    /// Long enough that a busy machine never takes a short value for a wrong one (100 ms did: a CI run with other work
    /// beside it found the catalog's own '/' wrong for '[A-Za-z0-9_./-]{1,64}'), short enough to stop a pattern that
    /// backtracks without end.
    /// </summary>
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Why <paramref name="value"/> does not fit the parameter, in a sentence; null when it does.</summary>
    public static string? Check(TemplateParameter parameter, string value)
    {
        if (value.Length > TemplateDefinition.ParameterValueMaxLength)
            return $"'{parameter.Name}' has at most {TemplateDefinition.ParameterValueMaxLength} characters.";
        switch (parameter.Type)
        {
            case ParameterType.Integer
                when !long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _):
                return $"'{parameter.Name}' is a whole number, not '{value}'.";
            case ParameterType.Boolean when !bool.TryParse(value.Trim(), out _):
                return $"'{parameter.Name}' is true or false, not '{value}'.";
            case ParameterType.Choice when !parameter.AllowedValues.Contains(value, StringComparer.Ordinal):
                return $"'{value}' is not one of the values of '{parameter.Name}': "
                    + $"{string.Join(", ", parameter.AllowedValues)}.";
            case ParameterType.String when parameter.Pattern is not null && !Matches(parameter.Pattern, value):
                return $"'{value}' does not have the form '{parameter.Name}' needs ({parameter.Pattern}).";
            default:
                return null;
        }
    }

    public static string Normalize(ParameterType type, string value) =>
        type switch
        {
            ParameterType.Integer => long.Parse(
                    value.Trim(),
                    NumberStyles.AllowLeadingSign,
                    CultureInfo.InvariantCulture
                )
                .ToString(CultureInfo.InvariantCulture),
            ParameterType.Boolean => bool.Parse(value.Trim()) ? "true" : "false",
            _ => value,
        };

    public static Regex? CompilePattern(string pattern)
    {
        try
        {
            // \A and \z, not ^ and $: '$' also matches before a final line break, so "app\n" would pass "[a-z]+".
            return new Regex($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (ArgumentException)
        {
            return null;
        }
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

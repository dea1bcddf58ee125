using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// A branch or tag name as <c>git check-ref-format</c> accepts it (<c>main</c>, <c>release/1.2</c>, <c>v1.0.0</c>):
/// what a source follows. A full name (<c>refs/heads/main</c>) is not needed: the portal looks it up as a branch, then
/// as a tag.
/// </summary>
public sealed record GitRefName
{
    public const int MaxLength = 200;
    public const string Field = "Ref";

    public string Value { get; }

    private GitRefName(string value) => Value = value;

    public override string ToString() => Value;

    public static Result<GitRefName> Parse(string? name)
    {
        var value = name?.Trim() ?? "";
        var reason = Refusal(value);
        return reason is null
            ? new GitRefName(value)
            : Problem.Invalid(Field, $"'{(value.Length > 60 ? value[..60] + "…" : value)}' {reason}");
    }

    /// <summary>Why Git would refuse the name, as the end of a sentence, or null when it would not.</summary>
    private static string? Refusal(string value)
    {
        if (value.Length == 0)
            return "is empty: a branch or tag name is required.";
        if (value.Length > MaxLength)
            return $"is longer than {MaxLength} characters.";
        if (value.Any(c => c < 0x20 || c == 0x7f))
            return "holds a control character.";
        if (value.IndexOfAny([' ', '~', '^', ':', '?', '*', '[', '\\']) is >= 0 and var at)
            return $"holds '{value[at]}', which Git does not allow in a branch or tag name.";
        if (value.StartsWith('-'))
            return "starts with '-'.";
        if (value == "@")
            return "is '@', which Git reserves.";
        if (value.Contains("@{", StringComparison.Ordinal))
            return "holds '@{', which Git does not allow in a branch or tag name.";
        if (value.Contains("..", StringComparison.Ordinal))
            return "holds '..', which Git does not allow in a branch or tag name.";
        if (value.StartsWith('/') || value.EndsWith('/') || value.Contains("//", StringComparison.Ordinal))
            return "has an empty part: it cannot start or end with '/' or hold '//'.";
        if (value.EndsWith('.'))
            return "ends with '.'.";
        foreach (var part in value.Split('/'))
        {
            if (part.StartsWith('.'))
                return $"has a part starting with '.' ('{part}').";
            if (part.EndsWith(".lock", StringComparison.Ordinal))
                return $"has a part ending with '.lock' ('{part}').";
        }
        if (value.StartsWith("refs/", StringComparison.Ordinal))
            return "is a full ref name: give the branch or tag name alone (main, v1.0).";
        return null;
    }
}

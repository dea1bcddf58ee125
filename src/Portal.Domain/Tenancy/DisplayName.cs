using Portal.Domain.Common;

namespace Portal.Domain.Tenancy;

/// <summary>A human-readable name: trimmed, one line, at most <see cref="MaxLength"/> characters.</summary>
public static class DisplayName
{
    public const int MaxLength = 100;

    public static Result<string> Create(string? input, string field = "DisplayName")
    {
        var value = input?.Trim() ?? "";
        if (value.Length == 0)
            return Problem.Invalid(field, "A name is required.");
        if (value.Length > MaxLength)
            return Problem.Invalid(field, $"A name has at most {MaxLength} characters; this one has {value.Length}.");
        if (value.Any(char.IsControl))
            return Problem.Invalid(field, "A name is one line of text without control characters.");
        return value;
    }
}

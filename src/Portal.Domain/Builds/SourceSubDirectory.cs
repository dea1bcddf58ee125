using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// The folder of a repository or archive that holds the application (<c>services/api</c>); empty for the root. It is
/// relative and stays inside the source: no <c>..</c>, no leading <c>/</c> or drive, no backslashes.
/// </summary>
public sealed record SourceSubDirectory
{
    public const int MaxLength = 255;
    public const string Field = "SubDirectory";

    public static readonly SourceSubDirectory Root = new("");

    /// <summary>The folder with '/' between its parts and none at either end; empty for the root.</summary>
    public string Value { get; }

    private SourceSubDirectory(string value) => Value = value;

    public bool IsRoot => Value.Length == 0;

    public override string ToString() => IsRoot ? "/" : Value;

    public static Result<SourceSubDirectory> Parse(string? path)
    {
        var value = path?.Trim() ?? "";
        if (value.Length == 0 || value is "." or "./")
            return Root;
        if (value.Length > MaxLength)
            return Problem.Invalid(Field, $"A sub-directory is at most {MaxLength} characters.");
        if (value.Any(char.IsControl))
            return Problem.Invalid(Field, "A sub-directory holds no control characters.");
        if (value.Contains('\\', StringComparison.Ordinal))
            return Problem.Invalid(Field, "A sub-directory separates its folders with '/', not '\\'.");
        if (value.StartsWith('/') || value.StartsWith('~') || (value.Length >= 2 && value[1] == ':'))
            return Problem.Invalid(
                Field,
                $"'{value}' is absolute: give the folder relative to the repository's root (services/api)."
            );
        var parts = value.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".").ToList();
        if (parts.Contains(".."))
            return Problem.Invalid(Field, $"'{value}' leaves the repository with '..': give a folder inside it.");
        return parts.Count == 0 ? Root : new SourceSubDirectory(string.Join('/', parts));
    }
}
